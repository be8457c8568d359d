"""``safeplace users ...``, ``audit verify`` and ``retention run`` against a real database."""

from __future__ import annotations

import logging
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from api import audit
from api.auth import verify_password
from api.cli_console import EXIT_BROKEN, EXIT_INVALID
from api.cli_service import register
from api.db.session import Database
from api.db.tables import AuditRow, ReferralRow, ReferralStatRow, ShelterRow, UserRow
from api.main import create_app
from api.settings import MAX_DAYS
from tests.api import server
from tests.api.helpers import settings_for
from tests.api.rows import add_audit_row, add_referral, victim

PASSWORD = "correct horse battery staple"
ANNA = {"username": "anna", "password": PASSWORD}


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment that points the commands at the test database."""
    return {
        "SAFEPLACE_DATABASE_URL": database_url,
        "SAFEPLACE_VAR_DIR": str(tmp_path / "var"),
        "SAFEPLACE_SEED_SAMPLE_NETWORK": "true",
    }


def run(env: dict[str, str], *args: str, stdin: str | bytes = "") -> Result:
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, list(args), input=stdin, env=env)


def test_users_add_reads_the_password_from_stdin(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = run(env, "users", "add", "anna", "--role", "desk", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "anna" in result.output
    assert PASSWORD not in result.output

    app = create_app(settings_for(database_url, tmp_path / "var"))
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": "anna", "password": PASSWORD})
        assert token.status_code == 200
        assert token.json()["token_type"] == "bearer"


def test_a_new_database_gets_no_synthetic_shelters_unless_asked(
    env: dict[str, str], database_url: str
) -> None:
    """A production database must never fill up with the sample's made-up shelters: they
    cannot be deleted, only closed."""
    plain = {name: value for name, value in env.items() if name != "SAFEPLACE_SEED_SAMPLE_NETWORK"}
    result = run(plain, "users", "add", "anna", "--role", "desk", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            assert session.execute(select(func.count()).select_from(ShelterRow)).scalar() == 0
    finally:
        database.dispose()


def desk_user_anna(env: dict[str, str], database_url: str, var_dir: Path) -> FastAPI:
    """Add the desk user ``anna`` (password :data:`PASSWORD`) by command; the service."""
    assert run(env, "users", "add", "anna", "--role", "desk", stdin=PASSWORD + "\n").exit_code == 0
    return create_app(settings_for(database_url, var_dir))


def test_a_deactivated_user_is_kept_out_until_activated_again(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    app = desk_user_anna(env, database_url, tmp_path / "var")
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data=ANNA).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/referrals", headers=bearer).status_code == 200

        # Activating someone at work changes nothing: their token goes on.
        result = run(env, "users", "activate", "anna")
        assert result.exit_code == 0, result.output
        assert "is active already: nothing changed" in result.output
        assert client.get("/api/v1/referrals", headers=bearer).status_code == 200

        result = run(env, "users", "deactivate", "anna")
        assert result.exit_code == 0, result.output
        assert client.get("/api/v1/referrals", headers=bearer).status_code == 401  # the token too
        assert client.post("/api/v1/auth/token", data=ANNA).status_code == 401
        again = run(env, "users", "deactivate", "anna")
        assert again.exit_code == 0, again.output
        assert again.output.strip() == "user 'anna' was deactivated already: nothing changed"

        assert run(env, "users", "activate", "anna").exit_code == 0
        # Whoever took the token meanwhile gains nothing: it ended with the deactivation.
        assert client.get("/api/v1/referrals", headers=bearer).status_code == 401
        token = client.post("/api/v1/auth/token", data=ANNA).json()["access_token"]
        renewed = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/referrals", headers=renewed).status_code == 200
    unknown = run(env, "users", "deactivate", "nobody")
    assert unknown.exit_code == EXIT_INVALID
    assert unknown.output.strip() == "cannot change user: no user 'nobody'"


def test_a_user_given_another_role_logs_in_again_to_act_in_it(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    app = desk_user_anna(env, database_url, tmp_path / "var")
    with TestClient(app) as client:

        def bearer() -> dict[str, str]:
            token = client.post("/api/v1/auth/token", data=ANNA).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        as_desk = bearer()
        assert client.get("/api/v1/referrals", headers=as_desk).status_code == 200

        result = run(env, "users", "set-role", "anna", "--role", "shelter", "--shelter", "S002")
        assert result.exit_code == 0, result.output
        assert "shelter at S002" in result.output
        assert client.get("/api/v1/referrals", headers=as_desk).status_code == 401
        as_staff = bearer()
        assert client.get("/api/v1/shelters/S002", headers=as_staff).status_code == 200
        assert client.get("/api/v1/shelters/S001", headers=as_staff).status_code == 404

        assert run(env, "users", "set-role", "anna", "--role", "planner").exit_code == 0
        assert client.get("/api/v1/shelters/S002", headers=as_staff).status_code == 401
        as_planner = bearer()
        assert client.get("/api/v1/capacity", headers=as_planner).status_code == 200
        assert client.get("/api/v1/referrals", headers=as_planner).status_code == 403

        # Back at the desk, the desk token of before stays refused: every change ends them all.
        assert run(env, "users", "set-role", "anna", "--role", "desk").exit_code == 0
        assert client.get("/api/v1/referrals", headers=as_desk).status_code == 401
        assert client.get("/api/v1/referrals", headers=bearer()).status_code == 200


def test_a_user_given_a_new_password_logs_in_with_it_only(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    app = desk_user_anna(env, database_url, tmp_path / "var")
    renewed = "a new and longer passphrase"
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data=ANNA).json()["access_token"]
        earlier = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/referrals", headers=earlier).status_code == 200

        result = run(env, "users", "set-password", "anna", stdin=renewed + "\n")
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "user 'anna' has a new password"
        # Whoever knew the old password keeps neither it nor a token it gave.
        assert client.get("/api/v1/referrals", headers=earlier).status_code == 401
        assert client.post("/api/v1/auth/token", data=ANNA).status_code == 401
        with_new = {"username": "anna", "password": renewed}
        assert client.post("/api/v1/auth/token", data=with_new).status_code == 200


def test_users_end_devices_ends_the_users_device_tokens_alone(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """A desk computer lost: its device token no longer gets past an attack on the name, while
    the user's password and token, and the other users' device tokens, go on working."""
    run(env, "users", "add", "bob", "--role", "desk", stdin=PASSWORD + "\n")
    app = desk_user_anna(env, database_url, tmp_path / "var")

    def login(address: str, name: str, password: str, device: str | None = None) -> Any:
        form = {"username": name, "password": password}
        if device is not None:
            form["device_token"] = device
        return TestClient(app, client=(address, 40000)).post("/api/v1/auth/token", data=form)

    def attack(name: str) -> None:
        for address in range(8):
            for _ in range(5):
                login(f"192.0.2.{address}", name, "a wrong password")

    with TestClient(app) as client:
        first = login("198.51.100.7", "anna", PASSWORD).json()
        lost = first["device_token"]
        bobs = login("198.51.100.8", "bob", PASSWORD).json()["device_token"]

        result = run(env, "users", "end-devices", "anna")
        assert result.exit_code == 0, result.output
        assert "anna" in result.output
        renewed = login("198.51.100.9", "anna", PASSWORD).json()["device_token"]
        attack("anna")
        attack("bob")
        assert login("203.0.113.1", "anna", PASSWORD, lost).status_code == 429
        assert login("203.0.113.1", "anna", PASSWORD, renewed).status_code == 200
        assert login("203.0.113.1", "bob", PASSWORD, bobs).status_code == 200
        bearer = {"Authorization": f"Bearer {first['access_token']}"}
        assert client.get("/api/v1/referrals", headers=bearer).status_code == 200

    unknown = run(env, "users", "end-devices", "nobody")
    assert unknown.exit_code == EXIT_INVALID
    assert unknown.output.strip() == "cannot change user: no user 'nobody'"


def test_users_end_devices_all_ends_every_users_device_tokens_after_asking(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """An image of a shared computer taken, with the device cookies of everyone who used it:
    one command ends them all, once the operator has said yes, and writes a row per user."""
    run(env, "users", "add", "bob", "--role", "planner", stdin=PASSWORD + "\n")
    app = desk_user_anna(env, database_url, tmp_path / "var")
    users = {"anna": PASSWORD, "bob": PASSWORD}

    def login(address: str, name: str, device: str | None = None) -> Any:
        form = {"username": name, "password": users[name]}
        if device is not None:
            form["device_token"] = device
        return TestClient(app, client=(address, 40000)).post("/api/v1/auth/token", data=form)

    def generations() -> dict[str, int]:
        database = Database.for_url(database_url)
        try:
            with database.session() as session:
                return dict(session.execute(select(UserRow.name, UserRow.device_generation)).all())
        finally:
            database.dispose()

    with TestClient(app):
        first = {name: login("198.51.100.7", name).json() for name in users}
        before = generations()
        for answer in ("n\n", ""):  # a no, and no answer at all (the input ended)
            declined = run(env, "users", "end-devices", "--all", stdin=answer)
            assert declined.exit_code == EXIT_INVALID, answer
            assert "nothing changed" in declined.output
        assert generations() == before

        ended = run(env, "users", "end-devices", "--all", stdin="y\n")
        assert ended.exit_code == 0, ended.output
        assert "2 users" in ended.output
        renewed = {name: login("198.51.100.9", name).json()["device_token"] for name in users}
        for name in users:
            for address in range(8):
                for _ in range(5):
                    TestClient(app, client=(f"192.0.2.{address}", 40000)).post(
                        "/api/v1/auth/token", data={"username": name, "password": "wrong one"}
                    )
        for name in users:
            assert login("203.0.113.1", name, first[name]["device_token"]).status_code == 429
            assert login("203.0.113.1", name, renewed[name]).status_code == 200
            # The password and the tokens issued with it stay as they were.
            bearer = {"Authorization": f"Bearer {first[name]['access_token']}"}
            assert TestClient(app).get("/api/v1/capacity", headers=bearer).status_code == 200

    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            rows = session.execute(
                select(AuditRow.action, AuditRow.object_id, AuditRow.request_id)
                .where(AuditRow.object_type == "user", AuditRow.object_id.in_(users))
                .order_by(AuditRow.seq)
            ).all()
    finally:
        database.dispose()
    changes = [row for row in rows if row.action == "update"]
    assert [(row.action, row.object_id) for row in changes] == [
        ("update", "anna"),
        ("update", "bob"),
    ]
    assert changes[0].request_id == changes[1].request_id  # one run, one request id
    assert run(env, "users", "end-devices", "--all", "--yes").exit_code == 0
    for mixed in (("anna", "--all"), ()):
        refused = run(env, "users", "end-devices", *mixed, "--yes")
        assert refused.exit_code == EXIT_INVALID
        assert "give a user's name, or --all" in refused.output


def test_users_set_password_refuses_what_cannot_work(
    env: dict[str, str], database_url: str
) -> None:
    assert run(env, "users", "add", "anna", "--role", "desk", stdin=PASSWORD + "\n").exit_code == 0
    cases = (
        ("anna", "too short", "at least 12 characters"),
        ("anna", "abcabcabcabc", "different characters"),
        ("nobody", PASSWORD, "no user 'nobody'"),
    )
    for name, password, problem in cases:
        result = run(env, "users", "set-password", name, stdin=password + "\n")
        assert result.exit_code == EXIT_INVALID, name
        assert result.output.startswith("cannot change user: "), result.output
        assert problem in result.output, result.output
    # A line that is no UTF-8, or holds a control character nobody can type at the login page.
    for line, problem in (
        (b"\xff\xfeCorrect-horse-9\n", "a password is UTF-8 text"),
        (b"Correct-horse-9\x00zz\n", "a password has no control characters"),
    ):
        result = run(env, "users", "set-password", "anna", stdin=line)
        assert (result.exit_code, result.output) == (
            EXIT_INVALID,
            f"cannot change user: {problem}\n",
        )
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            kept = session.scalars(select(UserRow.password_hash).where(UserRow.name == "anna"))
            assert verify_password(PASSWORD, kept.one())
    finally:
        database.dispose()


def test_users_set_role_refuses_what_cannot_work(env: dict[str, str], database_url: str) -> None:
    assert run(env, "users", "add", "anna", "--role", "desk", stdin=PASSWORD + "\n").exit_code == 0
    cases = (
        (["anna", "--role", "chief"], "unknown role 'chief'"),
        (["anna", "--role", "shelter"], "--shelter is required"),
        (["anna", "--role", "desk", "--shelter", "S001"], "--shelter is required"),
        (["anna", "--role", "shelter", "--shelter", "S999"], "no shelter 'S999'"),
        (["nobody", "--role", "desk"], "no user 'nobody'"),
    )
    for args, problem in cases:
        result = run(env, "users", "set-role", *args)
        assert result.exit_code == EXIT_INVALID, args
        assert problem in result.output, (args, result.output)
    database = Database.for_url(database_url)
    with database.session() as session:
        kept = session.scalars(select(UserRow).where(UserRow.name == "anna")).one()
        assert (kept.role, kept.shelter_id) == ("desk", None)
    database.dispose()


def test_users_add_refuses_what_cannot_work(env: dict[str, str], database_url: str) -> None:
    cases = (
        (["users", "add", "bob", "--role", "desk"], "too short\n", "at least 12"),
        (["users", "add", "bob", "--role", "desk"], "a" * 12 + "\n", "different characters"),
        (["users", "add", "bob", "--role", "chief"], PASSWORD + "\n", "unknown role"),
        (["users", "add", "bob", "--role", "shelter"], PASSWORD + "\n", "--shelter"),
        (
            ["users", "add", "bob", "--role", "shelter", "--shelter", "S999"],
            PASSWORD + "\n",
            "S999",
        ),
        (["users", "add", "Bob Smith", "--role", "desk"], PASSWORD + "\n", "user name"),
    )
    for args, stdin, reason in cases:
        result = run(env, *args, stdin=stdin)
        assert result.exit_code == EXIT_INVALID, (args, result.output)
        assert reason in result.output
    assert (
        run(
            env, "users", "add", "sam", "--role", "shelter", "--shelter", "S001", stdin=PASSWORD
        ).exit_code
        == 0
    )
    again = run(env, "users", "add", "sam", "--role", "desk", stdin=PASSWORD)
    assert again.exit_code == EXIT_INVALID
    assert "exists" in again.output

    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            users = session.execute(select(UserRow.name, UserRow.role, UserRow.shelter_id)).all()
    finally:
        database.dispose()
    assert [tuple(user) for user in users] == [("sam", "shelter", "S001")]


def test_audit_verify_names_the_first_broken_row(env: dict[str, str], database_url: str) -> None:
    assert run(env, "audit", "verify").exit_code == 0
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            for number in range(3):
                add_audit_row(session, number, datetime.now(UTC))
        intact = run(env, "audit", "verify")
        assert intact.exit_code == 0
        with database.session() as session:
            newest = session.execute(text("SELECT seq, hash FROM audit ORDER BY seq DESC")).first()
        assert newest is not None
        assert f"intact; newest row {newest.seq}, hash {newest.hash}" in intact.output

        _without_guards(database)
        with database.session() as session:
            session.execute(text("UPDATE audit SET actor = 'mallory' WHERE seq = 2"))
    finally:
        database.dispose()
    broken = run(env, "audit", "verify")
    assert broken.exit_code == EXIT_BROKEN
    assert "row 2" in broken.output


def test_audit_verify_checks_a_kept_hash_against_a_rewritten_or_shortened_trail(
    env: dict[str, str], database_url: str
) -> None:
    """Whoever can drop the triggers can rewrite a row and every hash after it, or remove the
    newest rows, and the chain still checks; a row's hash kept outside the database does not."""
    run(env, "audit", "verify")  # migrates and seeds, as the server would
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            for number in range(4):
                add_audit_row(session, number, datetime.now(UTC))
        printed = run(env, "audit", "verify")
        found = re.search(r"--kept (\d+):([0-9a-f]{64})", printed.output)
        assert found is not None, printed.output
        kept = f"{found.group(1)}:{found.group(2)}"
        seq = int(found.group(1))
        again = run(env, "audit", "verify", "--kept", kept)
        assert again.exit_code == 0, again.output
        assert f"row {seq} still has the hash kept for it" in again.output
        assert run(env, "audit", "verify", "--kept", kept.upper()).exit_code == 0

        _without_guards(database)
        with database.session() as session:
            session.execute(text("UPDATE audit SET actor = 'mallory' WHERE seq = :seq"), {"seq": 2})
            _rechain(session)
        # The chain alone cannot tell; the dropped guards that let the rewrite through can.
        unguarded = run(env, "audit", "verify")
        assert unguarded.exit_code == EXIT_BROKEN
        assert "broken at row" not in unguarded.output
        assert (
            "database triggers changed: no trigger audit_no_update on audit"
            in unguarded.output.splitlines()
        )
        rewritten = run(env, "audit", "verify", "--kept", kept)
        assert rewritten.exit_code == EXIT_BROKEN
        assert f"rewritten: row {seq} no longer has the hash kept for it" in rewritten.output

        with database.session() as session:
            session.execute(text("DELETE FROM audit WHERE seq >= :seq"), {"seq": seq})
        shortened = run(env, "audit", "verify", "--kept", kept)
        assert shortened.exit_code == EXIT_BROKEN
        assert f"shortened: row {seq} is gone" in shortened.output
    finally:
        database.dispose()


@pytest.mark.parametrize(
    "kept",
    ["12", "12:abc", "x:" + "0" * 64, "12:" + "g" * 64, "0:" + "0" * 64, "\u0661:" + "0" * 64],
    ids=["no-hash", "short-hash", "no-row", "not-hex", "row-0", "arabic-digit"],
)
def test_audit_verify_names_a_kept_hash_it_cannot_read(env: dict[str, str], kept: str) -> None:
    result = run(env, "audit", "verify", "--kept", kept)
    assert result.exit_code == EXIT_INVALID
    assert result.output.startswith(f"--kept: '{kept}' is not a row and its hash")


def _without_guards(database: Database) -> None:
    """Drop the triggers that refuse UPDATE and DELETE on the trail, as an intruder would."""
    with database.session() as session:
        for trigger in ("audit_no_update", "audit_no_delete"):
            drop = f"DROP TRIGGER {trigger}"
            session.execute(text(drop if database.dialect == "sqlite" else drop + " ON audit"))


def _rechain(session: Session) -> None:
    """Recompute every link and hash in order, as an intruder who knows the format would."""
    previous = audit.GENESIS
    for row in session.scalars(select(AuditRow).order_by(AuditRow.seq)):
        row.prev_hash = previous
        row.hash = audit.row_hash(row)
        previous = row.hash


def test_the_longest_retention_periods_purge_and_back_up_without_failing(
    env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    """Each period counts back from today; the longest allowed still lies within the calendar."""
    longest = {
        f"SAFEPLACE_{name}": str(MAX_DAYS)
        for name in ("RETENTION_DAYS", "AUDIT_RETENTION_DAYS", "SCENARIO_RUN_DAYS")
    }
    result = run(env | longest, "retention", "run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 closed referrals purged (closed more than 36500 days ago)")
    if database_url.startswith("sqlite"):  # backups are of the embedded database only
        folder = tmp_path / "backups"
        folder.mkdir()
        assert run(env | longest, "backup", str(folder)).exit_code == 0


def test_retention_purges_old_closed_referrals(env: dict[str, str], database_url: str) -> None:
    run(env, "audit", "verify")  # migrates and seeds, as the server would
    long_ago = datetime.now(UTC) - timedelta(days=400)
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            add_referral(session, victim("Cold", location={"municipality": "Breda"}), long_ago)
            add_referral(session, victim("Cnew"), long_ago)
            session.execute(
                update(ReferralRow)
                .where(ReferralRow.id == "Cold")
                .values(status="closed", closed_at=long_ago, close_reason="withdrawn")
            )
        result = run(env, "retention", "run", "--days", "30")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("1 closed referrals purged")
        with database.session() as session:
            assert session.scalars(select(ReferralRow.id)).all() == ["Cnew"]
            stats = session.scalars(select(ReferralStatRow)).all()
            assert [(s.region, s.outcome, s.count) for s in stats] == [
                ("Zeeland-West-Brabant", "withdrawn", 1)
            ]
    finally:
        database.dispose()


def test_retention_erase_asks_first_and_erases_only_a_closed_referral(
    env: dict[str, str], database_url: str
) -> None:
    run(env, "audit", "verify")  # migrates and seeds, as the server would
    closed, waiting = "C00000000000000c1", "C00000000000000c2"
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            add_referral(session, victim(closed), datetime.now(UTC))
            add_referral(session, victim(waiting), datetime.now(UTC))
            session.execute(
                update(ReferralRow)
                .where(ReferralRow.id == closed)
                .values(status="closed", closed_at=datetime.now(UTC), close_reason="withdrawn")
            )
        for answer in ("n\n", ""):  # a no, and no answer at all (the input ended)
            declined = run(env, "retention", "erase", closed, stdin=answer)
            assert declined.exit_code == EXIT_INVALID, answer
            assert "nothing erased" in declined.output
        refused = run(env, "retention", "erase", waiting, "--yes")
        assert refused.exit_code == EXIT_INVALID
        assert f"nothing erased: referral '{waiting}' is waiting: close it first" in refused.output
        with database.session() as session:
            assert set(session.scalars(select(ReferralRow.id))) == {closed, waiting}
        erased = run(env, "retention", "erase", closed, stdin="y\n")
        assert erased.exit_code == 0, erased.output
        assert f"referral {closed} erased" in erased.output
        with database.session() as session:
            assert session.scalars(select(ReferralRow.id)).all() == [waiting]
            row = session.scalars(select(AuditRow).where(AuditRow.action == "delete")).one()
            assert (row.object_id, row.role) == (closed, "console")
            assert row.actor.startswith("console:")
    finally:
        database.dispose()


COMMANDS = (
    ["serve", "--port", "1"],
    ["users", "add", "bob", "--role", "desk"],
    ["audit", "verify"],
    ["retention", "run"],
)


# ``backup`` opens no PostgreSQL database (it refuses one before), but reads its settings first.
@pytest.mark.parametrize(
    "command", [*COMMANDS, ["backup", "copy.db"]], ids=lambda command: command[0]
)
def test_a_bad_setting_is_named_without_a_traceback(command: list[str], tmp_path: Path) -> None:
    env = {
        "SAFEPLACE_VAR_DIR": str(tmp_path / "var"),
        "SAFEPLACE_DATABASE_URL": "mysql://root:secret-password@localhost/safeplace",
        "SAFEPLACE_HOLD_MINUTES": "soon",
    }
    result = run(env, *command, stdin=PASSWORD + "\n")
    assert result.exit_code == EXIT_INVALID
    assert result.output.splitlines() == [
        "SAFEPLACE_DATABASE_URL: unsupported database 'mysql'; "
        "use sqlite:///PATH or postgresql://USER@HOST/DATABASE",
        "SAFEPLACE_HOLD_MINUTES: Input should be a valid integer, unable to parse string as an "
        "integer",
    ]
    assert not (tmp_path / "var").exists()  # nothing was started or created


@pytest.mark.parametrize("days", ["0", "366", "ninety"])
def test_a_device_days_setting_out_of_range_is_refused_naming_it(
    days: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before the service starts (were it not, the server below would be started)."""
    started: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server: started.append(server.config))
    monkeypatch.setattr(uvicorn.Config, "configure_logging", lambda config: None)
    env = {
        "SAFEPLACE_VAR_DIR": str(tmp_path / "var"),
        "SAFEPLACE_DATABASE_URL": f"sqlite:///{tmp_path / 'safeplace.db'}",
        "SAFEPLACE_DEVICE_DAYS": days,
    }
    result = run(env, "serve")
    assert result.exit_code == EXIT_INVALID
    (line,) = result.output.splitlines()
    assert line.startswith("SAFEPLACE_DEVICE_DAYS: Input should be ")
    assert started == []
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_database_that_cannot_be_opened_is_one_line_without_its_password(
    command: list[str], tmp_path: Path
) -> None:
    unreachable = "postgresql://nobody:secret-password@127.0.0.1:1/safeplace"
    env = {"SAFEPLACE_VAR_DIR": str(tmp_path / "var"), "SAFEPLACE_DATABASE_URL": unreachable}
    handlers = {name: list(logging.getLogger(name).handlers) for name in ("", "api", "uvicorn")}
    result = run(env, *command, stdin=PASSWORD + "\n")
    # The check leaves this process's logging as it was (it must not bind a handler to a stream
    # that is gone once the command has ended).
    assert {name: logging.getLogger(name).handlers for name in handlers} == handlers
    assert result.exit_code == EXIT_BROKEN
    (line,) = result.output.splitlines()
    assert line.startswith(
        "cannot open the database postgresql://nobody:***@127.0.0.1:1/safeplace: "
    )
    assert "secret-password" not in result.output

    (tmp_path / "a-file").write_text("not a folder")
    env["SAFEPLACE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'a-file' / 'safeplace.db'}"
    result = run(env, *command, stdin=PASSWORD + "\n")
    assert result.exit_code == EXIT_BROKEN
    assert result.output.startswith(f"cannot open the database {env['SAFEPLACE_DATABASE_URL']}: ")
    assert len(result.output.splitlines()) == 1


def test_serve_believes_the_proxy_it_is_told_of(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy on another host every client would otherwise be the proxy, and five bad
    logins from anyone would lock a user out for everyone."""
    started: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server: started.append(server.config))
    # uvicorn sets up logging when its configuration is made, on this runner's stream, which is
    # closed once the command ends: later tests' log lines would fail to be written.
    monkeypatch.setattr(uvicorn.Config, "configure_logging", lambda config: None)
    assert run(env, "serve", "--forwarded-allow-ips", "10.0.0.5").exit_code == 0
    assert run(env, "serve").exit_code == 0
    assert [(c.proxy_headers, c.forwarded_allow_ips) for c in started] == [
        (True, "10.0.0.5"),
        (True, "127.0.0.1"),
    ]


def test_every_change_to_a_user_is_in_the_audit_trail(
    env: dict[str, str], database_url: str
) -> None:
    """Who was given access, or lost it, must be on record as much as who used it."""
    steps = [
        (("users", "add", "anna", "--role", "desk"), PASSWORD + "\n"),
        (("users", "set-role", "anna", "--role", "planner"), ""),
        (("users", "deactivate", "anna"), ""),
        (("users", "deactivate", "anna"), ""),  # nothing to change: no row
        (("users", "activate", "anna"), ""),
        (("users", "activate", "anna"), ""),  # nothing to change: no row
        (("users", "set-password", "anna"), "another horse battery staple\n"),
        (("users", "end-devices", "anna"), ""),
        (("users", "set-role", "nobody", "--role", "desk"), ""),  # refused: no row
        (("users", "end-devices", "nobody"), ""),  # refused: no row
    ]
    for args, stdin in steps:
        run(env, *args, stdin=stdin)
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            rows = session.execute(
                select(AuditRow.actor, AuditRow.role, AuditRow.action, AuditRow.object_id)
                .where(AuditRow.object_type == "user")
                .order_by(AuditRow.seq)
            ).all()
    finally:
        database.dispose()
    assert [(row.role, row.action, row.object_id) for row in rows] == [
        ("console", "create", "anna"),
        *[("console", "update", "anna")] * 5,
    ]
    assert all(row.actor.startswith("console:") for row in rows)
    assert run(env, "audit", "verify").exit_code == 0


# Run at the start of every Python process given it on PYTHONPATH: a worker that uvicorn spawns
# sleeps before it can answer its supervisor, as on a machine busy with other work.
SLOW_WORKER_START = """
import sys, time
if "--multiprocessing-fork" in sys.argv:
    time.sleep(8)
"""


def test_workers_slow_to_start_are_waited_for_not_killed_in_a_loop(tmp_path: Path) -> None:
    """uvicorn kills a worker that has not answered its supervisor within 5 s and starts
    another: on a busy machine every new worker was killed too, and the service never came up."""
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_WORKER_START)
    path = os.pathsep.join(filter(None, [str(slow), os.environ.get("PYTHONPATH")]))
    url = f"sqlite:///{tmp_path / 'safeplace.db'}"
    with server.running(
        url, tmp_path / "var", through_serve=True, environment={"PYTHONPATH": path}
    ) as running:
        # The server answers once one worker is up; the other may still be starting.
        deadline = time.monotonic() + 60
        while running.log.read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, running.log.read_text()
            time.sleep(0.2)
        assert "died" not in running.log.read_text()


def _old_and_new_reads(database_url: str) -> list[str]:
    """Three audit rows 800 days old and one of now, with their hashes as ``SEQ:HASH``."""
    database = Database.for_url(database_url)
    try:
        with database.session() as session:
            for number in range(3):
                add_audit_row(session, number, datetime.now(UTC) - timedelta(days=800))
            add_audit_row(session, 0, datetime.now(UTC))
        with database.session() as session:
            rows = session.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq))
            return [f"{row.seq}:{row.hash}" for row in rows]
    finally:
        database.dispose()


def test_retention_purges_old_audit_rows_and_verify_says_where_the_trail_begins(
    env: dict[str, str], database_url: str
) -> None:
    run(env, "audit", "verify")  # migrates and seeds, as the server would
    kept = _old_and_new_reads(database_url)
    result = run(env, "retention", "run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "0 closed referrals purged (closed more than 365 days ago)",
        "0 scenario runs purged (ended more than 365 days ago)",
        "2 audit rows purged (older than 730 days)",
    ]
    assert re.fullmatch(
        r"trail kept from row 3 \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\); 2 earlier rows purged, the "
        r"last time on \d{4}-\d\d-\d\d \d\d:\d\d UTC under a retention of 730 days",
        lines[3],
    ), lines[3]
    verified = run(env, "audit", "verify", "--kept", kept[0])
    assert verified.exit_code == 0, verified.output
    assert lines[3] in verified.output.splitlines()
    assert re.search(
        r"row 1 was purged on \S+ \S+ UTC, with the rows up to 2, older than \S+ \S+ UTC "
        r"\(a retention of 730 days\)",
        verified.output,
    ), verified.output
    assert "still has the hash kept" in run(env, "audit", "verify", "--kept", kept[2]).output
    forged = kept[1].split(":")[0] + ":" + "0" * 64  # the last row purged: its hash is known
    rewritten = run(env, "audit", "verify", "--kept", forged)
    assert rewritten.exit_code == EXIT_BROKEN
    assert "rewritten: row 2 no longer has the hash kept for it" in rewritten.output


def test_audit_verify_names_a_purge_under_a_shorter_period_than_set(
    env: dict[str, str], database_url: str
) -> None:
    run(env, "audit", "verify")
    _old_and_new_reads(database_url)
    assert run({**env, "SAFEPLACE_AUDIT_RETENTION_DAYS": "400"}, "retention", "run").exit_code == 0
    assert run({**env, "SAFEPLACE_AUDIT_RETENTION_DAYS": "400"}, "audit", "verify").exit_code == 0
    result = run(env, "audit", "verify")
    assert result.exit_code == EXIT_BROKEN
    assert re.search(
        r"audit trail broken at row \d+: the last purge kept rows for 400 days, fewer than the "
        r"730 set \(SAFEPLACE_AUDIT_RETENTION_DAYS\)",
        result.output,
    ), result.output


def test_retention_keeps_a_broken_start_of_the_trail_and_says_so(
    env: dict[str, str], database_url: str
) -> None:
    run(env, "audit", "verify")
    _old_and_new_reads(database_url)
    database = Database.for_url(database_url)
    try:
        _without_guards(database)
        with database.session() as session:
            session.execute(text("UPDATE audit SET actor = 'mallory' WHERE seq = 1"))
    finally:
        database.dispose()
    result = run(env, "retention", "run")
    assert result.exit_code == EXIT_BROKEN
    assert "audit trail broken at row 1: no audit row purged" in result.output


def test_retention_refuses_to_keep_referrals_longer_than_the_audit_trail(
    env: dict[str, str],
) -> None:
    result = run(env, "retention", "run", "--days", "731")
    assert result.exit_code == EXIT_INVALID
    assert result.output.startswith(
        "--days: 731 days is longer than the audit trail is kept (730 days, "
        "SAFEPLACE_AUDIT_RETENTION_DAYS)"
    )


def test_an_audit_period_shorter_than_the_referrals_is_named(env: dict[str, str]) -> None:
    shorter = {**env, "SAFEPLACE_RETENTION_DAYS": "400", "SAFEPLACE_AUDIT_RETENTION_DAYS": "399"}
    result = run(shorter, "retention", "run")
    assert result.exit_code == EXIT_INVALID
    assert result.output.splitlines() == [
        "SAFEPLACE_AUDIT_RETENTION_DAYS: 399 days is shorter than SAFEPLACE_RETENTION_DAYS "
        "(400): the audit trail must be kept at least as long as the referrals it accounts for"
    ]
