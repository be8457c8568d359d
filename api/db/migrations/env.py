"""Alembic environment: migrate over the connection the service hands in.

:meth:`api.db.session.Database.migrate` passes its own connection (``config.attributes
["connection"]``), so migrations run with the same set-up as the service — SQLite's pragmas and
``BEGIN IMMEDIATE`` included — and need no ``alembic.ini``. A new revision is written the same
way, from ``script.py.mako``: ``alembic.command.revision(config, message, autogenerate=True)`` with
that config and a connection to a database at the current head.

The whole upgrade (reading the current revision and every step) is one transaction: when two
worker processes start at once, the second waits for the first and then finds nothing left to do.
A connection handed in inside a transaction of its own is upgraded in a savepoint of it, and its
caller commits or rolls back (``api.db.session.upgrade``).
SQLite's ``BEGIN IMMEDIATE`` gives that by itself; on PostgreSQL a transaction-level advisory lock
does, since a schema that does not exist yet has no row to lock.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from api.db.tables import Base

# Advisory-lock namespace of schema migrations (any constant; the second key is the schema).
MIGRATION_LOCK = 0x5AFE


def _upgrade(connection: Connection) -> None:
    # A caller that began a transaction decides its end (the trigger check rolls a scratch
    # schema back): the upgrade is then a savepoint inside it.
    in_caller = connection.in_transaction()
    with connection.begin_nested() if in_caller else connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, hashtext(current_schema()))"),
                {"namespace": MIGRATION_LOCK},
            )
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        raise RuntimeError("offline (SQL script) migrations are not supported; run them online")
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "no connection handed in: migrate with api.db.session.Database.migrate()"
        )
    _upgrade(connection)


_main()
