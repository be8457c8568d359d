"""Database engines: SQLite embedded by default, PostgreSQL (psycopg 3) in production.

SQLite is set up for a ledger that must never lose an acknowledged write or double-book: WAL so
readers do not block the writer, ``synchronous=FULL`` so a commit survives power loss, foreign
keys on, a busy timeout so concurrent writers wait instead of failing, and every transaction opened
with ``BEGIN IMMEDIATE`` so the write lock is taken before the free places are read — two desks can
then never both see the last place as free.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 30_000
# How long to wait between tries to switch a new database file to WAL (see _enable_wal).
WAL_RETRY_S = 0.01


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the per-dialect settings described above."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _sqlite_setup(engine)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL, waiting out other processes that are creating it at the same time.

    Once a file is in WAL mode the pragma is a no-op. But while a brand-new file is still in
    rollback-journal mode, another connection's lock makes the switch fail at once with "database
    is locked": SQLite does not call the busy handler here, as it would deadlock. Two service
    processes starting together on a new database hit exactly that, so retry up to the busy
    timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(WAL_RETRY_S)
