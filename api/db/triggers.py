"""The database's triggers, held against those this code's migrations make.

Triggers keep the audit trail and its purge records append-only, and the shelters' network
version current (see the migrations). The hash chain shows a row changed only once it was
changed, and a comparison of tables and columns does not see triggers at all: whoever dropped or
replaced one has left the trail open to changes while today's chain still checks out. So a
restore holds a backup's triggers against this code's.

What this code's migrations make is found by running them, not by reading the SQL they use: a
later migration may drop and remake a trigger (0014 remade ``audit_no_delete``). They run on a
new SQLite file in a temporary folder, once per process.

Only triggers on Safeplace's own tables are compared.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from api.db.session import Database
from api.db.tables import Base

# The tables whose triggers are Safeplace's to check: other tables may share the schema.
_TABLES = frozenset(Base.metadata.tables) | {"alembic_version"}

_SQLITE_TRIGGERS = text("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")


@dataclass(frozen=True)
class Trigger:
    """One trigger as a database keeps it: the SQL that makes it, as written."""

    definition: str


@dataclass(frozen=True)
class Triggers:
    """A database's triggers on Safeplace's tables by table and name."""

    triggers: Mapping[tuple[str, str], Trigger]


class Unchecked(Exception):
    """The triggers could not be compared: the database could not be read."""


def check(database: Database) -> list[str]:
    """How ``database``'s triggers differ from those this code's migrations make, one line per
    difference (none: they are the same); :class:`Unchecked` saying why when they cannot be
    compared."""
    try:
        with database.engine.connect() as connection:
            found = _sqlite(connection)
        wanted = _sqlite_head()
    except SQLAlchemyError as error:
        raise Unchecked(_reason(error)) from None
    return differences(found, wanted)


def differences(found: Triggers, wanted: Triggers) -> list[str]:
    """What ``found`` lacks, has changed or has besides ``wanted``, one line each: missing
    triggers, changed ones, then triggers Safeplace does not have."""
    lines = [
        f"no trigger {name} on {table}"
        for table, name in sorted(wanted.triggers.keys() - found.triggers.keys())
    ]
    lines += [
        f"trigger {name} on {table} is not Safeplace's"
        for table, name in sorted(wanted.triggers.keys() & found.triggers.keys())
        if found.triggers[table, name] != wanted.triggers[table, name]
    ]
    lines += [
        f"a trigger Safeplace does not have: {name} on {table}"
        for table, name in sorted(found.triggers.keys() - wanted.triggers.keys())
    ]
    return lines


def _sqlite(connection: Connection) -> Triggers:
    """The triggers of a SQLite database, each with the SQL that made it."""
    rows = connection.execute(_SQLITE_TRIGGERS).all()
    return Triggers({(table, name): Trigger(sql) for table, name, sql in rows if table in _TABLES})


@cache
def _sqlite_head() -> Triggers:
    """The triggers of a new SQLite database at this code's head revision."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database.for_url(f"sqlite:///{Path(folder) / 'head.db'}")
        try:
            database.migrate()
            with database.engine.connect() as connection:
                return _sqlite(connection)
        finally:
            database.dispose()


def _reason(error: SQLAlchemyError) -> str:
    """The database's own words for ``error``, in one line."""
    cause = getattr(error, "orig", None) or error
    words = str(cause).strip()
    return words.splitlines()[0] if words else type(cause).__name__
