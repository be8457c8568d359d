"""A folder of dated backups, none kept longer than the referrals' retention period.

Retention purges a closed referral ``SAFEPLACE_RETENTION_DAYS`` after it closed, but every backup
taken before then still holds it: a backup kept longer than that period keeps what the purge was
for (GDPR art. 5(1)(e), storage limitation). A backup taken on day D holds only referrals closed
by D, all of which are due by D + the period; so once a backup is that old, everything it holds
beyond the live database's is overdue, and it goes.

``safeplace backup FOLDER`` names each backup by the moment it was taken (UTC), and after a
backup that succeeded removes the backups in that folder that are at least the period old. Only
files whose whole name is of that form are counted or touched: a folder shared with other files
loses none of them, and the moment read is the one in the name, which copying or touching the
file does not change. Nothing is removed when the new backup failed, so the folder never ends with
no backup at all because of a failing one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

_STAMP: Final = "%Y%m%dT%H%M%SZ"
_DATED: Final = re.compile(r"safeplace-(\d{8}T\d{6}Z)\.db(\.age)?")


def dated_name(taken: datetime, *, sealed: bool) -> str:
    """The name of a backup taken at ``taken``: ``safeplace-20261207T031500Z.db``, and
    ``.age`` after it when it is sealed."""
    stamp = taken.astimezone(UTC).strftime(_STAMP)
    return f"safeplace-{stamp}.db{'.age' if sealed else ''}"


def is_dated_name(name: str) -> bool:
    """Whether ``name`` is of the form :func:`dated_name` gives (a moment and no more)."""
    return _DATED.fullmatch(name) is not None


def taken_at(path: Path) -> datetime | None:
    """When the backup at ``path`` was taken, read from its name; None for any other name."""
    matched = _DATED.fullmatch(path.name)
    if matched is None:
        return None
    try:
        return datetime.strptime(matched.group(1), _STAMP).replace(tzinfo=UTC)
    except ValueError:  # digits of no real moment (month 13): not a name this module gave
        return None


def expired(folder: Path, now: datetime, days: int) -> list[Path]:
    """The dated backups in ``folder`` taken ``days`` or more before ``now``, oldest first."""
    limit = now - timedelta(days=days)
    dated = []
    for path in folder.iterdir():
        taken = taken_at(path)
        if taken is not None and taken <= limit and path.is_file() and not path.is_symlink():
            dated.append((taken, path))
    return [path for _, path in sorted(dated)]


def prune(folder: Path, now: datetime, days: int) -> tuple[list[Path], list[str]]:
    """Remove the backups :func:`expired` finds: the ones removed, and one line for each that
    could not be (a file gone meanwhile counts as removed)."""
    removed: list[Path] = []
    failed: list[str] = []
    for path in expired(folder, now, days):
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            failed.append(f"cannot remove {path}: {error.strerror or error}")
            continue
        removed.append(path)
    return removed, failed
