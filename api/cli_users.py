"""``safeplace users``: the service's users, added and changed on the server itself, never over
the network.

A password is read from a hidden prompt, or from the first line of standard input when that is
not a terminal (for scripts), never from an argument (which would stay in the shell history and
the process list). Every change is written to the audit trail with it: who was given access, or
lost it, must be on record as much as who used it.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from api import accounts, audit
from api import cli_console as console
from api.cli_console import EXIT_INVALID
from api.db.session import Database

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
    database = console.open_database()
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
    database = console.open_database()
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
    with _account_change(console.open_database(), "cannot change user", name) as session:
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
        with _account_change(console.open_database(), "cannot change user", name) as session:
            accounts.end_devices(session, name)
        typer.echo(
            f"user '{name}': the device tokens of before count as none; "
            "the next login from a client hands out a new one"
        )
        return
    settings = console.read_settings()
    if not yes and not console.agreed(
        "End the device tokens of every user? Each user's next login from a client hands out a "
        "new one"
    ):
        typer.echo("nothing changed", err=True)
        raise typer.Exit(EXIT_INVALID)
    with console.open_database(settings).session() as session:
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
    with _account_change(console.open_database(), "cannot change user", name) as session:
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
        actor=console.operator(),
        role=audit.CONSOLE,
        action=action,
        object_type="user",
        object_id=name,
        result="ok",
        request_id=request_id,
        at=datetime.now(UTC),
    )
