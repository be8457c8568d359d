"""``safeplace backup FOLDER``: dated backups, none kept past the referrals' retention period."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from api import backup, backup_folder
from api.cli_console import EXIT_BROKEN
from api.db.session import Database
from api.db.tables import AuditRow
from tests.api.rows import register_one
from tests.api.test_backup import run
from tests.api.test_restore import NOW

DAYS = 365  # SAFEPLACE_RETENTION_DAYS by default


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, ZoneInfo("Europe/Amsterdam")]),
    ),
    st.booleans(),
)
def test_a_dated_name_gives_back_its_moment_to_the_second(taken: datetime, sealed: bool) -> None:
    name = backup_folder.dated_name(taken, sealed=sealed)
    assert name.endswith(".db.age" if sealed else ".db")
    assert backup_folder.taken_at(Path(name)) == taken.replace(microsecond=0).astimezone(UTC)


@pytest.mark.parametrize(
    "name",
    [
        "safeplace-20261207T031500Z.db.bak",
        "old-safeplace-20261207T031500Z.db",
        "safeplace-20261307T031500Z.db",  # month 13
        "safeplace-2026127T031500Z.db",
        "safeplace.db",
    ],
)
def test_other_names_are_no_dated_backups(name: str) -> None:
    assert backup_folder.taken_at(Path(name)) is None


def test_a_backup_goes_once_it_is_the_retention_period_old(tmp_path: Path) -> None:
    now = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
    for age in (timedelta(days=DAYS), timedelta(days=DAYS) - timedelta(seconds=1)):
        (tmp_path / backup_folder.dated_name(now - age, sealed=False)).write_bytes(b"x")
    (gone,) = backup_folder.expired(tmp_path, now, DAYS)
    assert backup_folder.taken_at(gone) == now - timedelta(days=DAYS)


def dated(folder: Path, age: timedelta, *, sealed: bool = False) -> Path:
    path = folder / backup_folder.dated_name(datetime.now(UTC) - age, sealed=sealed)
    path.write_bytes(b"an old backup")
    return path


def test_a_backup_into_a_folder_is_dated_and_removes_only_expired_backups(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, database = sqlite_file
    register_one(database, 1, NOW)
    folder = tmp_path / "backups"
    folder.mkdir()
    old_plain = dated(folder, timedelta(days=DAYS + 30))
    old_sealed = dated(folder, timedelta(days=DAYS, minutes=1), sealed=True)
    recent = dated(folder, timedelta(days=DAYS - 1))
    others = [folder / "notes.txt", folder / "safeplace-20000101T000000Z.db.bak"]
    for path in others:
        path.write_text("not a backup of ours")
    linked = folder / backup_folder.dated_name(datetime(2001, 1, 1, tzinfo=UTC), sealed=False)
    linked.symlink_to(others[0])
    nested = folder / backup_folder.dated_name(datetime(2002, 1, 1, tzinfo=UTC), sealed=False)
    nested.mkdir()

    result = run(url, tmp_path, "backup", str(folder))
    assert result.exit_code == 0, result.output
    assert "removed 2 backup(s) 365 days old or older" in result.output
    assert old_plain.name in result.output
    assert not old_plain.exists()
    assert not old_sealed.exists()
    new = [path for path in folder.iterdir() if path.stat().st_size > 100 and path.is_file()]
    assert len(new) == 1
    assert new[0].name in result.output
    taken = backup_folder.taken_at(new[0])
    assert taken is not None
    assert abs(datetime.now(UTC) - taken) < timedelta(minutes=5)
    assert recent.exists()
    assert linked.is_symlink()
    assert nested.is_dir()
    assert all(path.read_text() == "not a backup of ours" for path in others)
    # Each backup removed is in the trail, after the new backup's own row.
    with database.session() as session:
        rows = session.execute(
            select(AuditRow.action, AuditRow.object_type, AuditRow.object_id, AuditRow.result)
            .where(AuditRow.role == "console")
            .order_by(AuditRow.seq)
        ).all()
    assert [tuple(row) for row in rows[:1]] == [("export", "database", "(not sealed)", "ok")]
    # Named by file, which is a moment: the trail says which copy of everyone ended, and when.
    assert sorted(tuple(row) for row in rows[1:]) == sorted(
        ("purge", "backup", path.name, "ok") for path in (old_plain, old_sealed)
    )


def test_a_sealed_backup_into_a_folder_is_named_so(
    sqlite_file: tuple[str, Database], tmp_path: Path
) -> None:
    url, _ = sqlite_file
    key = run(url, tmp_path, "backup-key", str(tmp_path / "backup.key"))
    folder = tmp_path / "backups"
    folder.mkdir()
    result = run(url, tmp_path, "backup", str(folder), "--recipient", key.stdout.strip())
    assert result.exit_code == 0, result.output
    (made,) = folder.iterdir()
    assert made.name.endswith(".db.age")
    assert backup_folder.taken_at(made) is not None


@pytest.fixture
def expired_backup(sqlite_file: tuple[str, Database], tmp_path: Path) -> tuple[str, Path]:
    """The database's URL, and a folder's only backup, a month past the retention period."""
    url, _ = sqlite_file
    folder = tmp_path / "backups"
    folder.mkdir()
    return url, dated(folder, timedelta(days=DAYS + 30))


def test_a_failed_backup_removes_nothing(
    expired_backup: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old backups stay when the new one failed: the folder is never left with none."""
    url, old = expired_backup
    folder = old.parent

    def broken(*_args: object, **_kwargs: object) -> backup.Backup:
        raise backup.BackupError("the copy fails SQLite's integrity check")

    monkeypatch.setattr(backup, "back_up", broken)
    result = run(url, tmp_path, "backup", str(folder))
    assert result.exit_code == EXIT_BROKEN
    assert "backup not made" in result.output
    assert list(folder.iterdir()) == [old]


def test_a_backup_that_cannot_be_removed_is_named_and_exits_1(
    expired_backup: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new backup stands; the operator learns that an expired one is still there."""
    url, stuck = expired_backup
    folder = stuck.parent
    unlink = Path.unlink

    def refuse(path: Path, missing_ok: bool = False) -> None:
        if path == stuck:
            raise PermissionError(13, os.strerror(13))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    result = run(url, tmp_path, "backup", str(folder))
    assert result.exit_code == EXIT_BROKEN
    assert "backup written to" in result.output
    assert f"cannot remove {stuck}: Permission denied" in result.output
    assert stuck.exists()
    assert len(list(folder.iterdir())) == 2
    # Still there, so neither said nor recorded to be gone.
    assert "removed" not in result.output
    database = Database.for_url(url)
    try:
        with database.session() as session:
            purged = session.scalars(select(AuditRow).where(AuditRow.action == "purge")).all()
    finally:
        database.dispose()
    assert purged == []


def test_a_backup_removed_meanwhile_counts_as_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two prunes of one folder at once (two backups started close together): the one that
    finds a backup gone already reports it removed, not that it cannot be removed."""
    now = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
    old = tmp_path / backup_folder.dated_name(now - timedelta(days=DAYS + 1), sealed=False)
    old.write_bytes(b"x")
    found = backup_folder.expired

    def removed_by_the_other(folder: Path, at: datetime, days: int) -> list[Path]:
        listed = found(folder, at, days)
        for path in listed:
            path.unlink()
        return listed

    monkeypatch.setattr(backup_folder, "expired", removed_by_the_other)
    assert backup_folder.prune(tmp_path, now, DAYS) == ([old], [])


def test_expired_backups_are_listed_oldest_first(tmp_path: Path) -> None:
    now = datetime(2026, 12, 7, 3, 15, tzinfo=UTC)
    ages = [timedelta(days=DAYS + extra) for extra in (3, 40, 1, 400, 12, 7)]
    for age in ages:
        (tmp_path / backup_folder.dated_name(now - age, sealed=False)).write_bytes(b"x")
    taken = [backup_folder.taken_at(path) for path in backup_folder.expired(tmp_path, now, DAYS)]
    assert taken == [now - age for age in sorted(ages, reverse=True)]
