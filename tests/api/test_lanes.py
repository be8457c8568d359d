"""Rankings read in groups sharing one transaction, one group at a time per worker, in the order
asked: on the event loop when the database can be had at once, else in a worker thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from api.db.session import Database
from api.lanes import RankingLane
from api.problems import ProblemError
from api.writer_turns import WriterTurns, request_sessions, writer_turns
from tests.api.databases import empty_database


@dataclass
class Worker:
    """One worker's lane and session factory on a database with a ``probe`` table."""

    lane: RankingLane
    turns: WriterTurns | None
    sessions: sessionmaker[Session]
    database: Database

    def probes(self) -> list[int]:
        """The numbers written to ``probe`` and committed, in order."""
        with self.database.engine.connect() as connection:
            return list(connection.execute(text("SELECT n FROM probe ORDER BY n")).scalars())


@pytest.fixture(params=["sqlite", "postgresql"])
def worker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Worker]:
    for url in empty_database(request.param, tmp_path):
        database = Database.for_url(url)
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (n INTEGER)"))
        turns = writer_turns(database.engine)
        sessions = request_sessions(database.engine, turns)
        yield Worker(RankingLane(sessions, turns), turns, sessions, database)
        database.dispose()


@dataclass
class Reads:
    """Stand-ins for ranking reads: each writes its number to ``probe``, and records where it
    ran and in which session."""

    threads: dict[int, threading.Thread] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)

    def read(self, number: int, session: Session) -> int:
        session.execute(text("INSERT INTO probe (n) VALUES (:n)"), {"n": number})
        self.threads[number] = threading.current_thread()
        self.sessions[number] = session
        return number * 10

    def groups(self) -> list[list[int]]:
        """The numbers read, grouped by the session (so the transaction) they shared."""
        grouped: dict[int, list[int]] = {}
        for number, session in self.sessions.items():
            grouped.setdefault(id(session), []).append(number)
        return list(grouped.values())


def read_all(lane: RankingLane, reads: list[Callable[[Session], int]]) -> list[int | str]:
    """Ask ``lane`` for every read at once, in order; each one's result, or its failure's text."""
    results: list[int | str] = [""] * len(reads)

    async def ask(index: int) -> None:
        try:
            results[index] = await lane.read(reads[index])
        except Exception as failure:
            results[index] = f"{type(failure).__name__}: {failure}"

    async def main() -> None:
        async with anyio.create_task_group() as desks:
            for index in range(len(reads)):
                desks.start_soon(ask, index)

    anyio.run(main)
    return results


def numbered(reads: Reads, numbers: range) -> list[Callable[[Session], int]]:
    return [partial(reads.read, number) for number in numbers]


def test_rankings_asked_together_share_transactions_in_order_at_most_a_group_each(
    worker: Worker,
) -> None:
    worker.lane = RankingLane(worker.sessions, worker.turns, group_size=4)
    reads = Reads()
    results = read_all(worker.lane, numbered(reads, range(1, 11)))
    assert results == [number * 10 for number in range(1, 11)]
    assert reads.groups() == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert worker.probes() == list(range(1, 11))  # every group committed


def test_on_sqlite_a_group_reads_on_the_event_loop_when_the_turn_is_free(worker: Worker) -> None:
    reads = Reads()
    loop_thread = threading.current_thread()  # anyio.run runs the loop in this thread
    read_all(worker.lane, numbered(reads, range(1, 2)))
    ran_on_loop = reads.threads[1] is loop_thread
    assert ran_on_loop == (worker.turns is not None)  # PostgreSQL: always in a worker thread


def test_a_group_goes_to_a_worker_thread_while_a_thread_of_the_worker_holds_the_turn(
    worker: Worker,
) -> None:
    reads = Reads()
    with worker.sessions() as other:
        other.execute(text("SELECT 1"))  # a transaction of this worker, open
        holder = threading.Thread(target=other.commit)
        # In its thread the group waits for the open transaction (SQLite); the commit lets it in.
        timer = threading.Timer(0.1, holder.start)
        timer.start()
        try:
            read_all(worker.lane, numbered(reads, range(1, 2)))
        finally:
            timer.join()
            holder.join()
    assert reads.threads[1] is not threading.current_thread()
    assert worker.probes() == [1]


def test_a_refused_read_keeps_its_own_writes_and_the_others_go_on(worker: Worker) -> None:
    reads = Reads()

    def refused(session: Session) -> int:
        reads.read(2, session)  # as a refused ranking writes its audit row
        raise ProblemError(404, "no referral 'two'")

    results = read_all(
        worker.lane, [*numbered(reads, range(1, 2)), refused, *numbered(reads, range(3, 4))]
    )
    assert results == [10, "ProblemError: no referral 'two'", 30]
    assert reads.groups() == [[1, 2, 3]]
    assert worker.probes() == [1, 2, 3]


def test_any_other_failure_rolls_the_group_back_and_fails_every_read_of_it(
    worker: Worker,
) -> None:
    reads = Reads()

    def broken(session: Session) -> int:
        reads.read(2, session)
        raise ValueError("broken")

    results = read_all(
        worker.lane, [*numbered(reads, range(1, 2)), broken, *numbered(reads, range(3, 4))]
    )
    assert results == ["ValueError: broken"] * 2 + ["ValueError: broken"]
    assert reads.groups() == [[1, 2]]  # the third never read
    assert worker.probes() == []
    # The transaction ended and the turn is free: the lane, and the worker, go on.
    assert read_all(worker.lane, numbered(reads, range(4, 5))) == [40]
    with worker.sessions() as other:
        other.execute(text("SELECT 1"))
        other.commit()
    assert worker.probes() == [4]


def test_a_group_that_cannot_begin_fails_every_read_of_it_and_the_lane_goes_on(
    worker: Worker,
) -> None:
    reads = Reads()
    failures = iter([ConnectionError("no session")])

    def sessions() -> Session:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return worker.sessions()

    worker.lane = RankingLane(sessions, worker.turns)
    results = read_all(worker.lane, numbered(reads, range(1, 3)))
    assert results == ["ConnectionError: no session"] * 2
    assert read_all(worker.lane, numbered(reads, range(3, 4))) == [30]
    assert worker.probes() == [3]


def test_a_read_cancelled_while_waiting_for_its_group_is_not_made(worker: Worker) -> None:
    worker.lane = RankingLane(worker.sessions, None)  # every group in a worker thread
    reads = Reads()
    answered = answers_with_one_cancelled(worker.lane, reads, joins_first_group=False)
    assert sorted(answered) == [10, 30]
    assert reads.groups() == [[1], [3]]
    assert worker.probes() == [1, 3]


def test_a_read_cancelled_while_its_group_reads_is_made_all_the_same(worker: Worker) -> None:
    worker.lane = RankingLane(worker.sessions, None)  # every group in a worker thread
    reads = Reads()
    answered = answers_with_one_cancelled(worker.lane, reads, joins_first_group=True)
    assert sorted(answered) == [10, 30]
    assert reads.groups() == [[1, 2, 3]]
    assert worker.probes() == [1, 2, 3]


def answers_with_one_cancelled(
    lane: RankingLane, reads: Reads, *, joins_first_group: bool
) -> list[int]:
    """Ask ``lane`` for reads 1 (held up until released), 2 and 3, and cancel 2 while the first
    group reads; what was answered. ``joins_first_group``: 2 and 3 are asked together with 1,
    so the first group holds all three; else only once that group reads, so they wait."""
    reading, may_end = threading.Event(), threading.Event()

    def first(session: Session) -> int:
        reading.set()
        may_end.wait(10)
        return reads.read(1, session)

    async def main() -> list[int]:
        answered: list[int] = []

        async def ask(read: Callable[[Session], int]) -> None:
            answered.append(await lane.read(read))

        async with anyio.create_task_group() as desks:
            desks.start_soon(ask, first)
            if not joins_first_group:
                await anyio.to_thread.run_sync(reading.wait)
            cancelled = anyio.CancelScope()
            desks.start_soon(asked_then_cancelled, lane, reads, cancelled)
            desks.start_soon(ask, partial(reads.read, 3))
            await anyio.to_thread.run_sync(reading.wait)
            await anyio.sleep(0.05)  # 2 and 3 wait: for their group, or in it
            cancelled.cancel()
            may_end.set()
        return answered

    return anyio.run(main)


async def asked_then_cancelled(lane: RankingLane, reads: Reads, scope: anyio.CancelScope) -> None:
    with scope:
        await lane.read(lambda session: reads.read(2, session))


def test_a_leader_cancelled_before_its_group_hands_the_lead_on(worker: Worker) -> None:
    reads = Reads()

    async def main() -> list[int]:
        answered: list[int] = []
        leader = anyio.CancelScope()

        async def follow() -> None:
            answered.append(await worker.lane.read(lambda session: reads.read(2, session)))

        async with anyio.create_task_group() as desks:
            desks.start_soon(asked_then_cancelled_lead, worker.lane, reads, leader)
            desks.start_soon(follow)
            await anyio.lowlevel.checkpoint()  # the leader waits for its group to gather
            leader.cancel()
        return answered

    assert anyio.run(main) == [20]
    assert 1 not in reads.sessions
    assert worker.probes() == [2]


async def asked_then_cancelled_lead(
    lane: RankingLane, reads: Reads, scope: anyio.CancelScope
) -> None:
    with scope:
        await lane.read(lambda session: reads.read(1, session))
