"""Where a ranking runs: one at a time per worker, in the order asked, on the event loop when
it can have the database at once, else in a worker thread.

A ranking is all CPU but for one short transaction, and a worker process is one core. Run in
worker threads side by side, rankings only take turns for Python's interpreter lock, each
switch delaying the one among them that holds the database, and every thread hop costs CPU of
its own. So rankings queue for the worker's lane, first come first served, and the one whose
turn it is runs on the event loop itself, start to end, whenever that cannot wait for anything
the event loop must do first: on SQLite, when no other thread of this worker holds the worker's
writer turn (:meth:`api.writer_turns.WriterTurns.claim`; a thread may hold it with its
transaction open, waiting for the event loop to commit it). It then waits only for the other
workers' transactions, which never wait for this worker's event loop. Otherwise, and always on
PostgreSQL, where any transaction of this worker could hold a lock the ranking's audit row needs
while it waits for the event loop to commit, the ranking runs in a worker thread.

The price: while a ranking on the event loop waits for the database, its worker answers nothing
else, not even ``/healthz``. Other workers' transactions are short, so that wait is too; only
another process holding SQLite's write lock for long (a large ``safeplace retention run``) makes
it longer, up to the busy timeout, and then every request needing the database would wait anyway.

Measured with 20 desks on two workers (SQLite, 2026-12-06): rankings each in a thread of its
own, as before the lane: p99 55.5-116 ms at 375-527 req/s; in a thread, one at a time: 47.7-103
ms at 456-625 req/s (five alternating pairs of 5 s runs, better in every pair). On the event
loop whenever the turn was free, but in the order the event loop happened to take up the
connections: 450-757 against 379-491 req/s for the thread (five more pairs), yet some desks'
rankings kept coming last (a desk averaging 49 ms while the others averaged 39-42). Taken in
the order asked: every desk's mean equal within 1 ms, p99 36-54 ms at 486-668 req/s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from anyio import CapacityLimiter, to_thread
from sqlalchemy.orm import Session

from api.writer_turns import WriterTurns

T = TypeVar("T")


@dataclass(frozen=True)
class RankingLane:
    """One worker's way of running rankings (see the module's docstring)."""

    queue: CapacityLimiter  # one ranking at a time, first come first served
    turns: WriterTurns | None

    @classmethod
    def for_worker(cls, turns: WriterTurns | None) -> RankingLane:
        """The lane of a worker whose SQLite writer turns are ``turns`` (None: PostgreSQL)."""
        return cls(CapacityLimiter(1), turns)

    async def run(self, session: Session, work: Callable[[], T]) -> T:
        """``work()``, which uses ``session`` for its transaction, once the rankings asked for
        before it are done: on the event loop if that can have the database at once, else in a
        worker thread. On the event loop a transaction that ``work`` leaves open is rolled back
        before the claim on the database ends."""
        async with self.queue:
            if self.turns is not None and self.turns.claim(session):
                try:
                    return work()
                finally:
                    try:
                        if session.in_transaction():
                            session.rollback()
                    finally:
                        self.turns.unclaim(session)
            return await to_thread.run_sync(work)
