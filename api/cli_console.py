"""What the service's commands share: their exit codes, the settings and the database they
open (one line and an exit code when either cannot be had), the operator's name for the audit
trail, the operator's yes or no, and a row and its hash as ``audit verify`` prints them.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from api import audit
from api.db.session import Database
from api.main import prepare
from api.settings import Settings
from models.errors import error_message

EXIT_BROKEN = 1
EXIT_INVALID = 2


# A row and its hash as ``audit verify`` prints them, kept outside the database.
# A row number (rows are numbered from 1; ASCII digits: \d would take "١" as 1) and a hash.
_KEPT = re.compile(r"([1-9][0-9]{0,17}):([0-9a-fA-F]{64})")


def agreed(question: str) -> bool:
    """The operator's answer to ``question``. No answer (the input ended, as for a script that
    forgot ``--yes``, or Ctrl-C) is a no: the command then says that nothing was done and exits
    2, as for a no, rather than aborting with 1, which reads as a failure half-way."""
    try:
        return typer.confirm(question)
    except typer.Abort:
        typer.echo(err=True)  # end the prompt's line
        return False


def read_settings() -> Settings:
    """The settings from the environment; exit 2 with one line per bad ``SAFEPLACE_*`` variable."""
    try:
        return Settings()
    except ValidationError as error:
        for item in error.errors(include_url=False):
            variable = "SAFEPLACE_" + "_".join(str(part) for part in item["loc"]).upper()
            typer.echo(f"{variable}: {error_message(item)}", err=True)
        raise typer.Exit(EXIT_INVALID) from None


def open_database(settings: Settings | None = None) -> Database:
    """The configured database, migrated and seeded as the server would leave it; exit 1 with
    the reason (and the URL, its password masked) when it cannot be opened."""
    settings = settings if settings is not None else read_settings()
    with opening(settings):
        return prepare(settings)


@contextmanager
def opening(settings: Settings) -> Iterator[None]:
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


def operator() -> str:
    """Who runs the command, as the trail names them: the server account's login name."""
    try:
        return f"{audit.CONSOLE}:{getpass.getuser()}"
    except (KeyError, OSError):  # an account without a name (a container's numeric user)
        return f"{audit.CONSOLE}:uid-{os.getuid()}"


def kept_row(text: str) -> tuple[int, str]:
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


def day(moment: datetime) -> str:
    """A moment as the command line prints it: UTC, to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
