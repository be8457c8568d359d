"""A consistent copy of the embedded SQLite database, taken while the service keeps running.

Copying the file with ``cp`` while the service writes gives a torn copy: SQLite keeps recent
commits in the ``-wal`` file beside it, and a copy of the main file alone lacks them, or holds
half a checkpoint. SQLite's online backup reads every page within one read transaction, which in
WAL mode never blocks the service's writers, so the copy is the database as of one commit.

The copy is checked before it is given its name: SQLite's integrity check, and the audit trail's
hash chain, whose newest row and hash are reported so that they can be kept apart from the copy
(``safeplace audit verify --kept``). It is written to a hidden file in the target's folder,
readable by its owner only (it holds special-category personal data and password hashes), and
only then linked under the target's name, which never replaces an existing file: a backup that
fails half-way leaves nothing that looks like a backup.

Sealed for public keys (:mod:`api.sealing`), the copy is taken and checked beside the database
instead, where the same data lies readable already, and only its sealed form is written beside the
target: nothing readable ever reaches the backup's medium, not even for the moment of the check.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from api import audit, audit_verify, sealing
from api.db.engine import PRIVATE_FILE
from api.db.session import Database

# How long the copy waits for a writer that holds the database at the moment it starts.
BUSY_TIMEOUT_S = 30.0


class BackupError(Exception):
    """The backup was not made; the message says why, in one line."""


@dataclass(frozen=True)
class Backup:
    """A checked copy: where it is, how large, the newest audit row it holds (None: none), and
    for how many public keys it is sealed (0: a plain SQLite file)."""

    path: Path
    size: int
    newest: tuple[int, str] | None
    sealed_for: int = 0


def sqlite_file(database_url: str) -> Path:
    """The file of an embedded database URL; :class:`BackupError` for any other database."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            f"the database is {parsed.get_backend_name()}, not the embedded SQLite file: "
            "back it up with its own tools (pg_dump for PostgreSQL)"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(parsed.database)


def refusal(database_url: str, target: Path) -> str | None:
    """Why no backup of ``database_url`` can be written to ``target``, before anything is read
    (None: it can be tried)."""
    try:
        source = sqlite_file(database_url)
    except BackupError as error:
        return str(error)
    if not source.is_file():
        return f"no database file at {source}"
    if target.exists() or target.is_symlink():
        return f"{target} exists: a backup never replaces a file, choose a new name"
    if not target.parent.is_dir():
        return f"{target.parent} is no folder: make it first"
    return None


def back_up(
    database_url: str, target: Path, *, audit_days: int, keys: Sequence[str] = ()
) -> Backup:
    """Copy the embedded database at ``database_url`` to ``target``, checked (its audit trail
    against a retention period of ``audit_days``, as ``audit verify``), and sealed for the age
    public ``keys`` when there are any; see the module."""
    refused = refusal(database_url, target)
    if refused is not None:
        raise BackupError(refused)
    source = sqlite_file(database_url)
    try:
        with partial_file(source if keys else target, "partial") as partial:
            online_copy(source, partial)
            newest = check(partial, audit_days=audit_days)
            if keys:
                with partial_file(target, "sealing") as sealed:
                    sealing.seal(partial, sealed, keys)
                    os.link(sealed, target)
            else:
                os.link(partial, target)  # fails, rather than replaces, if the name was taken
    except FileExistsError:
        raise BackupError(f"{target} exists: a backup never replaces a file") from None
    except sealing.SealingError as error:
        raise BackupError(str(error)) from None
    except OSError as error:  # no room, no permission, a file system without hard links
        # The file that failed: a sealed backup's plain copy is beside the database, not target.
        where = Path(error.filename).parent if error.filename else target.parent
        raise BackupError(
            f"cannot write {target}: {error.strerror or error} (in {where})"
        ) from None
    return Backup(target, target.stat().st_size, newest, len(keys))


def check(copy: Path, *, audit_days: int) -> tuple[int, str] | None:
    """The newest audit row of a copy whose pages and audit trail are whole;
    :class:`BackupError` naming what is wrong otherwise."""
    integrity(copy)
    return trail(copy, audit_days=audit_days)


def integrity(copy: Path, what: str = "the copy") -> None:
    """:class:`BackupError` unless SQLite finds every page of ``copy`` whole; the message calls
    the file ``what``."""
    try:
        with closing(sqlite3.connect(read_only(copy), uri=True)) as connection:
            found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:  # a header too broken to check at all
        raise BackupError(f"{what} fails SQLite's integrity check: {error}") from None
    if found != ["ok"]:
        raise BackupError(f"{what} fails SQLite's integrity check: {found[0]}")


def trail(
    copy: Path,
    what: str = "the copy",
    kept: tuple[int, str] | None = None,
    *,
    audit_days: int,
) -> tuple[int, str] | None:
    """The newest audit row of ``copy``, whose hash chain must be whole (checked against a
    retention period of ``audit_days``, as ``audit verify``), and which must still hold row
    ``kept`` with its hash when given (``audit verify --kept``); :class:`BackupError` naming what
    is wrong otherwise."""
    # Read-only and without the service's set-up, which would turn the copy back to WAL.
    uri = read_only(copy)
    database = Database(create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True)))
    try:
        with database.session() as session:
            broken = audit_verify.verify(session, now=datetime.now(UTC), min_days=audit_days)
            newest = audit.newest(session)
            state = audit_verify.kept_state(session, *kept) if kept is not None else "held"
    finally:
        database.dispose()
    if broken is not None:
        raise BackupError(f"{what}'s audit trail is broken at row {broken.seq}: {broken.why}")
    if kept is not None and state != "held":
        held = "holds another hash for" if state == "differs" else "does not hold"
        raise BackupError(f"{what} {held} row {kept[0]}: it is not the one whose hash was kept")
    return newest


def read_only(path: Path) -> str:
    """The URI that opens the database file ``path`` read-only. Its path is percent-encoded: in
    a URI a ``#`` or ``?`` would end the path and a ``%`` begin an escape, and SQLite would open
    another file than ``path`` (creating it, the ``mode=ro`` after the ``#`` lost with it)."""
    return f"file:{quote(str(path))}?mode=ro"


@contextmanager
def partial_file(target: Path, kind: str) -> Iterator[Path]:
    """A new hidden file beside ``target`` (named ``.TARGET.RANDOM.KIND``), for the owner only;
    removed, with any file SQLite made beside it, when the block ends, unless it was moved."""
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.{kind}")
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    try:
        yield partial
    finally:
        for leftover in (partial, *beside(partial)):
            leftover.unlink(missing_ok=True)


def beside(path: Path) -> tuple[Path, ...]:
    """The files SQLite may make beside a database file."""
    return tuple(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))


def online_copy(source: Path, partial: Path, failure: str = "the copy failed") -> None:
    """SQLite's online backup of ``source`` into ``partial``, flushed to the disk;
    :class:`BackupError` saying ``failure`` and SQLite's reason when it cannot be made."""
    reading = sqlite3.connect(
        read_only(source), uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None
    )
    writing = sqlite3.connect(partial, isolation_level=None)
    try:
        reading.backup(writing)
        # A copy of a WAL database is in WAL mode too; as a single file it needs no -wal.
        writing.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"{failure}: {error}") from None
    finally:
        writing.close()
        reading.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
