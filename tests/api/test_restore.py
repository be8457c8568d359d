"""``safeplace restore``: a checked backup put in the database's place, the database of before kept.

Each test runs the command as an operator does (typer's runner, the settings from the
environment) against an embedded database written the way the service writes it.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner, Result

from api import backup, restore
from api.cli_console import EXIT_BROKEN, EXIT_INVALID
from api.cli_service import register
from api.db.session import Database, migration_scripts
from api.db.tables import AuditRow
from api.main import create_app
from tests.api.databases import schema_at, sqlite_url
from tests.api.helpers import USERS, add_users, bearer, settings_for
from tests.api.rows import register_one

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
# An older schema revision: a backup taken before the newest migrations (the trail's purges
# among them, whose records the check of its trail needs once it is upgraded).
BEFORE_NEWEST = "0011"
# The audit trail's retention period the backups and restores are checked against.
DAYS = 730
# The newest schema revision of the code.
HEAD = str(migration_scripts().get_current_head())
# What a restore says of a file that names a revision without holding its tables.
NOT_ITS_TABLES = "the backup does not hold the tables of a Safeplace database"
# ... and of one whose audit trail is no longer kept append-only.
NOT_ITS_TRIGGERS = (
    "the backup does not hold the triggers of a Safeplace database (they keep the audit trail "
    "append-only):"
)


def run(url: str, tmp_path: Path, *args: str, answer: str = "") -> Result:
    app = typer.Typer()
    register(app)
    env = {"SAFEPLACE_DATABASE_URL": url, "SAFEPLACE_VAR_DIR": str(tmp_path / "var")}
    return CliRunner().invoke(app, list(args), env=env, input=answer)


def file_of(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def referrals_in(path: Path) -> set[str]:
    """The referrals in a database file, read from that file alone: a copy of it where no -wal
    lies beside it to be applied."""
    alone = path.with_name(f".alone-{path.name}")
    alone.write_bytes(path.read_bytes())
    try:
        with closing(sqlite3.connect(alone)) as connection:
            return {row[0] for row in connection.execute("SELECT id FROM referrals")}
    finally:
        for leftover in (alone, *backup.beside(alone)):
            leftover.unlink(missing_ok=True)


def folder_of(url: str) -> list[str]:
    return sorted(path.name for path in file_of(url).parent.iterdir())


def kept(made: backup.Backup) -> str:
    """The newest row of a backup and its hash, as ``--kept`` takes them."""
    assert made.newest is not None
    return f"{made.newest[0]}:{made.newest[1]}"


def test_a_restore_puts_the_backup_in_place_and_keeps_the_database_of_before(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    first = register_one(database, 1, NOW)
    # Backups are made with the module here: the command would leave its connection open in
    # this process, which the restore would rightly take for a service holding the database.
    made = kept(backup.back_up(url, tmp_path / "nightly.db", audit_days=DAYS))
    later = register_one(
        database, 2, NOW
    )  # written after the backup: kept in the database of before
    database.dispose()

    result = run(url, tmp_path, "restore", str(tmp_path / "nightly.db"), "--yes")
    assert result.exit_code == 0, result.output
    target = file_of(url)
    asides = [name for name in folder_of(url) if name.startswith("safeplace.db.before-restore-")]
    assert len(asides) == 1
    aside = target.with_name(asides[0])
    # The database of before is one whole file, its last commits folded in; nothing else left.
    assert folder_of(url) == sorted(["safeplace.db", aside.name])
    assert referrals_in(aside) == {first, later}
    assert referrals_in(target) == {first}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert str(aside) in result.output
    assert "safeplace retention run" in result.output

    # The backup's trail goes on in the restored database: what backup printed still checks.
    checked = run(url, tmp_path, "audit", "verify", "--kept", made)
    assert checked.exit_code == 0, checked.output
    assert made in result.output
    again = Database.for_url(url)
    try:
        with again.session() as session:
            last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one()
            assert (last.action, last.object_type, last.object_id, last.role, last.result) == (
                "import",
                "database",
                None,
                "console",
                "ok",
            )
            assert last.actor.startswith("console:")
        add_users(again, USERS)
    finally:
        again.dispose()
    # The service starts on it and the desk finds the referral the backup held.
    with TestClient(create_app(settings_for(url, tmp_path / "var"))) as client:
        listed = client.get("/api/v1/referrals", headers=bearer("desk"))
        assert [r["id"] for r in listed.json()] == [first]
    with closing(sqlite3.connect(target)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


KILLED_WRITER = """
import os, sys
from api.db.session import Database
from tests.api.rows import register_one
from tests.api.test_restore import NOW
database = Database.for_url(sys.argv[1])
register_one(database, int(sys.argv[2]), NOW)
os._exit(0)  # no clean close: the commit stays in the -wal, as after a crash
"""


def test_commits_left_in_the_wal_by_a_killed_service_stay_in_the_database_of_before(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """A stale -wal holds commits the file alone lacks: it is folded into the file kept aside,
    never applied to the restored one nor left beside it."""
    url, database = sqlite_file
    register_one(database, 1, NOW)
    backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    database.dispose()
    written = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, url, "2"], capture_output=True, text=True, check=False
    )
    assert written.returncode == 0, written.stderr
    target = file_of(url)
    assert target.with_name("safeplace.db-wal").stat().st_size > 0
    assert referrals_in(target) == {f"C{1:016x}"}  # the commit is in the -wal alone

    result = run(url, tmp_path, "restore", str(tmp_path / "copy.db"), "--yes")
    assert result.exit_code == 0, result.output
    aside = min(name for name in folder_of(url) if "before-restore" in name)
    # The -wal is folded into the file kept; the crashed writer's -shm, only an index of it,
    # is moved with it: nothing of the old database is left beside the new one.
    assert folder_of(url) == sorted(["safeplace.db", aside, aside + "-shm"])
    assert referrals_in(target.with_name(aside)) == {f"C{1:016x}", f"C{2:016x}"}
    assert referrals_in(target) == {f"C{1:016x}"}


HOLDER = """
import sys, time
from sqlalchemy import text
from api.db.session import Database
database = Database.for_url(sys.argv[1])
with database.engine.connect() as connection:  # returned to the pool, kept open, as served
    connection.execute(text("SELECT 1"))
print("open", flush=True)
sys.stdin.read()
"""


def test_a_database_in_use_is_refused_and_left_as_it_is(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """A running service keeps its connections open: the restore says to stop it first, whether
    it runs in another process or in this one, and nothing changes."""
    url, database = sqlite_file
    register_one(database, 1, NOW)
    backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    register_one(database, 2, NOW)
    in_this_process = run(url, tmp_path, "restore", str(tmp_path / "copy.db"), "--yes")
    assert in_this_process.exit_code == EXIT_INVALID
    assert "is in use: stop the service" in in_this_process.output
    database.dispose()

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        elsewhere = run(url, tmp_path, "restore", str(tmp_path / "copy.db"), "--yes")
    finally:
        holder.communicate("", timeout=30)
    assert elsewhere.exit_code == EXIT_INVALID
    assert "is in use: stop the service" in elsewhere.output
    assert not [name for name in folder_of(url) if "before-restore" in name or name[0] == "."]
    again = Database.for_url(url)
    try:
        with again.session() as session:
            assert session.scalars(select(AuditRow).where(AuditRow.action == "import")).all() == []
    finally:
        again.dispose()
    # Once the holder has let go, the same restore goes through.
    assert run(url, tmp_path, "restore", str(tmp_path / "copy.db"), "--yes").exit_code == 0


def corrupted(source: Path, target: Path) -> Path:
    """``source`` with garbage over a page in its middle, as a failing disk leaves it."""
    data = bytearray(source.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = bytes(range(256)) * (page // 256)
    target.write_bytes(bytes(data))
    return target


def forged(source: Path, target: Path) -> Path:
    """``source`` with an audit row added by hand, whose hash does not follow from the chain."""
    target.write_bytes(source.read_bytes())
    with closing(sqlite3.connect(target)) as connection, connection:
        connection.execute(
            "INSERT INTO audit (seq, at, actor, role, action, object_type, object_id, "
            "result, request_id, prev_hash, hash) "
            "SELECT seq + 1, at, actor, role, action, object_type, object_id, result, "
            "request_id, hash, ? FROM audit ORDER BY seq DESC LIMIT 1",
            ("a" * 64,),
        )
    return target


def renumbered(source: Path, target: Path, revision: str) -> Path:
    """``source`` claiming to be at schema ``revision``."""
    target.write_bytes(source.read_bytes())
    with closing(sqlite3.connect(target)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    return target


def not_safeplace(_source: Path, target: Path) -> Path:
    """A SQLite database of some other program."""
    with closing(sqlite3.connect(target)) as connection, connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    return target


def tables_dropped(source: Path, target: Path, revision: str | None = None) -> Path:
    """``source`` without its referrals' tables (at ``revision`` when given): a file that names
    a revision of Safeplace's schema without holding it."""
    target.write_bytes(source.read_bytes())
    with closing(sqlite3.connect(target)) as connection, connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        for table in ("referral_stays", "holds", "placements", "referrals"):
            connection.execute(f"DROP TABLE {table}")
        if revision is not None:
            connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    return target


def revision_only(_source: Path, target: Path, revision: str = HEAD) -> Path:
    """A SQLite file that holds nothing but a schema revision of Safeplace's."""
    with closing(sqlite3.connect(target)) as connection, connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    return target


def unguarded(source: Path, target: Path, emptied: bool = False) -> Path:
    """``source`` whose audit trail no trigger keeps from being deleted (or whose trigger does
    nothing any more, when ``emptied``), as someone wanting to remove rows unseen would leave it."""
    target.write_bytes(source.read_bytes())
    with closing(sqlite3.connect(target)) as connection, connection:
        connection.execute("DROP TRIGGER audit_no_delete")
        if emptied:
            connection.execute(
                "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT 1; END"
            )
    return target


def spied_on(source: Path, target: Path) -> Path:
    """``source`` with a trigger of someone else's on the trail, its tables Safeplace's: the
    schema comparison cannot see it, and on each new row it could change what Safeplace's own
    tables hold."""
    target.write_bytes(source.read_bytes())
    with closing(sqlite3.connect(target)) as connection, connection:
        connection.execute(
            "CREATE TRIGGER audit_copied AFTER INSERT ON audit "
            "BEGIN UPDATE network_version SET version = NEW.seq; END"
        )
    return target


def not_sqlite(_source: Path, target: Path) -> Path:
    target.write_bytes(b"not a database at all " * 400)
    return target


@pytest.mark.parametrize(
    ("spoil", "code", "said"),
    [
        (corrupted, EXIT_BROKEN, "integrity check"),
        (forged, EXIT_BROKEN, "the backup's audit trail is broken at row"),
        (not_sqlite, EXIT_BROKEN, "the backup cannot be read: file is not a database"),
        (not_safeplace, EXIT_BROKEN, "is no Safeplace database: it has no schema revision"),
        (
            lambda source, target: renumbered(source, target, "9999"),
            EXIT_INVALID,
            f"(revision 9999) is newer than this version of Safeplace knows (up to {HEAD})",
        ),
        (tables_dropped, EXIT_BROKEN, NOT_ITS_TABLES),
        (
            lambda source, target: tables_dropped(source, target, BEFORE_NEWEST),
            EXIT_BROKEN,
            NOT_ITS_TABLES,
        ),
        (revision_only, EXIT_BROKEN, NOT_ITS_TABLES),
        (lambda source, target: revision_only(source, target, "0013"), EXIT_BROKEN, NOT_ITS_TABLES),
        (
            lambda source, target: renumbered(source, target, BEFORE_NEWEST),
            EXIT_BROKEN,
            NOT_ITS_TABLES,
        ),
        (unguarded, EXIT_BROKEN, f"{NOT_ITS_TRIGGERS} no trigger audit_no_delete"),
        (
            lambda source, target: unguarded(source, target, emptied=True),
            EXIT_BROKEN,
            f"{NOT_ITS_TRIGGERS} trigger audit_no_delete on audit is not Safeplace's",
        ),
        (
            spied_on,
            EXIT_BROKEN,
            f"{NOT_ITS_TRIGGERS} a trigger Safeplace does not have: audit_copied on audit",
        ),
    ],
    ids=[
        "corrupted",
        "forged",
        "not-sqlite",
        "not-safeplace",
        "newer",
        "tables-dropped",
        "tables-dropped-older",
        "revision-only",
        "revision-only-older",
        "claims-older",
        "trigger-dropped",
        "trigger-emptied",
        "trigger-added",
    ],
)
def test_a_backup_that_fails_a_check_is_refused_and_nothing_changes(
    sqlite_file: tuple[str, Database], tmp_path: Path, spoil: object, code: int, said: str
) -> None:
    url, database = sqlite_file
    for number in range(1, 40):  # pages enough for one in the middle to hold rows
        register_one(database, number, NOW)
    good = backup.back_up(url, tmp_path / "good.db", audit_days=DAYS)
    database.dispose()
    assert callable(spoil)
    bad = spoil(good.path, tmp_path / "bad.db")
    before = {name: file_of(url).with_name(name).read_bytes() for name in folder_of(url)}

    result = run(url, tmp_path, "restore", str(bad), "--yes")
    assert result.exit_code == code, result.output
    assert said in result.output
    assert result.output.startswith("nothing restored: ")
    after = {name: file_of(url).with_name(name).read_bytes() for name in folder_of(url)}
    assert after == before  # no file added, moved or changed; no hidden copy left


def test_a_backup_from_before_the_newest_migration_is_upgraded(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    database.dispose()
    old_url = sqlite_url(tmp_path / "old")
    old = Database.for_url(old_url)
    try:
        schema_at(old, BEFORE_NEWEST, down=False)
        case = register_one(old, 1, NOW)
        with closing(sqlite3.connect(file_of(old_url))) as connection:
            columns = {row[1] for row in connection.execute("PRAGMA table_info(users)")}
        assert "device_generation" not in columns  # a newer migration adds it
    finally:
        old.dispose()
    # As the version of that schema made it: its check knew no purges.
    with (
        closing(sqlite3.connect(file_of(old_url))) as reading,
        closing(sqlite3.connect(tmp_path / "old-copy.db")) as writing,
    ):
        reading.backup(writing)

    result = run(url, tmp_path, "restore", str(tmp_path / "old-copy.db"), "--yes")
    assert result.exit_code == 0, result.output
    assert f"schema upgraded from revision {BEFORE_NEWEST} to {HEAD}" in result.output
    restored = Database.for_url(url)
    try:
        add_users(restored, {"desk": ("desk", None)})  # with the newest migration's column
        with restored.session() as session:
            assert session.scalars(select(AuditRow.object_id)).all()[0] == case
    finally:
        restored.dispose()
    assert referrals_in(file_of(url)) == {case}
    assert run(url, tmp_path, "audit", "verify").exit_code == 0


def test_a_backup_without_the_row_whose_hash_was_kept_is_refused(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """The operator kept the hash of the backup they mean: another file is not taken for it."""
    url, database = sqlite_file
    register_one(database, 1, NOW)
    meant = kept(backup.back_up(url, tmp_path / "meant.db", audit_days=DAYS))
    register_one(database, 2, NOW)
    other = kept(backup.back_up(url, tmp_path / "other.db", audit_days=DAYS))
    database.dispose()
    seq, digest = other.split(":")
    rewritten = f"{int(seq) - 1}:{digest}"  # a row both hold, but not with this hash
    for wrong, said in ((other, "does not hold row"), (rewritten, "holds another hash for row")):
        result = run(url, tmp_path, "restore", str(tmp_path / "meant.db"), "--kept", wrong, "--yes")
        assert result.exit_code == EXIT_BROKEN, result.output
        assert said in result.output
    answered = run(
        url,
        tmp_path,
        "restore",
        str(tmp_path / "meant.db"),
        "--kept",
        meant,
        answer="y\n",
    )
    assert answered.exit_code == 0, answered.output


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://safeplace@127.0.0.1:1/none", "pg_restore"),
        ("sqlite:///{tmp}/no/such/folder/safeplace.db", "is no folder"),
    ],
)
def test_what_cannot_be_restored_into_is_refused_before_anything_is_read(
    tmp_path: Path, url: str, said: str
) -> None:
    (tmp_path / "copy.db").write_bytes(b"")
    result = run(url.format(tmp=tmp_path), tmp_path, "restore", str(tmp_path / "copy.db"), "--yes")
    assert result.exit_code == EXIT_INVALID
    assert said in result.output


def test_a_missing_backup_or_a_no_is_refused(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    database.dispose()
    before = folder_of(url)
    missing = run(url, tmp_path, "restore", str(tmp_path / "absent.db"), "--yes")
    assert missing.exit_code == EXIT_INVALID
    assert "no backup file at" in missing.output
    itself = run(url, tmp_path, "restore", str(file_of(url)), "--yes")
    assert itself.exit_code == EXIT_INVALID
    assert "is the database itself" in itself.output
    for answer in ("n\n", ""):  # a no, and no answer at all (the input ended)
        declined = run(url, tmp_path, "restore", str(tmp_path / "copy.db"), answer=answer)
        assert declined.exit_code == EXIT_INVALID, answer
        assert "nothing restored" in declined.output
    assert folder_of(url) == before


def test_a_database_that_is_gone_or_unreadable_is_replaced_all_the_same(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """The disk lost the database, or left garbage with a stale -wal: the backup goes in, and
    whatever was there is kept aside as it was, its -wal with it."""
    url, database = sqlite_file
    case = register_one(database, 1, NOW)
    backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    database.dispose()
    target = file_of(url)
    target.unlink()
    gone = run(url, tmp_path, "restore", str(tmp_path / "copy.db"), "--yes")
    assert gone.exit_code == 0, gone.output
    assert "there was no database before" in gone.output
    assert folder_of(url) == ["safeplace.db"]
    assert referrals_in(target) == {case}

    target.write_bytes(b"garbage " * 1000)
    target.with_name("safeplace.db-wal").write_bytes(b"stale wal")
    unreadable = run(url, tmp_path, "restore", str(tmp_path / "copy.db"), "--yes")
    assert unreadable.exit_code == 0, unreadable.output
    (aside,) = [name for name in folder_of(url) if "before-restore" in name and "-wal" not in name]
    assert folder_of(url) == sorted(["safeplace.db", aside, aside + "-wal"])
    assert target.with_name(aside).read_bytes() == b"garbage " * 1000
    assert target.with_name(aside + "-wal").read_bytes() == b"stale wal"
    assert referrals_in(target) == {case}
    assert os.stat(target).st_size > 0


def test_a_database_in_use_is_named_before_the_backup_is_read(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """The service still running is what the operator must hear first: not, after the copy,
    what is wrong with the backup (here, that it is no database at all)."""
    url, database = sqlite_file
    register_one(database, 1, NOW)  # its connection stays open, as the service's do
    bad = not_sqlite(tmp_path / "good.db", tmp_path / "bad.db")
    result = run(url, tmp_path, "restore", str(bad), "--yes")
    assert result.exit_code == EXIT_INVALID, result.output
    assert "is in use: stop the service" in result.output
    assert "cannot be read" not in result.output


def test_a_service_started_after_the_question_is_refused_all_the_same(
    sqlite_file: tuple[str, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database was free when the restore asked, and a service opened it while the backup
    was checked: the lock taken to set the database aside is refused, and nothing changes."""
    url, database = sqlite_file
    register_one(database, 1, NOW)
    backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    register_one(database, 2, NOW)  # its connection stays open, as the service's do
    monkeypatch.setattr(restore, "_in_use", lambda _target: False)  # free when asked
    before = {name: file_of(url).with_name(name).read_bytes() for name in folder_of(url)}
    with pytest.raises(restore.Refused, match="is in use: stop the service"):
        restore.restore(url, tmp_path / "copy.db", actor="console:test", now=NOW, audit_days=DAYS)
    after = {name: file_of(url).with_name(name).read_bytes() for name in folder_of(url)}
    assert after == before


def test_two_restores_within_one_second_keep_both_databases_of_before(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    first = register_one(database, 1, NOW)
    backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    later = register_one(database, 2, NOW)
    database.dispose()
    done = [
        restore.restore(url, tmp_path / "copy.db", actor="console:test", now=NOW, audit_days=DAYS)
        for _ in range(2)
    ]
    asides = [made.aside for made in done]
    assert asides[0] is not None
    assert asides[1] == asides[0].with_name(asides[0].name + "-2")
    assert referrals_in(asides[0]) == {first, later}
    assert referrals_in(asides[1]) == {first}
    assert referrals_in(file_of(url)) == {first}


def test_a_database_that_is_no_sqlite_file_goes_aside_with_every_file_beside_it(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """Whatever SQLite might apply to the restored file (a stale -wal, or the -journal of a
    writer that crashed mid-transaction) goes with the database it belongs to, as it was."""
    damaged = b"garbage " * 1000
    url, database = sqlite_file
    case = register_one(database, 1, NOW)
    backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    database.dispose()
    target = file_of(url)
    target.write_bytes(damaged)
    for suffix in ("-wal", "-journal"):
        target.with_name(target.name + suffix).write_bytes(f"stale {suffix}".encode())
    result = run(url, tmp_path, "restore", str(tmp_path / "copy.db"), "--yes")
    assert result.exit_code == 0, result.output
    (aside,) = [name for name in folder_of(url) if name.endswith("Z")]
    assert folder_of(url) == sorted(["safeplace.db", aside, aside + "-wal", aside + "-journal"])
    assert target.with_name(aside).read_bytes() == damaged
    assert target.with_name(aside + "-wal").read_bytes() == b"stale -wal"
    assert target.with_name(aside + "-journal").read_bytes() == b"stale -journal"
    assert referrals_in(target) == {case}


def test_a_database_in_a_folder_whose_name_would_cut_a_uri_is_backed_up_and_restored(
    tmp_path: Path,
) -> None:
    """The checks open files read-only through SQLite URIs, where a ``#`` ends the path: the
    files checked are the ones named, and nothing is made at the path cut short."""
    folder = tmp_path / "cases #1"
    folder.mkdir()
    url = sqlite_url(folder)
    database = Database.for_url(url)
    try:
        database.migrate()
        database.seed_if_empty(now=NOW)
        case = register_one(database, 1, NOW)
        made = backup.back_up(url, folder / "copy #2.db", audit_days=DAYS)
    finally:
        database.dispose()
    assert made.newest is not None
    result = run(url, tmp_path, "restore", str(made.path), "--yes")
    assert result.exit_code == 0, result.output
    assert referrals_in(file_of(url)) == {case}
    assert {path.name for path in tmp_path.iterdir()} <= {folder.name, "var"}
