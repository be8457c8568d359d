"""``safeplace serve``, ``users``, ``audit verify``, ``retention run``, ``backup`` and ``restore``:
running the service.

These commands work on the database named by ``SAFEPLACE_DATABASE_URL`` (default: the embedded
SQLite file under ``var/``), migrating it first like the server does. Users are created here, on
the server itself, and never over the network. A password is read from a hidden prompt, or from
the first line of standard input when that is not a terminal (for scripts), never from an argument
(which would stay in the shell history and the process list).
"""

from __future__ import annotations

import copy
import getpass
import os
import re
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import Multiprocess

from api import (
    accounts,
    audit,
    audit_verify,
    backup,
    backup_folder,
    restore,
    retention,
    sealing,
)
from api.audit_purge import Purge
from api.db.engine import PRIVATE_FILE
from api.db.session import Database
from api.main import MAX_CONCURRENT_REQUESTS, prepare
from api.observe import shared_across_workers
from api.settings import Settings
from models.errors import error_message

EXIT_BROKEN = 1
EXIT_INVALID = 2
# A row and its hash as ``audit verify`` prints them, kept outside the database.
# A row number (rows are numbered from 1; ASCII digits: \d would take "١" as 1) and a hash.
_KEPT = re.compile(r"([1-9][0-9]{0,17}):([0-9a-fA-F]{64})")
# How long a worker may take to answer uvicorn's supervisor before it is killed as hung and
# replaced. uvicorn's 5 s is shorter than a worker's start (a new interpreter importing
# OR-Tools, numpy and the app) on a busy machine: there every worker was killed before it
# answered, and replaced by one that was killed too, so the service never came up.
WORKER_HEALTHCHECK_SECONDS = 60


def register(app: typer.Typer) -> None:
    """Add the service's commands to the ``safeplace`` command line."""
    app.command("serve")(serve)
    users = typer.Typer(help="Manage the users of the service.", no_args_is_help=True)
    users.command("add")(add_user)
    users.command("deactivate")(deactivate_user)
    users.command("activate")(activate_user)
    users.command("set-role")(set_user_role)
    users.command("set-password")(set_user_password)
    users.command("end-devices")(end_user_devices)
    app.add_typer(users, name="users")
    trail = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
    trail.command("verify")(verify_audit)
    app.add_typer(trail, name="audit")
    purge = typer.Typer(
        help="Delete closed referrals, old audit rows and scenario runs after their retention "
        "periods, or one closed referral now.",
        no_args_is_help=True,
    )
    purge.command("run")(run_retention)
    purge.command("erase")(erase_referral)
    app.add_typer(purge, name="retention")
    app.command("backup")(make_backup)
    app.command("backup-key")(make_backup_key)
    app.command("restore")(restore_backup)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="The reverse proxy's addresses (comma-separated), whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed: the login limit then counts the real client, and "
            "cookies are Secure behind TLS."
        ),
    ] = "127.0.0.1",
) -> None:
    """Run the HTTP service (open /docs in a browser to try it)."""
    # Settings and database are checked here, once, so that a mistake is one clear line and not
    # a traceback from every worker. Only a connection is tried: migrating and seeding stay with
    # the workers, whose logging uvicorn sets up (this process's logging is left alone).
    settings = _settings()
    with _opening(settings):
        database = Database.for_url(settings.database_url)
        try:
            with database.engine.connect():
                pass
        finally:
            database.dispose()
    config = NoDelayConfig(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(),
        limit_concurrency=MAX_CONCURRENT_REQUESTS,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        # The service logs each request itself, by route template; uvicorn's access log would
        # write raw paths with case ids and query strings.
        access_log=False,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    if workers > 1:
        with shared_across_workers(settings.var_dir):
            Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration, with Nagle's algorithm off for connections to several workers.

    With one worker the event loop opens the socket and switches Nagle off itself; for several
    workers uvicorn binds the socket, and the connections accepted from it keep Nagle on. A
    response then waits for the client's delayed acknowledgement, about 40 ms, between its head
    and its body. Accepted connections inherit ``TCP_NODELAY`` from the listening socket.
    """

    def bind_socket(self) -> socket.socket:
        """The listening socket, with ``TCP_NODELAY`` for what it accepts."""
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up, with the service's own loggers (``api.*``) written the same way."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["api"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


# The role options of ``users add`` and ``users set-role``.
RoleOption = Annotated[
    str, typer.Option(help="desk, shelter, planner, auditor or admin.", show_default=False)
]
ShelterOption = Annotated[
    str | None, typer.Option(help="Shelter id (required for the shelter role).")
]


def add_user(
    name: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: RoleOption,
    shelter: ShelterOption = None,
) -> None:
    """Create a user; the password is asked for (or read from standard input)."""
    database = _database()
    password = _new_password()
    with _account_change(database, "cannot add user", name, "create") as session:
        accounts.add_user(
            session,
            name=name,
            role=role,
            shelter_id=shelter,
            password=password,
            now=datetime.now(UTC),
        )
    typer.echo(f"user '{name}' added with role {role}")


def set_user_password(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Give a user a new password (forgotten, or known to someone else); asked for as by add."""
    database = _database()
    password = _new_password()
    with _account_change(database, "cannot change user", name) as session:
        accounts.set_password(session, name, password=password)
    typer.echo(f"user '{name}' has a new password")


def _new_password() -> str:
    """A password from a hidden prompt, typed twice, or the first line of standard input when
    that is no terminal (for scripts); never from an argument."""
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    # Read as bytes: a line that is no UTF-8 would stop a text read with a traceback. Its
    # undecodable bytes are kept as lone surrogates, which the password rules refuse.
    line = sys.stdin.buffer.readline().decode("utf-8", errors="surrogateescape")
    return line.rstrip("\r\n")


def deactivate_user(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Keep a user out from their next request on (someone who left).

    A forgotten or leaked password is replaced with set-password instead."""
    if _set_active(name, active=False):
        typer.echo(f"user '{name}' deactivated: every request of theirs is refused from now on")
    else:
        typer.echo(f"user '{name}' was deactivated already: nothing changed")


def activate_user(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Let a deactivated user in again (with their own password)."""
    if _set_active(name, active=True):
        typer.echo(f"user '{name}' active again")
    else:
        typer.echo(f"user '{name}' is active already: nothing changed, their sessions go on")


def set_user_role(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: RoleOption,
    shelter: ShelterOption = None,
) -> None:
    """Give a user another role, or shelter staff another shelter; they log in again."""
    with _account_change(_database(), "cannot change user", name) as session:
        accounts.set_role(session, name, role=role, shelter_id=shelter)
    at = "" if shelter is None else f" at {shelter}"
    typer.echo(f"user '{name}' now has role {role}{at}: their earlier tokens are refused")


def end_user_devices(
    name: Annotated[str | None, typer.Argument(help="Login name.", show_default=False)] = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all", help="Every user's device tokens (a computer's image taken); asks first."
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask; for scripts that have asked already.")
    ] = False,
) -> None:
    """End a user's device tokens, or every user's (--all), and nothing else.

    For a desk computer lost or stolen: a client the user logged in from no longer gets past
    others' failed logins for the name, until the user logs in there again; the password and the
    sessions stay as they are. A password that may be known to someone else is replaced with
    set-password instead, which ends the device tokens too."""
    if every == (name is not None):
        typer.echo("end-devices: give a user's name, or --all for every user", err=True)
        raise typer.Exit(EXIT_INVALID)
    if name is not None:
        with _account_change(_database(), "cannot change user", name) as session:
            accounts.end_devices(session, name)
        typer.echo(
            f"user '{name}': the device tokens of before count as none; "
            "the next login from a client hands out a new one"
        )
        return
    settings = _settings()
    if not yes and not _agreed(
        "End the device tokens of every user? Each user's next login from a client hands out a "
        "new one"
    ):
        typer.echo("nothing changed", err=True)
        raise typer.Exit(EXIT_INVALID)
    with _database(settings).session() as session:
        names = accounts.end_all_devices(session)
        request_id = uuid.uuid4().hex
        for user in names:
            _record_user_change(session, user, "update", request_id)
    typer.echo(
        f"{len(names)} users: every device token of before counts as none; "
        "each user's next login from a client hands out a new one"
    )


def _set_active(name: str, *, active: bool) -> bool:
    """Whether the user's state changed (a user already in it: no change, no audit row)."""
    with _account_change(_database(), "cannot change user", name) as session:
        if not accounts.set_active(session, name, active=active):
            raise _Unchanged
        return True
    return False


class _Unchanged(Exception):
    """Raised inside :func:`_account_change` when there is nothing to change: the transaction
    ends without a change and without an audit row, and the command goes on."""


@contextmanager
def _account_change(
    database: Database, failure: str, name: str, action: str = "update"
) -> Iterator[Session]:
    """A transaction for a change to the user ``name``, written to the audit trail with it (who
    was given access, or lost it, must be on record as much as who used it); an
    :class:`accounts.AccountError` inside it is one line, ``failure: why``, and exit code 2,
    with nothing changed."""
    try:
        with database.session() as session:
            yield session
            _record_user_change(session, name, action, uuid.uuid4().hex)
    except _Unchanged:
        return
    except accounts.AccountError as error:
        typer.echo(f"{failure}: {error}", err=True)
        raise typer.Exit(EXIT_INVALID) from None


def _record_user_change(session: Session, name: str, action: str, request_id: str) -> None:
    """The audit row of a change to the user ``name`` made from the command line."""
    audit.record(
        session,
        actor=_operator(),
        role=audit.CONSOLE,
        action=action,
        object_type="user",
        object_id=name,
        result="ok",
        request_id=request_id,
        at=datetime.now(UTC),
    )


def _operator() -> str:
    """Who runs the command, as the trail names them: the server account's login name."""
    try:
        return f"{audit.CONSOLE}:{getpass.getuser()}"
    except (KeyError, OSError):  # an account without a name (a container's numeric user)
        return f"{audit.CONSOLE}:uid-{os.getuid()}"


def verify_audit(
    kept: Annotated[
        str | None,
        typer.Option(
            help="A row and its hash kept outside the database, as printed before "
            "(SEQ:HASH, e.g. 1234:9f86...): checks the trail still holds that row unchanged, "
            "or that retention purged it."
        ),
    ] = None,
) -> None:
    """Check the audit trail's hash chain and its purges; name the first broken row (exit 1)."""
    expected = _kept(kept) if kept is not None else None
    settings = _settings()
    database = _database(settings)
    with database.session() as session:
        broken = audit_verify.verify(session, now=datetime.now(UTC), min_days=settings.audit_days())
        last = audit.newest(session)
        begun = audit_verify.beginning(session)
        state = audit_verify.kept_state(session, *expected) if expected else None
        removed_by = (
            audit_verify.remover(session, expected[0])
            if expected is not None and state == "purged"
            else None
        )
    if broken is not None:
        typer.echo(f"audit trail broken at row {broken.seq}: {broken.why}", err=True)
        raise typer.Exit(EXIT_BROKEN)
    if expected is not None and state in ("missing", "differs"):
        seq = expected[0]
        typer.echo(
            f"audit trail shortened: row {seq} is gone"
            if state == "missing"
            else f"audit trail rewritten: row {seq} no longer has the hash kept for it",
            err=True,
        )
        raise typer.Exit(EXIT_BROKEN)
    if last is None:
        typer.echo("audit trail intact (empty)")
        return
    # The chain cannot show its newest rows removed, nor a rewrite of every hash after a change:
    # a copy of the newest hash kept outside the database can (``--kept``).
    typer.echo(
        f"audit trail intact; newest row {last[0]}, hash {last[1]} "
        f"(keep it; to check later: --kept {last[0]}:{last[1]})"
    )
    if begun is not None and begun.purge is not None:
        typer.echo(_beginning(begun.seq, begun.at, begun.purge))
    if expected is not None and removed_by is not None:
        typer.echo(
            f"row {expected[0]} was purged on {_day(removed_by.at)}, with the rows up to "
            f"{removed_by.through}, older than {_day(removed_by.cutoff)} "
            f"(a retention of {removed_by.days} days)"
        )
    elif expected is not None:
        typer.echo(f"row {expected[0]} still has the hash kept for it")


def _beginning(seq: int, at: datetime, purge: Purge) -> str:
    """Where a purged trail begins, in one line."""
    return (
        f"trail kept from row {seq} ({_day(at)}); {purge.through} earlier rows "
        f"purged, the last time on {_day(purge.at)} under a retention of {purge.days} days"
    )


def _day(moment: datetime) -> str:
    """A moment as the command line prints it: UTC, to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _kept(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as given to ``--kept``; exit 2 naming the option when it is not that."""
    found = _KEPT.fullmatch(text.strip())
    if found is None:
        typer.echo(
            f"--kept: '{text}' is not a row and its hash as printed by audit verify "
            "(a row number from 1, a colon and 64 hex digits)",
            err=True,
        )
        raise typer.Exit(EXIT_INVALID)
    return int(found.group(1)), found.group(2).lower()


def run_retention(
    days: Annotated[
        int | None,
        typer.Option(min=0, help="Retention period in days (default: SAFEPLACE_RETENTION_DAYS)."),
    ] = None,
) -> None:
    """Delete what is past its retention period: closed referrals, audit rows, scenario runs.

    Referrals after SAFEPLACE_RETENTION_DAYS (or --days), counted into the statistics first;
    the audit trail's oldest rows after SAFEPLACE_AUDIT_RETENTION_DAYS, never while a case
    they may be about is stored; finished scenario runs after SAFEPLACE_SCENARIO_RUN_DAYS."""
    settings = _settings()
    periods = retention.Periods(
        referrals=settings.retention_days if days is None else days,
        audit=settings.audit_days(),
        runs=settings.scenario_run_days,
    )
    if periods.referrals > periods.audit:
        typer.echo(
            f"--days: {periods.referrals} days is longer than the audit trail is kept "
            f"({periods.audit} days, SAFEPLACE_AUDIT_RETENTION_DAYS): the trail must outlive "
            "the referrals it accounts for; nothing purged",
            err=True,
        )
        raise typer.Exit(EXIT_INVALID)
    database = _database(settings)
    with database.session() as session:
        done = retention.run(session, now=datetime.now(UTC), periods=periods, actor=_operator())
        begun = audit_verify.beginning(session)
    typer.echo(
        f"{done.referrals} closed referrals purged (closed more than {periods.referrals} days ago)"
    )
    typer.echo(f"{done.runs} scenario runs purged (ended more than {periods.runs} days ago)")
    if done.trail_broken is not None:
        typer.echo(
            f"audit trail broken at row {done.trail_broken}: no audit row purged, so that the "
            "break can still be found; run audit verify",
            err=True,
        )
        raise typer.Exit(EXIT_BROKEN)
    removed = 0 if done.trail is None else done.trail.removed
    typer.echo(f"{removed} audit rows purged (older than {periods.audit} days)")
    if begun is not None and begun.purge is not None:
        typer.echo(_beginning(begun.seq, begun.at, begun.purge))


def erase_referral(
    referral_id: Annotated[str, typer.Argument(help="The case id of a closed referral.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask; for scripts that have asked already.")
    ] = False,
) -> None:
    """Delete one closed referral now, as retention would later (it cannot be undone)."""
    settings = _settings()
    if not yes and not _agreed(
        f"Erase referral {referral_id} with its holds, placements and stays? It cannot be undone"
    ):
        typer.echo("nothing erased", err=True)
        raise typer.Exit(EXIT_INVALID)
    database = _database(settings)
    try:
        with database.session() as session:
            retention.erase(session, referral_id, now=datetime.now(UTC), actor=_operator())
    except retention.NotErasable as refused:
        typer.echo(f"nothing erased: {refused}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    typer.echo(f"referral {referral_id} erased; counted in the statistics, the audit trail kept")


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
    settings = _settings()
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
    database = _database(settings)
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
            actor=_operator(),
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
    settings = _settings()
    refused = restore.refusal(settings.database_url, source, identity)
    if refused is not None:
        typer.echo(f"nothing restored: {refused}", err=True)
        raise typer.Exit(EXIT_INVALID)
    expected = _kept(kept) if kept is not None else None
    target = backup.sqlite_file(settings.database_url)
    if not yes and not _agreed(
        f"Replace the database {target} with the backup {source}? The database of now is kept "
        "beside it under another name"
    ):
        typer.echo("nothing restored", err=True)
        raise typer.Exit(EXIT_INVALID)
    try:
        done = restore.restore(
            settings.database_url,
            source,
            actor=_operator(),
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


def _agreed(question: str) -> bool:
    """The operator's answer to ``question``. No answer (the input ended, as for a script that
    forgot ``--yes``, or Ctrl-C) is a no: the command then says that nothing was done and exits
    2, as for a no, rather than aborting with 1, which reads as a failure half-way."""
    try:
        return typer.confirm(question)
    except typer.Abort:
        typer.echo(err=True)  # end the prompt's line
        return False


def _settings() -> Settings:
    """The settings from the environment; exit 2 with one line per bad ``SAFEPLACE_*`` variable."""
    try:
        return Settings()
    except ValidationError as error:
        for item in error.errors(include_url=False):
            variable = "SAFEPLACE_" + "_".join(str(part) for part in item["loc"]).upper()
            typer.echo(f"{variable}: {error_message(item)}", err=True)
        raise typer.Exit(EXIT_INVALID) from None


def _database(settings: Settings | None = None) -> Database:
    """The configured database, migrated and seeded as the server would leave it; exit 1 with
    the reason (and the URL, its password masked) when it cannot be opened."""
    settings = settings if settings is not None else _settings()
    with _opening(settings):
        return prepare(settings)


@contextmanager
def _opening(settings: Settings) -> Iterator[None]:
    """Exit 1 with one line (the URL, its password masked, and why) when the database named by
    ``settings`` cannot be opened: unreachable, refused, or a folder that cannot be created."""
    try:
        yield
    except (SQLAlchemyError, OSError) as error:
        url = make_url(settings.database_url).render_as_string(hide_password=True)
        cause = getattr(error, "orig", None) or error
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        typer.echo(f"cannot open the database {url}: {reason}", err=True)
        raise typer.Exit(EXIT_BROKEN) from None
