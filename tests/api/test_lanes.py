"""Rankings take the worker's lane one at a time, in order: on the event loop when the database
can be had at once, else in a worker thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import anyio
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.db.session import Database
from api.lanes import RankingLane
from api.writer_turns import WriterTurns, request_sessions, writer_turns
from tests.api.databases import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def lane_and_sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[RankingLane, WriterTurns | None, Session, Session]]:
    for url in empty_database(request.param, tmp_path):
        database = Database.for_url(url)
        turns = writer_turns(database.engine)
        sessions = request_sessions(database.engine, turns)
        with sessions() as ranking, sessions() as other:
            yield RankingLane.for_worker(turns), turns, ranking, other
        database.dispose()


def where_it_ran(lane: RankingLane, session: Session) -> threading.Thread:
    """Run a one-query ranking stand-in through ``lane``; the thread it ran in."""
    ran_in: list[threading.Thread] = []

    def work() -> None:
        session.execute(text("SELECT 1"))
        session.commit()
        ran_in.append(threading.current_thread())

    async def main() -> threading.Thread:
        await lane.run(session, work)
        return threading.current_thread()

    loop_thread = anyio.run(main)
    return loop_thread if ran_in == [loop_thread] else ran_in[0]


def test_on_sqlite_a_ranking_runs_on_the_event_loop_when_the_turn_is_free(
    lane_and_sessions: tuple[RankingLane, WriterTurns | None, Session, Session],
) -> None:
    lane, turns, ranking, _ = lane_and_sessions
    ran_on_loop = where_it_ran(lane, ranking) is threading.current_thread()
    assert ran_on_loop == (turns is not None)  # PostgreSQL: always in a worker thread


def test_a_ranking_goes_to_a_worker_thread_while_a_thread_of_the_worker_holds_the_turn(
    lane_and_sessions: tuple[RankingLane, WriterTurns | None, Session, Session],
) -> None:
    lane, _, ranking, other = lane_and_sessions
    other.execute(text("SELECT 1"))  # a transaction of this worker, open
    holder = threading.Thread(target=other.commit)
    # In its thread the ranking waits for the open transaction (SQLite); the commit lets it in.
    timer = threading.Timer(0.1, holder.start)
    timer.start()
    try:
        assert where_it_ran(lane, ranking) is not threading.current_thread()
    finally:
        timer.join()
        holder.join()


def test_on_the_event_loop_a_transaction_left_open_is_rolled_back(
    lane_and_sessions: tuple[RankingLane, WriterTurns | None, Session, Session],
) -> None:
    lane, turns, ranking, other = lane_and_sessions

    def fails_midway() -> None:
        ranking.execute(text("SELECT 1"))
        raise ValueError("refused")

    async def main() -> None:
        await lane.run(ranking, fails_midway)

    with pytest.raises(ValueError, match="refused"):
        anyio.run(main)
    if turns is not None:  # ran on the event loop: ended there, the worker's turn is free
        assert not ranking.in_transaction()
        other.execute(text("SELECT 1"))
        other.commit()


def test_rankings_take_the_lane_one_at_a_time_in_the_order_asked(
    lane_and_sessions: tuple[RankingLane, WriterTurns | None, Session, Session],
) -> None:
    lane, _, ranking, _ = lane_and_sessions
    began: list[int] = []
    running = 0

    def work(number: int) -> None:
        nonlocal running
        running += 1
        began.append(number if running == 1 else -number)
        time.sleep(0.01)
        running -= 1

    async def main() -> None:
        async with anyio.create_task_group() as desks:
            for number in range(1, 7):
                desks.start_soon(lane.run, ranking, partial(work, number))
                await anyio.sleep(0.001)  # asked one after another

    anyio.run(main)
    assert began == [1, 2, 3, 4, 5, 6]
