"""``safeplace backup``, ``backup-key`` and ``restore``: copies of the embedded SQLite database,
checked and optionally sealed, and putting one back in place (see :mod:`api.backup` and
:mod:`api.restore`).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from api import audit, backup, backup_folder, restore, sealing
from api import cli_console as console
from api.cli_console import EXIT_BROKEN, EXIT_INVALID
from api.db.engine import PRIVATE_FILE
from api.db.session import Database


def make_backup(
    given: Annotated[
        str,
        typer.Argument(
            metavar="FILE|FOLDER",
            help="The new file to write (never replaced), or a folder: the backup is then named "
            "by its moment, and the folder's backups SAFEPLACE_RETENTION_DAYS old or older go.",
        ),
    ],
    recipient: Annotated[
        list[str] | None,
        typer.Option(
            help="An age public key (age1...) to seal the backup for; repeat for more. "
            "Default: SAFEPLACE_BACKUP_RECIPIENTS."
        ),
    ] = None,
) -> None:
    """Copy the embedded SQLite database while the service runs, checked (see README).

    Sealed for the backup keys when there are any; into a folder, dated, and the folder's
    backups as old as the retention period or older removed."""
    target = _backup_target(given)
    settings = console.read_settings()
    try:
        keys = sealing.recipients(" ".join(recipient)) if recipient else settings.backup_keys()
    except sealing.SealingError as error:
        typer.echo(f"backup not made: --recipient: {error}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    now = datetime.now(UTC)
    folder = target if target.is_dir() else None
    if folder is not None:
        target = folder / backup_folder.dated_name(now, sealed=bool(keys))
    refused = backup.refusal(settings.database_url, target)
    if refused is not None:
        typer.echo(f"backup not made: {refused}", err=True)
        raise typer.Exit(EXIT_INVALID)
    database = console.open_database(settings)
    try:
        made = backup.back_up(
            settings.database_url, target, audit_days=settings.audit_days(), keys=keys
        )
    except backup.BackupError as error:
        _record_backup(database, "invalid", sealed=bool(keys))
        typer.echo(f"backup not made: {error}", err=True)
        raise typer.Exit(EXIT_BROKEN) from None
    _record_backup(database, "ok", sealed=bool(keys))
    trail = (
        "no audit rows"
        if made.newest is None
        else f"audit trail intact up to row {made.newest[0]} (--kept {made.newest[0]}:"
        f"{made.newest[1]})"
    )
    form = (
        "plain, owner only"
        if not made.sealed_for
        else f"sealed for {made.sealed_for} key{'s' if made.sealed_for > 1 else ''}"
    )
    typer.echo(f"backup written to {made.path} ({made.size:,} bytes, {form}); {trail}")
    if folder is not None:
        _prune_backups(database, folder, now, settings.retention_days)


def _backup_target(given: str) -> Path:
    """The path ``given``, read as it was typed: a path turned into a :class:`Path` loses what
    says it was meant as a folder (``backups/`` became a file named ``backups``), and an empty
    one becomes the current folder."""
    if not given.strip():
        typer.echo("backup not made: FILE|FOLDER is empty: name a new file or a folder", err=True)
        raise typer.Exit(EXIT_INVALID)
    target = Path(given)
    if given.endswith(("/", os.sep)) and not target.is_dir():
        typer.echo(f"backup not made: {target} is no folder: make it first", err=True)
        raise typer.Exit(EXIT_INVALID)
    return target


def _prune_backups(database: Database, folder: Path, now: datetime, days: int) -> None:
    """Remove the folder's dated backups of ``days`` ago or older, saying which, each with its
    audit row (the trail then shows that a copy of everyone left the service and when it
    ended); exit 1 when one cannot be removed (the new backup stands)."""
    removed, failed = backup_folder.prune(folder, now, days)
    for path in removed:
        _record_audit(
            database, action="purge", object_type="backup", object_id=path.name, result="ok"
        )
    if removed:
        names = ", ".join(path.name for path in removed)
        typer.echo(f"removed {len(removed)} backup(s) {days} days old or older: {names}")
    for line in failed:
        typer.echo(line, err=True)
    if failed:
        raise typer.Exit(EXIT_BROKEN)


def make_backup_key(
    path: Annotated[Path, typer.Argument(help="The new secret key file (never replaced).")],
) -> None:
    """Make a key pair for sealed backups (see README).

    The secret key goes to PATH (owner only), the public key to standard output, for
    SAFEPLACE_BACKUP_RECIPIENTS or --recipient."""
    if path.exists() or path.is_symlink():
        typer.echo(f"no key made: {path} exists: a key file is never replaced", err=True)
        raise typer.Exit(EXIT_INVALID)
    if not path.parent.is_dir():
        typer.echo(f"no key made: {path.parent} is no folder: make it first", err=True)
        raise typer.Exit(EXIT_INVALID)
    try:
        public = sealing.new_key_file(path, private_mode=PRIVATE_FILE)
    except OSError as error:
        typer.echo(f"no key made: cannot write {path}: {error.strerror or error}", err=True)
        raise typer.Exit(EXIT_BROKEN) from None
    typer.echo(public)
    typer.echo(
        f"secret key written to {path} (owner only). Keep it, and a copy of it, away from this "
        "server: whoever holds it can open every backup sealed for the public key above, and "
        "without it nobody can",
        err=True,
    )


def _record_backup(database: Database, result: str, *, sealed: bool) -> None:
    """The audit row of a backup: the whole database, every person in it, left the service,
    sealed for the backup keys or readable by whoever gets the file."""
    form = audit.SEALED if sealed else audit.NOT_SEALED
    _record_audit(database, action="export", object_type="database", object_id=form, result=result)


def _record_audit(
    database: Database, *, action: str, object_type: str, object_id: str | None, result: str
) -> None:
    """One audit row of the console's operator, now."""
    with database.session() as session:
        audit.record(
            session,
            actor=console.operator(),
            role=audit.CONSOLE,
            action=action,
            object_type=object_type,
            object_id=object_id,
            result=result,
            request_id=uuid.uuid4().hex,
            at=datetime.now(UTC),
        )


def restore_backup(
    source: Annotated[
        Path, typer.Argument(help="The backup to restore, as safeplace backup wrote it.")
    ],
    kept: Annotated[
        str | None,
        typer.Option(
            help="The row and hash the backup printed (SEQ:HASH), kept apart from it: the "
            "backup must still hold that row unchanged."
        ),
    ] = None,
    identity: Annotated[
        Path | None,
        typer.Option(
            help="The age secret key file (safeplace backup-key, age-keygen) that opens a "
            "sealed backup."
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask; for scripts that have asked already.")
    ] = False,
) -> None:
    """Put a backup in place of the embedded SQLite database, checked (see README).

    The service must be stopped. An older backup is upgraded; the database of now is kept beside
    it under another name."""
    settings = console.read_settings()
    refused = restore.refusal(settings.database_url, source, identity)
    if refused is not None:
        typer.echo(f"nothing restored: {refused}", err=True)
        raise typer.Exit(EXIT_INVALID)
    expected = console.kept_row(kept) if kept is not None else None
    target = backup.sqlite_file(settings.database_url)
    if not yes and not console.agreed(
        f"Replace the database {target} with the backup {source}? The database of now is kept "
        "beside it under another name"
    ):
        typer.echo("nothing restored", err=True)
        raise typer.Exit(EXIT_INVALID)
    try:
        done = restore.restore(
            settings.database_url,
            source,
            actor=console.operator(),
            now=datetime.now(UTC),
            audit_days=settings.audit_days(),
            kept=expected,
            identity=identity,
        )
    except restore.Refused as refusal:
        typer.echo(f"nothing restored: {refusal}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except restore.RestoreError as error:
        typer.echo(f"nothing restored: {error}", err=True)
        raise typer.Exit(EXIT_BROKEN) from None
    _report_restore(done, source)


def _report_restore(done: restore.Restored, source: Path) -> None:
    """What the restore did, and what is left to the operator."""
    schema = (
        f"schema at revision {done.head}"
        if done.revision == done.head
        else f"schema upgraded from revision {done.revision} to {done.head}"
    )
    typer.echo(f"restored {source} as {done.database} ({schema})")
    if done.aside is None:
        typer.echo("there was no database before")
    else:
        typer.echo(
            f"the database of before is kept as {done.aside}: it holds personal data, remove it "
            "once the restored one has proved good"
        )
    if done.newest is None:
        typer.echo("the backup holds no audit rows")
    else:
        seq, digest = done.newest
        typer.echo(
            f"the backup's audit trail is intact up to row {seq} (--kept {seq}:{digest}; compare "
            "it with what safeplace backup printed); the restore is the row after it"
        )
    typer.echo(
        "next: run 'safeplace retention run' (the backup may hold referrals purged since it "
        "was taken), then start the service. The signing secret is not in a backup: on a host "
        "with another one, every user logs in again"
    )
