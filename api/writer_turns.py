"""Request transactions on SQLite take turns in a queue, not in SQLite's busy handler.

SQLite admits one writer at a time, and every transaction of the service is a writer (``BEGIN
IMMEDIATE``, see :mod:`api.db.engine`; even a read writes its audit row). A transaction that finds
the database locked waits in SQLite's busy handler, which polls with sleeps growing to 100 ms: under
load some requests keep losing the race and wait for seconds while others pass. Here each request
transaction first takes a turn: a lock shared by the worker's threads, then an exclusive ``flock``
on a file next to the database shared by the worker processes (polled every millisecond). The next
waiter gets in as soon as the holder is done, so waiting is short and roughly in order. The turn is
held from the moment the transaction is created until it ends (commit or rollback), not for the
whole request: a ranking computed after its commit, or a plan searching for seconds, keeps nobody
waiting. Like SQLite's own wait, a turn is given up after the busy timeout: the request then fails
with :class:`DatabaseBusy` (503) instead of waiting for ever.

PostgreSQL needs none of this: its transactions wait on row locks, in order.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from api.db.engine import BUSY_TIMEOUT_MS

# How often a worker looks whether the other workers have let go of the database.
POLL_SECONDS = 0.001
TIMEOUT_SECONDS = BUSY_TIMEOUT_MS / 1000
_TURN = "writer_turn"


class DatabaseBusy(Exception):
    """No turn came within the busy timeout: the database is overloaded."""


class WriterTurns:
    """One worker's place in the queue of writers to one SQLite database file."""

    def __init__(self, database_file: Path) -> None:
        # Open for the life of the process: an app may be started and stopped more than once
        # (tests do), and a closed descriptor's number could be reused by another file.
        self._threads = threading.Lock()
        self._file = os.open(f"{database_file}.turns", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def take(self, timeout: float = TIMEOUT_SECONDS) -> None:
        """Wait for this worker's turn, then for the database's; :class:`DatabaseBusy` when
        neither came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            raise DatabaseBusy
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    raise DatabaseBusy from None
                time.sleep(POLL_SECONDS)

    def give_back(self) -> None:
        """Let the next writer in."""
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def attach(self, sessions: sessionmaker[Session]) -> None:
        """Make every root transaction of ``sessions`` hold a turn while it lasts."""

        def created(session: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is None:
                self.take()
                session.info[_TURN] = transaction

        def ended(session: Session, transaction: SessionTransaction) -> None:
            if session.info.get(_TURN) is transaction:
                del session.info[_TURN]
                self.give_back()

        event.listen(sessions, "after_transaction_create", created)
        event.listen(sessions, "after_transaction_end", ended)


def request_sessions(engine: Engine) -> sessionmaker[Session]:
    """The session factory for request transactions, taking turns when ``engine`` is SQLite."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        WriterTurns(Path(url.database)).attach(sessions)
    return sessions
