"""Database engines: SQLite embedded by default, PostgreSQL (psycopg 3) in production.

SQLite is set up for a ledger that must never lose an acknowledged write or double-book: WAL so
readers do not block the writer, ``synchronous=FULL`` so a commit survives power loss, foreign keys
on, ``secure_delete`` so what retention purges is gone from the file too, a busy timeout so
concurrent writers wait instead of failing, and every transaction opened with ``BEGIN IMMEDIATE``
so the write lock is taken before the free places are read — two desks can then never both see the
last place as free.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 30_000
# How long to wait between tries to switch a new database file to WAL (see _enable_wal).
WAL_RETRY_S = 0.01
# PostgreSQL: how long a new connection may take, and how long a request waits for a free one
# from the pool. Without them a server that accepts connections but never answers kept requests
# hanging for minutes; with them the request fails, and the service answers 503.
CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 10.0
# The database file, and the files SQLite makes beside it (which take the file's mode): the
# owner only, since they hold special-category personal data and password hashes.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def make_engine(url: str, *, connect_timeout: int = CONNECT_TIMEOUT_S) -> Engine:
    """An engine for ``url`` with the per-dialect settings described above."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _sqlite_setup(engine)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={"connect_timeout": connect_timeout},
    )


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only, in a directory made for the owner.

    SQLite creates a new file with the process's umask (usually world-readable) and gives its
    -wal and -shm files the main file's mode, so the main file is made first, with no access for
    others. An existing file is left as its owner set it; an existing directory too.
    """
    if not path.parent.exists():
        path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it, the same way
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows (a purged referral) are overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
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
