"""How rankings read the database: in groups sharing one transaction, one group at a time per
worker, in the order asked; on SQLite on the event loop when it can have the database at once.

A ranking is all CPU but for one short transaction: check the caller in, read the referral and
the places taken, and write the audit row. On SQLite every transaction holds the one write lock
of the database, for both workers, and its commit waits for the disk (``synchronous=FULL``):
with 20 desks that lock was busy 80-90 % of the time, about 2.4 ms per ranking, and it set the
pace. So the rankings that are waiting when a group starts (at most :data:`GROUP_SIZE`) read in
one transaction: one writer turn and one commit for all of them. Each still writes its own audit
row (or its refusal's), in the transaction of its read. Measured sequentially, a group of two
holds the lock 0.76 ms per ranking against 1.27 ms for a ranking alone.

A group's reads run one after another, and only the reading: each ranking is computed by its
own request afterwards, once the group has committed, so no answer leaves before its audit row
is stored. A refusal (no such referral, not waiting, an inactive user) only adds its own row to
the shared transaction, since its read changed nothing (:meth:`api.deps.Caller.refuse`); any
other failure rolls the whole group back, and every ranking of it fails with that error.

The oldest waiting ranking leads the next group. On SQLite the group reads on the event loop
itself whenever that cannot wait for anything the event loop must do first: when no other
thread of this worker holds the worker's writer turn (:meth:`api.writer_turns.WriterTurns.claim`;
a thread may hold it with its transaction open, waiting for the event loop to commit it). It then
waits only for the other workers' transactions, which never wait for this worker's event loop.
Otherwise, and always on PostgreSQL, the group reads in a worker thread. (Before audit rows were
appended at commit, a transaction of this worker could hold the audit chain's lock while it
waited for the event loop to commit it. Now nothing does, but reading on the event loop on
PostgreSQL, where each statement waits for the database server, was measured on 2026-12-06 and
gained nothing: 457-498 against 475-611 req/s in three alternating pairs.)

The price: while a group on the event loop waits for the database, its worker answers nothing
else, not even ``/healthz``. Other workers' transactions are short, so that wait is too; only
another process holding SQLite's write lock for long (a large ``safeplace retention run``) makes
it longer, up to the busy timeout, and then every request needing the database would wait anyway.

Measured with 20 desks on two workers (SQLite, 2026-12-06), before groups: rankings each in a
thread of its own, p99 55.5-116 ms at 375-527 req/s; in a thread, one at a time: 47.7-103 ms at
456-625 req/s (five alternating pairs of 5 s runs, better in every pair). On the event loop
whenever the turn was free, but in the order the event loop happened to take up the connections:
450-757 against 379-491 req/s for the thread (five more pairs), yet some desks' rankings kept
coming last (a desk averaging 49 ms while the others averaged 39-42). Taken in the order asked:
every desk's mean equal within 1 ms, p99 36-54 ms at 486-668 req/s.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from anyio import CancelScope, Event, to_thread
from anyio.lowlevel import checkpoint
from sqlalchemy.orm import Session

from api.problems import ProblemError
from api.writer_turns import WriterTurns

T = TypeVar("T")

# The most rankings one transaction reads for: the other worker waits for all of them.
GROUP_SIZE = 8


@dataclass(eq=False)
class _Ask(Generic[T]):
    """One ranking's read, waiting in the lane; ``woken`` when it is answered or is to lead."""

    read: Callable[[Session], T]
    woken: Event = field(default_factory=Event)
    leads: bool = False
    answered: bool = False
    result: T | None = None
    failure: BaseException | None = None

    def outcome(self) -> T:
        """What the read returned, or its failure raised."""
        if self.failure is not None:
            raise self.failure
        return self.result  # type: ignore[return-value]  # answered without failure: set


class RankingLane:
    """One worker's queue of ranking reads (see the module's docstring)."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        turns: WriterTurns | None,
        group_size: int = GROUP_SIZE,
    ) -> None:
        self._sessions = sessions
        self._turns = turns
        self._group_size = group_size
        self._waiting: deque[_Ask[Any]] = deque()
        self._leading = False  # a group is reading, or its next leader is woken

    async def read(self, read: Callable[[Session], T]) -> T:
        """``read(session)`` in a transaction shared with the rankings waiting next to it, once
        the groups asked for before are done; what it returned, after the commit.

        ``read`` may raise :class:`ProblemError` only having written nothing but its own audit
        row: the transaction goes on for the rest of the group.
        """
        ask: _Ask[T] = _Ask(read)
        self._waiting.append(ask)
        if self._leading:
            try:
                await ask.woken.wait()
            except BaseException:
                self._withdraw(ask)
                raise
        if not ask.answered:
            self._leading = ask.leads = True
            try:
                await checkpoint()  # the rankings the event loop has started join this group
            except BaseException:
                self._withdraw(ask)
                raise
            await self._lead()
        return ask.outcome()

    async def _lead(self) -> None:
        """Answer the oldest waiting reads (this leader's first) as one group, then wake the
        next leader. Shielded: once it started, the group is answered even if this leader's
        request is cancelled, and someone always leads the rest."""
        count = min(len(self._waiting), self._group_size)
        group = [self._waiting.popleft() for _ in range(count)]
        with CancelScope(shield=True):
            try:
                session = self._sessions()
                if self._turns is not None and self._turns.claim(session):
                    try:
                        _answer(session, group)
                    finally:
                        self._turns.unclaim(session)
                else:
                    await to_thread.run_sync(_answer, session, group)
            except BaseException as failure:
                for ask in group:  # nothing of the group was committed
                    ask.result, ask.failure = None, failure
                raise
            finally:
                for ask in group:
                    ask.answered = True
                    ask.woken.set()
                self._pass_on()

    def _withdraw(self, ask: _Ask[Any]) -> None:
        """Forget a cancelled ask that still waits for its group; if it was woken to lead, wake
        the next one instead. (One whose group is reading already is answered all the same.)"""
        if ask not in self._waiting:
            return
        self._waiting.remove(ask)
        if ask.leads:
            self._pass_on()

    def _pass_on(self) -> None:
        if self._waiting:
            leader = self._waiting[0]
            leader.leads = True
            leader.woken.set()
        else:
            self._leading = False


def _answer(session: Session, group: list[_Ask[Any]]) -> None:
    """Every read of ``group`` in one transaction of ``session``, committed; the session is
    closed after, its transaction ended whatever happened."""
    try:
        for ask in group:
            try:
                ask.result = ask.read(session)
            except ProblemError as refusal:
                ask.failure = refusal
        session.commit()
    finally:
        session.close()
