"""A backup put in the place of the embedded SQLite database: ``safeplace restore``.

By hand this took five careful steps (stop the service, move the file away with its ``-wal`` and
``-shm``, since a stale ``-wal`` beside the restored file would be applied to it, copy, set the
mode, check), each of which could be forgotten. Here the backup is first copied into a hidden file
beside the database, owner only, and checked there as ``safeplace backup`` checks its copies
(SQLite's integrity check, the audit trail's hash chain, and a row whose hash was kept when one is
given); its schema revision must be one of this code's migrations: an older one is upgraded with
them, a newer one is refused, since this code cannot know what the newer revisions changed. The
copy gets its audit row (action ``import`` on the ``database``) and is folded into one file.

Only then is the database of now touched. It is refused while any process has it open: the
service keeps its connections open as long as it runs, and on Unix SQLite then holds a shared lock
on the file, so an exclusive lock cannot be had (waited for a moment, for a command that is just
finishing). With the lock, its ``-wal`` is folded into the file, which leaves it one file, and the
lock is let go. It is never deleted: it keeps its content under a new name beside it
(``NAME.before-restore-TIME``), and the checked copy is renamed onto its name, which is atomic: a
process opening the database finds either the old file or the restored one, never half of either.
A service started during the fraction of a second between the lock and the rename would go on
with the old file under its new name, so the service stays stopped until the restore has ended.

A sealed backup (:mod:`api.sealing`) is opened with the secret key given (``--identity``) straight
into that hidden file beside the database: its readable form is never written anywhere else.

A database file that is no SQLite file any more (empty, or its header gone), or that SQLite cannot
fold, cannot be locked either: it is moved aside as it is, with its ``-wal`` and ``-shm`` (a
``-wal`` then keeps its commits, and SQLite applies it to the file under the new name).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from api import audit, backup, sealing
from api.db import triggers
from api.db.session import Database, migration_scripts
from api.db.tables import Base

# How long to wait for a lock on the database of now: long enough for a command that is just
# finishing, far shorter than any service's lifetime (whose connections never let go).
LOCK_WAIT_S = 2.0
_IN_USE = (
    "{target} is in use: stop the service (and any other safeplace command on it) first, and "
    "keep it stopped until the restore has ended"
)
# The first bytes of every SQLite database file.
_HEADER = b"SQLite format 3\x00"
# What the database of now is renamed to, beside itself: its name, this, and the moment (UTC).
ASIDE = ".before-restore-"


class RestoreError(Exception):
    """Nothing was restored: the backup failed a check, or a file could not be written (the
    command's exit code 1, as for a backup that failed)."""


class Refused(RestoreError):
    """Nothing was restored: it cannot be done as asked (another database, no such file, a
    backup newer than the code, a database in use; exit code 2, as for a refused backup)."""


@dataclass(frozen=True)
class Restored:
    """What a restore did: the database put in place, the file the database of before is kept
    in (None: there was none), the schema revision of the backup and of the code, and the newest
    audit row of the backup (None: it has none) to compare with what ``safeplace backup``
    printed."""

    database: Path
    aside: Path | None
    revision: str
    head: str
    newest: tuple[int, str] | None


def refusal(database_url: str, source: Path, identity: Path | None = None) -> str | None:
    """Why ``source`` cannot be restored into the database at ``database_url`` (with the secret
    keys in ``identity`` when it is sealed), found before anything but the backup's first bytes
    is read (None: it can be tried)."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite":
        return (
            f"the database is {parsed.get_backend_name()}, not the embedded SQLite file: restore "
            "it with its own tools (pg_restore for PostgreSQL)"
        )
    if not parsed.database or parsed.database == ":memory:":
        return "the database is in memory: there is no file to restore into"
    target = Path(parsed.database)
    if not source.is_file():
        return f"no backup file at {source}"
    if not target.parent.is_dir():
        return f"{target.parent} is no folder: make it first (readable by its owner only)"
    if target.exists() and os.path.samefile(source, target):
        return f"{source} is the database itself, not a backup of it"
    if identity is not None:
        try:
            sealing.read_identities(identity)
        except sealing.SealingError as error:
            return f"--identity: {error}"
    else:
        try:
            sealed = sealing.is_sealed(source)
        except OSError as error:
            return f"cannot read {source}: {error.strerror or error}"
        if sealed:
            return f"{source} is sealed (age): give --identity FILE, the key it was sealed for"
    if _is_sqlite(target) and _in_use(target):
        return _IN_USE.format(target=target)
    return None


def restore(
    database_url: str,
    source: Path,
    *,
    actor: str,
    now: datetime,
    audit_days: int,
    kept: tuple[int, str] | None = None,
    identity: Path | None = None,
) -> Restored:
    """Put the backup ``source`` in the place of the embedded database at ``database_url``,
    opened with the secret keys in ``identity`` when it is sealed, checked (its audit trail
    against a retention period of ``audit_days``, as ``audit verify``) and upgraded, as the
    module describes; :class:`Refused` or :class:`RestoreError` saying why not, with nothing
    changed."""
    refused = refusal(database_url, source, identity)
    if refused is not None:
        raise Refused(refused)
    target = Path(str(make_url(database_url).database))
    try:
        with backup.partial_file(target, "restoring") as copy:
            revision = _checked_copy(source, copy, identity)
            newest = _upgraded(copy, kept, audit_days=audit_days)
            _record(copy, actor=actor, now=now)
            aside = _set_aside(target, now)
            os.replace(copy, target)
            _flush_folder(target.parent)
    except OSError as error:  # no room, no permission
        raise RestoreError(f"cannot write beside {target}: {error.strerror or error}") from None
    return Restored(target, aside, revision, _head(), newest)


def _checked_copy(source: Path, copy: Path, identity: Path | None) -> str:
    """Copy the backup to ``copy`` (opening it with ``identity`` when it is sealed) and check
    it: whole, and of a revision this code knows; its revision."""
    try:
        sealed = identity is not None and sealing.is_sealed(source)
    except OSError as error:  # not read before: with --identity the refusal reads the key only
        raise RestoreError(f"cannot read {source}: {error.strerror or error}") from None
    try:
        if sealed and identity is not None:
            sealing.unseal(source, copy, identity)
        else:
            backup.online_copy(source, copy, "the backup cannot be read")
        backup.integrity(copy, "the backup")
    except sealing.WrongKey as error:
        raise Refused(str(error)) from None
    except (backup.BackupError, sealing.SealingError) as error:
        raise RestoreError(str(error)) from None
    revision = _revision(copy)
    known = _revisions()
    if revision is None:
        raise RestoreError(f"{source} is no Safeplace database: it has no schema revision")
    if revision not in known:
        raise Refused(
            f"the backup's schema (revision {revision}) is newer than this version of Safeplace "
            f"knows (up to {_head()}): restore it with the version that wrote it, or a newer one"
        )
    return revision


def _upgraded(
    copy: Path, kept: tuple[int, str] | None, *, audit_days: int
) -> tuple[int, str] | None:
    """Bring the copy's schema to this code's, then check its audit trail as this code checks
    one (a backup from before the trail's purges has no record of them until it is upgraded);
    its newest audit row."""
    database = Database.for_url(f"sqlite:///{copy}")
    try:
        database.migrate()
        _same_schema(database)
        _same_triggers(database)
        return backup.trail(copy, "the backup", kept, audit_days=audit_days)
    except backup.BackupError as error:
        raise RestoreError(str(error)) from None
    except SQLAlchemyError as error:
        # A file that names a revision but lacks the tables it stands for (or has others in
        # their place) is no Safeplace database: its migrations or its trail cannot be read.
        raise RestoreError(
            f"the backup does not hold the tables of a Safeplace database: {_reason(error)}"
        ) from None
    finally:
        database.dispose()


def _same_schema(database: Database) -> None:
    """:class:`RestoreError` unless the upgraded copy's tables are exactly this code's: a file
    that names a known revision may still lack a table or a column the service needs."""
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    if differences:
        raise RestoreError(
            "the backup does not hold the tables of a Safeplace database: "
            f"{_difference(differences[0])}" + _more(len(differences) - 1)
        )


def _same_triggers(database: Database) -> None:
    """:class:`RestoreError` unless the upgraded copy's triggers are exactly those this code's
    migrations make: they keep the audit trail append-only and the ranking's network version
    current, and the schema comparison does not see them, so a backup whose triggers were
    dropped or emptied would be put in place with its trail open to changes."""
    try:
        differences = triggers.check(database)
    except triggers.Unchecked as error:
        raise RestoreError(f"the backup's triggers cannot be read: {error}") from None
    if differences:
        raise RestoreError(
            "the backup does not hold the triggers of a Safeplace database (they keep the audit "
            f"trail append-only): {differences[0]}" + _more(len(differences) - 1)
        )


# How each kind of difference alembic finds reads, of the object named.
_DIFFERENCES = {
    "add_table": "no table {}",
    "add_column": "no column {}",
    "add_index": "no index {}",
    "add_constraint": "no constraint {}",
    "add_fk": "no foreign key {}",
    "remove_table": "a table Safeplace does not have: {}",
    "remove_column": "a column Safeplace does not have: {}",
    "remove_index": "an index Safeplace does not have: {}",
    "remove_constraint": "a constraint Safeplace does not have: {}",
    "remove_fk": "a foreign key Safeplace does not have: {}",
}


def _more(count: int) -> str:
    """How many differences more there are, in words (nothing for none)."""
    if count < 1:
        return ""
    return f" (and {count} more difference{'s' if count > 1 else ''})"


def _difference(difference: object) -> str:
    """One difference alembic found between a database and the tables, in words (``no table
    audit``; ``a column Safeplace does not have: referrals.x``)."""
    if isinstance(difference, list) and difference:
        return _difference(difference[0])  # a column's changes come as a list of them
    if not isinstance(difference, tuple) or not difference:
        return str(difference)
    kind, subject = str(difference[0]), ""
    for part in difference[1:]:
        name = getattr(part, "name", None)
        if isinstance(name, str):
            owner = getattr(getattr(part, "table", None), "name", None)
            subject = f"{owner}.{name}" if isinstance(owner, str) else name
            break
        if isinstance(part, str):  # a table's name, before its column's
            subject = part if not subject else f"{subject}.{part}"
    return _DIFFERENCES.get(kind, kind.replace("_", " ") + " {}").format(subject).strip()


def _reason(error: SQLAlchemyError) -> str:
    """The database's own words for ``error``, in one line."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__


def _revision(copy: Path) -> str | None:
    """The schema revision the migrations left in a database file (None: none at all)."""
    with closing(sqlite3.connect(backup.read_only(copy), uri=True)) as connection:
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:  # no such table
            return None
    return str(rows[0][0]) if len(rows) == 1 else None


def _revisions() -> set[str]:
    """Every schema revision of this code's migrations."""
    return {script.revision for script in migration_scripts().walk_revisions()}


def _head() -> str:
    """The newest schema revision of this code."""
    return str(migration_scripts().get_current_head())


def _record(copy: Path, *, actor: str, now: datetime) -> None:
    """Record the restore in the copy's audit trail, and leave it one file (no ``-wal``),
    flushed to the disk."""
    database = Database.for_url(f"sqlite:///{copy}")
    try:
        with database.session() as session:
            audit.record(
                session,
                actor=actor,
                role=audit.CONSOLE,
                action="import",
                object_type="database",
                object_id=None,
                result="ok",
                request_id=uuid4().hex,
                at=now,
            )
    finally:
        database.dispose()
    with closing(sqlite3.connect(copy, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
    with copy.open("rb") as handle:
        os.fsync(handle.fileno())


def _set_aside(target: Path, now: datetime) -> Path | None:
    """Keep the database of now (and any ``-wal``, ``-shm`` or ``-journal`` beside it) under a
    name of its own beside it, the database also still under its own name until the restored
    one replaces it; :class:`Refused` while a process has it open. The new name (None: there was
    no database)."""
    if _is_sqlite(target):
        _fold(target)  # one file now, unless SQLite could not: then the -wal goes with it
    # A -shm that SQLite left behind (a crashed service's) is only an index of the -wal: moved
    # too, so that no file of the old database is left beside the new one.
    present = [path for path in (target, *backup.beside(target)) if path.exists()]
    if not present:
        return None
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 100):
        suffix = "" if attempt == 1 else f"-{attempt}"  # a second restore within the second
        aside = target.with_name(f"{target.name}{ASIDE}{stamp}{suffix}")
        if not any(_renamed(path, target, aside).exists() for path in present):
            break
    else:
        raise RestoreError(f"no free name beside {target} to keep it under")
    if target in present:
        # A second name, not a rename: the database's own name is never missing, so a process
        # opening it finds the old file or the restored one, and never makes an empty one.
        os.link(target, aside)
    # A stale -wal beside the restored file would be applied to it: those go before it comes.
    for path in present:
        if path != target:
            os.rename(path, _renamed(path, target, aside))
    _flush_folder(target.parent)
    return aside


def _renamed(path: Path, target: Path, aside: Path) -> Path:
    """``path`` (the database or a file beside it) under the database's new name."""
    return aside.with_name(aside.name + path.name.removeprefix(target.name))


def _fold(target: Path) -> None:
    """Fold the database's ``-wal`` into it, with an exclusive lock, where SQLite can read it;
    :class:`Refused` while another process has it open."""
    connection = sqlite3.connect(target, timeout=LOCK_WAIT_S, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.OperationalError as error:
        if _locked(error):
            raise Refused(_IN_USE.format(target=target)) from None
    except sqlite3.DatabaseError:  # too damaged to fold: moved as it is, with its -wal
        pass
    finally:
        connection.close()


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` begins as a SQLite database does. SQLite is not let open anything else:
    it would delete a ``-wal`` beside an empty file, and fold one into a file that is no
    database, before saying so."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_HEADER)) == _HEADER
    except FileNotFoundError:
        return False


def _in_use(target: Path) -> bool:
    """Whether another process has the database open (the lock :func:`_fold` needs is taken, and
    let go at once), asked before the backup is read, so that a running service is named at once
    rather than after the copy. A file SQLite cannot read is no database anybody uses."""
    connection = sqlite3.connect(target, timeout=LOCK_WAIT_S, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
    except sqlite3.OperationalError as error:
        return _locked(error)
    except sqlite3.DatabaseError:
        return False
    finally:
        connection.close()
    return False


def _locked(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the file."""
    return "locked" in str(error) or "busy" in str(error)


def _flush_folder(folder: Path) -> None:
    """Make the renames in ``folder`` last through a power cut."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
