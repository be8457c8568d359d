"""The database's triggers, held against those this code's migrations make.

Triggers keep the audit trail and its purge records append-only, and the shelters' network
version current (see the migrations). The hash chain shows a row changed only once it was
changed, and a comparison of tables and columns does not see triggers at all: whoever dropped,
disabled or replaced one, or on PostgreSQL the function it calls, has left the trail open to
changes while today's chain still checks out. So ``audit verify`` holds the live database's
triggers against this code's, and a restore holds a backup's.

What this code's migrations make is found by running them, not by reading the SQL they use: a
later migration may drop and remake a trigger (0014 remade ``audit_no_delete``), and PostgreSQL
keeps a trigger not as it was written but as ``pg_get_triggerdef`` renders it, which only the
server itself can say. On SQLite they run on a new file in a temporary folder; on PostgreSQL in a
scratch schema of the same database, inside a transaction that is rolled back, so that nothing
is left behind (it needs the right to create a schema in the database). Each is done once per
process (on PostgreSQL once per server version).

Only triggers on Safeplace's own tables are compared; PostgreSQL's internal ones (those that
enforce foreign keys) are not, and of the trigger functions those this code's migrations make.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from api.db.session import Database, upgrade
from api.db.tables import Base

# PostgreSQL's ``tgenabled`` of a trigger that fires as the migrations made it, and what the
# others mean (SQLite cannot disable a trigger: each of its triggers is enabled).
ENABLED = "O"
_STATES = {
    "D": "disabled",
    "R": "set to fire on replicas only",
    "A": "set to fire always, on replicas too",
}
# The tables whose triggers are Safeplace's to check: other tables may share the schema.
_TABLES = frozenset(Base.metadata.tables) | {"alembic_version"}

_SQLITE_TRIGGERS = text("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")
_POSTGRESQL_TRIGGERS = text(
    "SELECT c.relname, t.tgname, "
    "replace(pg_get_triggerdef(t.oid), quote_ident(n.nspname) || '.', ''), t.tgenabled::text "
    "FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid "
    "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
    "WHERE n.nspname = :schema AND NOT t.tgisinternal"
)
_POSTGRESQL_FUNCTIONS = text(
    "SELECT p.oid::regprocedure::text, p.prosrc, l.lanname, p.prosecdef, "
    "coalesce(array_to_string(p.proconfig, ', '), '') "
    "FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace "
    "JOIN pg_language AS l ON l.oid = p.prolang "
    "WHERE n.nspname = :schema AND p.prorettype = 'trigger'::regtype"
)
# PostgreSQL names a function without its schema when that is the only one searched (a table it
# always names with its schema, which the query above takes off).
_SEARCH_ONLY = text("SELECT set_config('search_path', quote_ident(:schema), true)")


@dataclass(frozen=True)
class Trigger:
    """One trigger as a database keeps it: the SQL that makes it (SQLite's as written,
    PostgreSQL's as ``pg_get_triggerdef`` renders it) and whether it fires."""

    definition: str
    enabled: str = ENABLED


@dataclass(frozen=True)
class Function:
    """A trigger function as PostgreSQL keeps it: its body, and what else decides what the body
    does (its language, whose rights it runs with, the settings it runs under, such as a
    ``search_path`` that would make ``audit_purges`` another table)."""

    body: str
    setup: str


@dataclass(frozen=True)
class Triggers:
    """A database's triggers on Safeplace's tables by table and name, and the trigger functions
    in its schema by signature (none on SQLite)."""

    triggers: Mapping[tuple[str, str], Trigger]
    functions: Mapping[str, Function]


class Unchecked(Exception):
    """The triggers could not be compared: the database could not be read, or on PostgreSQL
    the scratch schema could not be made or migrated."""


def check(database: Database) -> list[str]:
    """How ``database``'s triggers differ from those this code's migrations make, one line per
    difference (none: they are the same); :class:`Unchecked` saying why when they cannot be
    compared."""
    try:
        if database.dialect == "postgresql":
            found, wanted = _postgresql_both(database)
        else:
            with database.engine.connect() as connection:
                found = _sqlite(connection)
            wanted = _sqlite_head()
    except SQLAlchemyError as error:
        raise Unchecked(_reason(error)) from None
    return differences(found, wanted)


def differences(found: Triggers, wanted: Triggers) -> list[str]:
    """What ``found`` lacks, has changed or has besides ``wanted``, one line each: missing
    triggers, changed ones, disabled ones, missing and changed trigger functions, then triggers
    Safeplace does not have."""
    lines = [
        f"no trigger {name} on {table}"
        for table, name in sorted(wanted.triggers.keys() - found.triggers.keys())
    ]
    both = sorted(wanted.triggers.keys() & found.triggers.keys())
    for table, name in both:
        have, want = found.triggers[table, name], wanted.triggers[table, name]
        if have.definition != want.definition:
            lines.append(f"trigger {name} on {table} is not Safeplace's")
        elif have.enabled != want.enabled:
            state = _STATES.get(have.enabled, f"in state {have.enabled!r}")
            lines.append(f"trigger {name} on {table} is {state}")
    for signature in sorted(wanted.functions):
        have_function = found.functions.get(signature)
        want_function = wanted.functions[signature]
        if have_function is None:
            lines.append(f"no trigger function {signature}")
        elif have_function.body != want_function.body:
            lines.append(f"trigger function {signature} is not Safeplace's: its body was changed")
        elif have_function.setup != want_function.setup:
            lines.append(
                f"trigger function {signature} is not Safeplace's: its language, rights or "
                "settings were changed"
            )
    lines += [
        f"a trigger Safeplace does not have: {name} on {table}"
        for table, name in sorted(found.triggers.keys() - wanted.triggers.keys())
    ]
    return lines


def _sqlite(connection: Connection) -> Triggers:
    """The triggers of a SQLite database, each with the SQL that made it."""
    rows = connection.execute(_SQLITE_TRIGGERS).all()
    return Triggers(
        {(table, name): Trigger(sql) for table, name, sql in rows if table in _TABLES}, {}
    )


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


def _postgresql_both(database: Database) -> tuple[Triggers, Triggers]:
    """The triggers of the schema the service works in, and those the migrations make, read in
    one transaction that is rolled back: the scratch schema and the search paths set go with it."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        try:
            schema = connection.scalar(text("SELECT current_schema()"))
            if not isinstance(schema, str):
                raise Unchecked("no schema the search_path names exists")
            found = _postgresql(connection, schema)
            try:
                wanted = _postgresql_head(connection)
            except SQLAlchemyError as error:
                raise Unchecked(
                    f"{_reason(error)} (the check migrates a scratch schema, and rolls it back: "
                    "the database user needs the right to create a schema)"
                ) from None
        finally:
            transaction.rollback()
    return found, wanted


def _postgresql(connection: Connection, schema: str) -> Triggers:
    """The triggers on Safeplace's tables in ``schema`` and its trigger functions, rendered with
    only ``schema`` searched (for the rest of the transaction), so that the same triggers in two
    schemas read the same."""
    connection.execute(_SEARCH_ONLY, {"schema": schema})
    triggers = {
        (table, name): Trigger(definition, enabled)
        for table, name, definition, enabled in connection.execute(
            _POSTGRESQL_TRIGGERS, {"schema": schema}
        )
        if table in _TABLES
    }
    functions = {
        signature: Function(body, f"{language}; definer's rights: {definer}; set: {settings}")
        for signature, body, language, definer, settings in connection.execute(
            _POSTGRESQL_FUNCTIONS, {"schema": schema}
        )
    }
    return Triggers(triggers, functions)


# What the migrations make on each server version (``server_version_num``) met in this process.
_HEADS: dict[str, Triggers] = {}


def _postgresql_head(connection: Connection) -> Triggers:
    """What this code's migrations make on this server: read from a scratch schema migrated in
    the caller's transaction, which the caller rolls back."""
    version = str(connection.scalar(text("SHOW server_version_num")))
    if version not in _HEADS:
        scratch = f"safeplace_trigger_check_{secrets.token_hex(6)}"
        connection.execute(text(f'CREATE SCHEMA "{scratch}"'))
        connection.execute(_SEARCH_ONLY, {"schema": scratch})
        upgrade(connection)
        _HEADS[version] = _postgresql(connection, scratch)
    return _HEADS[version]


def _reason(error: SQLAlchemyError) -> str:
    """The database's own words for ``error``, in one line."""
    cause = getattr(error, "orig", None) or error
    words = str(cause).strip()
    return words.splitlines()[0] if words else type(cause).__name__
