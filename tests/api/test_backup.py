"""``safeplace backup``: a checked copy of the embedded database, taken while it is written."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyrage
import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from api import backup
from api.audit import NOT_SEALED
from api.cli_console import EXIT_INVALID
from api.cli_service import register
from api.db.session import Database
from api.db.tables import AuditRow, ReferralRow
from tests.api.rows import add_audit_row, register_one
from tests.api.test_restore import corrupted

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
# The audit trail's retention period a copy is checked against (nothing is purged here).
DAYS = 730


def run(url: str, tmp_path: Path, *args: str) -> Result:
    app = typer.Typer()
    register(app)
    env = {"SAFEPLACE_DATABASE_URL": url, "SAFEPLACE_VAR_DIR": str(tmp_path / "var")}
    return CliRunner().invoke(app, list(args), env=env)


def test_a_backup_taken_while_the_service_writes_is_whole(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """Each copy is the database as of one commit at or after its start: every referral in it
    has its audit row, and no audit row lacks its referral, however the copies fall between the
    writer's commits."""
    url, database = sqlite_file
    stop = threading.Event()
    written: list[int] = []

    def keep_registering() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            register_one(database, number, NOW)
            written.append(number)

    writer = threading.Thread(target=keep_registering)
    writer.start()
    copies = []
    committed_before = []
    try:
        for index in range(5):
            while len(written) <= 20 * index:  # let the writer get ahead of the last copy
                stop.wait(0.01)
            committed_before.append(len(written))
            copies.append(backup.back_up(url, tmp_path / f"copy-{index}.db", audit_days=DAYS))
    finally:
        stop.set()
        writer.join()
    counts = []
    for made in copies:
        with sqlite3.connect(made.path) as copy:
            referrals = {row[0] for row in copy.execute("SELECT id FROM referrals")}
            created = {
                row[0]
                for row in copy.execute("SELECT object_id FROM audit WHERE action = 'create'")
            }
        assert referrals == created
        counts.append(len(referrals))
    # Every commit made before a copy began is in it, those still in the -wal file too.
    assert all(count >= before for count, before in zip(counts, committed_before, strict=True))
    assert counts == sorted(counts)
    assert counts[-1] <= len(written)


def test_the_command_reports_what_to_keep_and_the_trail_records_the_backup(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    register_one(database, 1, NOW)
    target = tmp_path / "nightly.db"
    result = run(url, tmp_path, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # One file, not in WAL mode (bytes 18 and 19 of the header: 2 for WAL), so that it opens
    # alone, with no -wal or -shm to make beside it: on a read-only medium too.
    assert target.read_bytes()[18:20] == b"\x01\x01"
    # Nothing else is left in the folder: no half-written copy, no -wal or -shm beside it.
    assert sorted(p.name for p in target.parent.iterdir() if p.name.startswith(".")) == []
    kept = re.search(r"--kept (\d+:[0-9a-f]{64})", result.output)
    assert kept is not None, result.output
    # The copy's newest row is the one reported: the copy verifies against it.
    checked = run(sqlite_url_of(target), tmp_path, "audit", "verify", "--kept", kept.group(1))
    assert checked.exit_code == 0, checked.output
    with database.session() as session:
        last = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one()
    assert (last.action, last.object_type, last.object_id, last.role, last.result) == (
        "export",
        "database",
        NOT_SEALED,
        "console",
        "ok",
    )
    assert last.actor.startswith("console:")


def sqlite_url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def test_a_copy_with_a_broken_trail_is_refused(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    register_one(database, 1, NOW)
    with database.session() as session:
        seq = session.scalars(select(AuditRow.seq).order_by(AuditRow.seq.desc()).limit(1)).one()
    made = backup.back_up(url, tmp_path / "copy.db", audit_days=DAYS)
    forged = tmp_path / "forged.db"
    forged.write_bytes(made.path.read_bytes())
    with sqlite3.connect(forged) as connection:  # an extra row: the triggers allow inserts
        connection.execute(
            "INSERT INTO audit (seq, at, actor, role, action, object_type, object_id, "
            "result, request_id, prev_hash, hash) "
            "SELECT seq + 1, at, actor, role, action, object_type, object_id, result, "
            "request_id, hash, ? FROM audit WHERE seq = ?",
            ("a" * 64, seq),
        )
    with pytest.raises(backup.BackupError, match=f"broken at row {seq + 1}"):
        backup.check(forged, audit_days=DAYS)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://safeplace@127.0.0.1:1/none", "pg_dump"),
        ("sqlite:///{tmp}/absent.db", "no database file at"),
    ],
)
def test_what_cannot_be_backed_up_is_refused_before_anything_is_read(
    tmp_path: Path, url: str, said: str
) -> None:
    result = run(url.format(tmp=tmp_path), tmp_path, "backup", str(tmp_path / "copy.db"))
    assert result.exit_code == EXIT_INVALID
    assert said in result.output
    assert not (tmp_path / "copy.db").exists()


def test_a_backup_never_replaces_a_file(sqlite_file: tuple[str, Database], tmp_path: Path) -> None:
    url, database = sqlite_file
    target = tmp_path / "yesterday.db"
    target.write_bytes(b"yesterday's backup")
    result = run(url, tmp_path, "backup", str(target))
    assert result.exit_code == EXIT_INVALID
    assert "exists" in result.output
    assert target.read_bytes() == b"yesterday's backup"
    missing_folder = run(url, tmp_path, "backup", str(tmp_path / "no" / "such" / "copy.db"))
    assert missing_folder.exit_code == EXIT_INVALID
    assert "no folder" in missing_folder.output
    # As typed: "new/" is meant as a folder, not a file named "new"; "" is no current folder.
    as_folder = run(url, tmp_path, "backup", f"{tmp_path / 'new'}/")
    assert as_folder.exit_code == EXIT_INVALID
    assert (
        as_folder.output.strip()
        == f"backup not made: {tmp_path / 'new'} is no folder: make it first"
    )
    assert not (tmp_path / "new").exists()
    empty = run(url, tmp_path, "backup", "")
    assert empty.exit_code == EXIT_INVALID
    assert "FILE|FOLDER is empty" in empty.output
    with database.session() as session:
        assert session.scalars(select(ReferralRow)).all() == []
        assert session.scalars(select(AuditRow).where(AuditRow.action == "export")).all() == []


def test_a_copy_that_cannot_be_written_leaves_nothing_behind(
    sqlite_file: tuple[str, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without hard links (or out of room) is one line, and the hidden copy goes."""
    url, _ = sqlite_file
    folder = tmp_path / "backups"
    folder.mkdir()

    def no_links(_source: object, _target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    with pytest.raises(backup.BackupError, match=r"cannot write .*: Operation not permitted"):
        backup.back_up(url, folder / "copy.db", audit_days=DAYS)
    assert list(folder.iterdir()) == []


def test_a_database_with_a_damaged_page_gives_no_backup(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """SQLite's online backup copies pages as they are: a page the disk spoiled reaches the copy,
    and only the integrity check stops it from being kept as a backup."""
    url, database = sqlite_file
    for number in range(1, 40):  # pages enough for one in the middle to hold rows
        register_one(database, number, NOW)
    database.dispose()
    source = Path(url.removeprefix("sqlite:///"))
    corrupted(source, source)
    folder = tmp_path / "backups"
    folder.mkdir()
    with pytest.raises(backup.BackupError, match="the copy fails SQLite's integrity check"):
        backup.back_up(url, folder / "copy.db", audit_days=DAYS)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("sealed", [False, True], ids=["plain", "sealed"])
def test_a_name_taken_while_the_copy_is_made_is_never_replaced(
    sqlite_file: tuple[str, Database],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sealed: bool,
) -> None:
    """The name was free when the backup began, and another backup (or anything else) took it
    before the copy was done: that file stays as it is, and the copy goes."""
    url, database = sqlite_file
    register_one(database, 1, NOW)
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "nightly.db"
    keys = (str(pyrage.x25519.Identity.generate().to_public()),) if sealed else ()
    copy = backup.online_copy

    def taken_meanwhile(source: Path, partial: Path, failure: str = "the copy failed") -> None:
        target.write_bytes(b"another backup")
        copy(source, partial, failure)

    monkeypatch.setattr(backup, "online_copy", taken_meanwhile)
    with pytest.raises(backup.BackupError, match="exists: a backup never replaces a file"):
        backup.back_up(url, target, audit_days=DAYS, keys=keys)
    assert target.read_bytes() == b"another backup"
    assert list(folder.iterdir()) == [target]
    assert not [
        p for p in Path(url.removeprefix("sqlite:///")).parent.iterdir() if p.name[0] == "."
    ]


def test_a_dangling_link_is_a_name_taken(sqlite_file: tuple[str, Database], tmp_path: Path) -> None:
    """A symbolic link whose file is gone still takes the name: the backup is refused before
    anything is read, as for an existing file, and nothing is written where the link points."""
    url, _ = sqlite_file
    target = tmp_path / "nightly.db"
    target.symlink_to(tmp_path / "elsewhere.db")
    assert backup.refusal(url, target) == (
        f"{target} exists: a backup never replaces a file, choose a new name"
    )
    result = run(url, tmp_path, "backup", str(target))
    assert result.exit_code == EXIT_INVALID
    assert target.is_symlink()
    assert not (tmp_path / "elsewhere.db").exists()


def test_a_copy_whose_trail_was_purged_under_a_shorter_period_is_refused(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    """As ``audit verify``: a trail purged under a shorter audit retention than the one set now
    lost rows it should still hold, and the copy is checked against the period set now."""
    url, database = sqlite_file
    with database.session() as session:
        for number in range(3):
            add_audit_row(session, number, datetime.now(UTC) - timedelta(days=800))
        add_audit_row(session, 0, datetime.now(UTC))
    app = typer.Typer()
    register(app)
    shorter = {
        "SAFEPLACE_DATABASE_URL": url,
        "SAFEPLACE_VAR_DIR": str(tmp_path / "var"),
        "SAFEPLACE_AUDIT_RETENTION_DAYS": "400",
    }
    purged = CliRunner().invoke(app, ["retention", "run"], env=shorter)
    assert purged.exit_code == 0, purged.output
    assert "audit rows purged (older than 400 days)" in purged.output
    with pytest.raises(backup.BackupError, match="fewer than the 730 set"):
        backup.back_up(url, tmp_path / "copy.db", audit_days=730)
    assert not (tmp_path / "copy.db").exists()
    assert backup.back_up(url, tmp_path / "copy.db", audit_days=400).newest is not None
