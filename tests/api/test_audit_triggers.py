"""``safeplace audit verify`` holds the database's triggers against those the migrations make.

The trail's guards are triggers: whoever drops, disables or replaces one (or, on PostgreSQL, the
function it calls) can then change rows, and the chain shows nothing until they do, or nothing
at all if every later hash is rewritten. Each test tampers with the guards of a real database as
an intruder with the database's rights would, and runs the command as an operator does.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner, Result

from api.cli_console import EXIT_BROKEN
from api.cli_service import register
from api.db import triggers
from api.db.session import Database
from tests.api.databases import empty_database
from tests.api.rows import add_audit_row

INTACT = "database triggers as the migrations make them (the trail is append-only)"
CHANGED = "database triggers changed: "
# A function that lets every change through, in the place of a guard's.
PERMISSIVE_BODY = "BEGIN RETURN coalesce(NEW, OLD); END"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment that points the commands at the test database (both dialects),
    migrated and seeded as the server would leave it, with three audit rows."""
    return _prepared(database_url, tmp_path)


@pytest.fixture
def postgresql_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty schema on the PostgreSQL test server (started or skipped as for every
    PostgreSQL variant), for what only PostgreSQL can do: disable a trigger, replace a function."""
    yield from empty_database("postgresql", tmp_path)


@pytest.fixture
def postgresql_env(postgresql_url: str, tmp_path: Path) -> dict[str, str]:
    """As ``env``, on PostgreSQL only."""
    return _prepared(postgresql_url, tmp_path)


def _prepared(url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        "SAFEPLACE_DATABASE_URL": url,
        "SAFEPLACE_VAR_DIR": str(tmp_path / "var"),
        "SAFEPLACE_SEED_SAMPLE_NETWORK": "true",
    }
    assert run(env, "audit", "verify").exit_code == 0  # migrates and seeds
    database = Database.for_url(url)
    try:
        with database.session() as session:
            for number in range(3):
                add_audit_row(session, number, datetime.now(UTC))
    finally:
        database.dispose()
    return env


def run(env: dict[str, str], *args: str) -> Result:
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, list(args), env=env)


def execute(env: dict[str, str], *statements: str) -> None:
    """Run ``statements`` in one transaction on the test database, as an intruder would."""
    database = Database.for_url(env["SAFEPLACE_DATABASE_URL"])
    try:
        with database.session() as session:
            for statement in statements:
                session.execute(text(statement))
    finally:
        database.dispose()


def changed(result: Result) -> list[str]:
    """The lines in which ``audit verify`` named a changed trigger."""
    return [line for line in result.output.splitlines() if line.startswith(CHANGED)]


def dialect_of(env: dict[str, str]) -> str:
    return "sqlite" if env["SAFEPLACE_DATABASE_URL"].startswith("sqlite") else "postgresql"


def test_intact_triggers_pass_and_say_so(env: dict[str, str]) -> None:
    result = run(env, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert INTACT in result.output.splitlines()
    assert changed(result) == []


def test_a_dropped_guard_is_named_though_the_chain_still_checks(env: dict[str, str]) -> None:
    on_table = " ON audit" if dialect_of(env) == "postgresql" else ""
    execute(env, f"DROP TRIGGER audit_no_delete{on_table}")
    result = run(env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert "broken at row" not in result.output
    assert INTACT not in result.output
    assert changed(result) == [f"{CHANGED}no trigger audit_no_delete on audit"]


def test_a_guard_remade_to_guard_less_is_named(env: dict[str, str]) -> None:
    """Under its own name, refusing an update of one column only: the actor can be changed."""
    if dialect_of(env) == "postgresql":
        drop = "DROP TRIGGER audit_no_update ON audit"
        remake = (
            "CREATE TRIGGER audit_no_update BEFORE UPDATE OF result ON audit "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
    else:
        drop = "DROP TRIGGER audit_no_update"
        remake = (
            "CREATE TRIGGER audit_no_update BEFORE UPDATE OF result ON audit "
            "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END"
        )
    execute(env, drop, remake)
    execute(env, "UPDATE audit SET actor = 'mallory' WHERE seq = 2")  # the guard let it through
    result = run(env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    lines = result.output.splitlines()
    assert lines[0].startswith("audit trail broken at row 2: ")
    assert changed(result) == [f"{CHANGED}trigger audit_no_update on audit is not Safeplace's"]


def test_a_trigger_safeplace_does_not_make_is_named(env: dict[str, str]) -> None:
    """A trigger added on the trail could rewrite what each new row refers to elsewhere; one on
    another table of the schema, not Safeplace's, is no business of the check."""
    statements: tuple[str, ...]
    if dialect_of(env) == "postgresql":
        statements = (
            "CREATE FUNCTION audit_watch() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$",
            "CREATE TRIGGER audit_watch AFTER INSERT ON audit "
            "FOR EACH ROW EXECUTE FUNCTION audit_watch()",
            "CREATE TABLE notes (id integer)",
            "CREATE TRIGGER notes_watch AFTER INSERT ON notes "
            "FOR EACH ROW EXECUTE FUNCTION audit_watch()",
        )
    else:
        statements = (
            "CREATE TRIGGER audit_watch AFTER INSERT ON audit "
            "BEGIN UPDATE network_version SET version = NEW.seq; END",
            "CREATE TABLE notes (id integer)",
            "CREATE TRIGGER notes_watch AFTER INSERT ON notes BEGIN SELECT 1; END",
        )
    execute(env, *statements)
    result = run(env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert changed(result) == [f"{CHANGED}a trigger Safeplace does not have: audit_watch on audit"]


def test_a_guard_disabled_is_named_and_lets_rows_change(postgresql_env: dict[str, str]) -> None:
    execute(postgresql_env, "ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    result = run(postgresql_env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert "broken at row" not in result.output
    assert changed(result) == [f"{CHANGED}trigger audit_no_update on audit is disabled"]

    execute(postgresql_env, "UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    after = run(postgresql_env, "audit", "verify")
    assert after.exit_code == EXIT_BROKEN
    assert after.output.splitlines()[0].startswith("audit trail broken at row 1: ")
    assert changed(after) == [f"{CHANGED}trigger audit_no_update on audit is disabled"]


def test_a_guard_set_to_fire_on_replicas_only_is_named(postgresql_env: dict[str, str]) -> None:
    """ENABLE REPLICA TRIGGER leaves the trigger enabled in name and silent in every ordinary
    session."""
    execute(
        postgresql_env, "ALTER TABLE audit_purges ENABLE REPLICA TRIGGER audit_purges_no_delete"
    )
    result = run(postgresql_env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert changed(result) == [
        f"{CHANGED}trigger audit_purges_no_delete on audit_purges is set to fire on replicas only"
    ]


def test_a_guard_function_with_another_body_is_named(postgresql_env: dict[str, str]) -> None:
    """CREATE OR REPLACE FUNCTION keeps every trigger that calls it as it was: only the body
    tells that the guards now let everything through."""
    execute(
        postgresql_env,
        "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ {PERMISSIVE_BODY} $$",
    )
    execute(postgresql_env, "UPDATE audit SET actor = 'mallory' WHERE seq = 3")  # let through
    result = run(postgresql_env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert result.output.splitlines()[0].startswith("audit trail broken at row 3: ")
    assert changed(result) == [
        f"{CHANGED}trigger function audit_append_only() is not Safeplace's: its body was changed"
    ]


def test_a_guard_function_run_under_another_search_path_is_named(
    postgresql_env: dict[str, str],
) -> None:
    """The purge guard reads ``audit_purges`` by its bare name: under a search_path set on the
    function, a table of the intruder's could stand in for it, the body unchanged."""
    execute(postgresql_env, "ALTER FUNCTION audit_purged_only() SET search_path = pg_temp")
    result = run(postgresql_env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert changed(result) == [
        f"{CHANGED}trigger function audit_purged_only() is not Safeplace's: its language, "
        "rights or settings were changed"
    ]


def test_a_guard_function_dropped_with_its_triggers_names_each(
    postgresql_env: dict[str, str],
) -> None:
    execute(postgresql_env, "DROP FUNCTION audit_append_only() CASCADE")
    result = run(postgresql_env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert changed(result) == [
        f"{CHANGED}no trigger audit_no_truncate on audit",
        f"{CHANGED}no trigger audit_no_update on audit",
        f"{CHANGED}no trigger audit_purges_no_delete on audit_purges",
        f"{CHANGED}no trigger audit_purges_no_truncate on audit_purges",
        f"{CHANGED}no trigger audit_purges_no_update on audit_purges",
        f"{CHANGED}no trigger function audit_append_only()",
    ]


def test_the_scratch_schema_is_rolled_back(
    postgresql_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the migrations make is read from a scratch schema that must not outlive the check,
    on the database the service keeps its cases in."""
    monkeypatch.setattr(triggers, "_HEADS", {})  # made again, not taken from an earlier test
    assert run(postgresql_env, "audit", "verify").exit_code == 0
    assert triggers._HEADS  # the check did migrate a scratch schema
    database = Database.for_url(postgresql_env["SAFEPLACE_DATABASE_URL"])
    try:
        with database.session() as session:
            left = session.scalars(
                text(
                    "SELECT nspname FROM pg_namespace "
                    "WHERE nspname LIKE 'safeplace_trigger_check_%'"
                )
            ).all()
    finally:
        database.dispose()
    assert left == []


def test_a_database_user_who_cannot_make_the_scratch_schema_is_told_why(
    postgresql_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check needs the right to create a schema: without it the operator learns that the
    triggers were not checked, not that they are intact."""
    monkeypatch.setattr(triggers, "_HEADS", {})
    url = postgresql_env["SAFEPLACE_DATABASE_URL"]
    database = Database.for_url(url)
    role = f"safeplace_no_create_{secrets.token_hex(4)}"
    try:
        with database.session() as session:
            if session.scalar(
                text("SELECT has_database_privilege('public', current_database(), 'CREATE')")
            ):
                pytest.skip("every user of the test database may create a schema in it")
            schema = session.scalar(text("SELECT current_schema()"))
            session.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            session.execute(text(f'GRANT ALL ON SCHEMA "{schema}" TO "{role}"'))
            session.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"'))
            session.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"'))
        limited = make_url(url).set(username=role, password=None)
        result = run(
            {**postgresql_env, "SAFEPLACE_DATABASE_URL": limited.render_as_string(False)},
            "audit",
            "verify",
        )
    finally:
        with database.session() as session:
            session.execute(text(f'DROP OWNED BY "{role}"'))
            session.execute(text(f'DROP ROLE "{role}"'))
        database.dispose()
    assert result.exit_code == EXIT_BROKEN
    assert INTACT not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("cannot check")]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("cannot check the database triggers: permission denied")
    assert "the right to create a schema" in lines[0]


def test_the_guards_still_refuse_what_they_refused(env: dict[str, str]) -> None:
    """The check reads the triggers and migrates nothing in the live schema: after it, the
    trail is as append-only as before."""
    assert run(env, "audit", "verify").exit_code == 0
    with pytest.raises(DBAPIError, match="append-only"):
        execute(env, "UPDATE audit SET actor = 'mallory' WHERE seq = 1")


def test_a_database_whose_triggers_cannot_be_read_is_unchecked(tmp_path: Path) -> None:
    """A file SQLite cannot read is reported as not checked, never as triggers that differ or
    match: the caller says so (a restore refuses the backup)."""
    path = tmp_path / "spoiled.db"
    path.write_bytes(b"not a database at all " * 400)
    database = Database.for_url(f"sqlite:///{path}")
    try:
        with pytest.raises(triggers.Unchecked, match="file is not a database"):
            triggers.check(database)
    finally:
        database.dispose()
