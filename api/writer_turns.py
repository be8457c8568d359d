"""Request transactions on SQLite take turns in a queue, not in SQLite's busy handler.

SQLite admits one writer at a time, and every transaction of the service is a writer (``BEGIN
IMMEDIATE``, see :mod:`api.db.engine`; even a read writes its audit row). A transaction that finds
the database locked waits in SQLite's busy handler, which polls with sleeps growing to 100 ms: under
load some requests keep losing the race and wait for seconds while others pass. Here each request
transaction first takes a turn, held from the moment the transaction is created until it ends
(commit or rollback), not for the whole request: a ranking computed after its commit, or a plan
searching for seconds, keeps nobody waiting.

A turn is three locks, taken in order:

- a lock shared by the worker's threads, so that one thread per worker process competes for the
  database at a time;
- an exclusive ``flock`` on a "next in line" file shared by the worker processes, held only while
  waiting for the database;
- an exclusive ``flock`` on the turn file itself, held for the transaction.

The middle one makes the workers take turns: when a worker's transaction ends, its next thread
must queue behind the other worker's waiting one instead of taking the database again at once (a
thread of the same process would otherwise nearly always win, and the other worker's requests wait
for as long as this one keeps busy). ``flock`` cannot wait with a time limit, so a waiter tries
again whenever a doorbell rings (a FIFO next to the database, written to whenever one of the locks
is let go) and at least every millisecond; the next waiter gets in as soon as the holder is done.
Like SQLite's own wait, a turn is given up after the busy timeout: the request then fails with
:class:`DatabaseBusy` (503) instead of waiting for ever. Locks held by a process that dies are let
go by the kernel; a lost ring costs a waiter at most a millisecond.

PostgreSQL needs none of this: its transactions wait on row locks, in order.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import stat
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from api.db.engine import BUSY_TIMEOUT_MS

# How often a waiter tries again when no doorbell rang.
POLL_SECONDS = 0.001
TIMEOUT_SECONDS = BUSY_TIMEOUT_MS / 1000
_TURN = "writer_turn"
_CLAIMED = "writer_turn_claimed"


class DatabaseBusy(Exception):
    """No turn came within the busy timeout: the database is overloaded."""


class WriterTurns:
    """One worker's place in the queue of writers to one SQLite database file."""

    def __init__(self, database_file: Path) -> None:
        # Open for the life of the process: an app may be started and stopped more than once
        # (tests do), and a closed descriptor's number could be reused by another file.
        self._threads = threading.Lock()
        self._turn = _open(f"{database_file}.turns")
        self._next = _open(f"{database_file}.turns.next")
        self._bell = _doorbell(f"{database_file}.turns.bell")

    def take(self, timeout: float = TIMEOUT_SECONDS, *, claimed: bool = False) -> None:
        """Wait for this worker's turn, then for the database's; :class:`DatabaseBusy` when
        neither came within ``timeout`` seconds. ``claimed``: the worker's turn is held already
        (:meth:`claim`)."""
        deadline = time.monotonic() + timeout
        if not claimed and not self._threads.acquire(timeout=timeout):
            raise DatabaseBusy
        try:
            self._lock(self._next, deadline)
            try:
                self._lock(self._turn, deadline)
            finally:
                fcntl.flock(self._next, fcntl.LOCK_UN)
                self._ring()
        except BaseException:
            if not claimed:
                self._threads.release()
            raise

    def give_back(self, *, claimed: bool = False) -> None:
        """Let the next writer in (``claimed``: keep the worker's turn, see :meth:`claim`)."""
        fcntl.flock(self._turn, fcntl.LOCK_UN)
        self._ring()
        if not claimed:
            self._threads.release()

    def claim(self, session: Session) -> bool:
        """Take this worker's turn for ``session``'s transactions now, if no other thread of
        the worker holds it; False when one does. Until :meth:`unclaim`, the session's
        transactions wait only for the other workers, and no other thread of this worker starts
        one. This lets code that must not wait for this worker's other threads (the event
        loop, which some of them need to finish) use the database."""
        if not self._threads.acquire(blocking=False):
            return False
        session.info[_CLAIMED] = True
        return True

    def unclaim(self, session: Session) -> None:
        """End :meth:`claim`; ``session`` must have no transaction open."""
        if session.in_transaction():
            raise RuntimeError("a claimed session's transaction must end before the claim")
        del session.info[_CLAIMED]
        self._threads.release()

    def attach(self, sessions: sessionmaker[Session]) -> None:
        """Make every root transaction of ``sessions`` hold a turn while it lasts."""

        def created(session: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is None:
                try:
                    self.take(claimed=_CLAIMED in session.info)
                except DatabaseBusy:
                    # Left open, the transaction would hold no turn, and a query the session
                    # ran next would run in it, outside the queue: end it, so that the next
                    # use begins a transaction of its own, which waits for its turn again.
                    transaction.close()
                    raise
                session.info[_TURN] = transaction

        def ended(session: Session, transaction: SessionTransaction) -> None:
            if session.info.get(_TURN) is transaction:
                del session.info[_TURN]
                self.give_back(claimed=_CLAIMED in session.info)

        event.listen(sessions, "after_transaction_create", created)
        event.listen(sessions, "after_transaction_end", ended)

    def _lock(self, file: int, deadline: float) -> None:
        """Lock ``file`` exclusively, trying again at each ring; :class:`DatabaseBusy` after the
        deadline."""
        while True:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DatabaseBusy from None
                ringing, _, _ = select.select([self._bell], [], [], min(remaining, POLL_SECONDS))
                if ringing:
                    with contextlib.suppress(BlockingIOError):  # another waiter heard it first
                        os.read(self._bell, 4096)

    def _ring(self) -> None:
        with contextlib.suppress(BlockingIOError):  # full: plenty of rings are waiting already
            os.write(self._bell, b"\0")


def _open(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


def _doorbell(path: str) -> int:
    """The FIFO at ``path`` (made if missing), open for both ringing and listening."""
    with contextlib.suppress(FileExistsError):
        os.mkfifo(path, 0o600)
    # Read and write at once, so that opening never waits for the other end (Linux allows it).
    bell = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISFIFO(os.fstat(bell).st_mode):
        os.close(bell)
        raise RuntimeError(f"{path} exists and is no FIFO: remove it")
    return bell


def request_sessions(engine: Engine, turns: WriterTurns | None) -> sessionmaker[Session]:
    """The session factory for request transactions, taking ``turns`` when there are any."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    if turns is not None:
        turns.attach(sessions)
    return sessions


def writer_turns(engine: Engine) -> WriterTurns | None:
    """This worker's turns at ``engine``'s database when it is a SQLite file, else None."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return WriterTurns(Path(url.database))
    return None
