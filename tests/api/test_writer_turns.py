"""SQLite writers take turns: one at a time across threads and processes, never waiting for ever."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text

from api.writer_turns import DatabaseBusy, WriterTurns, request_sessions, writer_turns
from tests.api.helpers import Api, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(f"sqlite:///{tmp_path / 'safeplace.db'}", tmp_path / "var") as running:
        yield running


def test_one_turn_at_a_time_across_workers(tmp_path: Path) -> None:
    database = tmp_path / "safeplace.db"
    first, second = WriterTurns(database), WriterTurns(database)  # as two worker processes
    first.take()
    with pytest.raises(DatabaseBusy):
        second.take(timeout=0.05)
    first.give_back()
    second.take(timeout=0.05)
    second.give_back()


def test_a_waiting_writer_gets_in_as_soon_as_the_holder_is_done(tmp_path: Path) -> None:
    turns = WriterTurns(tmp_path / "safeplace.db")
    turns.take()
    waited: list[float] = []

    def next_writer() -> None:
        started = time.monotonic()
        turns.take(timeout=5)
        waited.append(time.monotonic() - started)
        turns.give_back()

    thread = threading.Thread(target=next_writer)
    thread.start()
    time.sleep(0.2)
    turns.give_back()
    thread.join(timeout=5)
    # It got in after the holder let go, and long before its own time limit ran out (the bound
    # leaves a busy machine room to schedule the thread; the doorbell itself takes a millisecond).
    assert 0.2 <= waited[0] < 1.0


def test_busy_workers_take_turns(tmp_path: Path) -> None:
    """While both workers have writers waiting, the database goes to each worker in turn: a
    worker whose transaction ends does not take it again before the other worker's waiter."""
    database = tmp_path / "safeplace.db"
    order: list[str] = []

    def writers_of(turns: WriterTurns, worker: str) -> None:
        for _ in range(20):
            turns.take(timeout=5)
            order.append(worker)
            time.sleep(0.002)
            turns.give_back()

    workers = [(WriterTurns(database), name) for name in ("A", "B")]
    threads = [
        threading.Thread(target=writers_of, args=(turns, name))
        for turns, name in workers
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    switches = sum(1 for before, after in itertools.pairwise(order) if before != after)
    assert len(order) == 80
    assert switches >= 70, "".join(order)


def test_a_turn_lasts_as_long_as_the_transaction(api: Api) -> None:
    sessions = request_sessions(api.database.engine, writer_turns(api.database.engine))
    other_worker = WriterTurns(Path(str(api.database.engine.url.database)))
    with sessions() as session:
        session.execute(text("SELECT 1"))
        with pytest.raises(DatabaseBusy):
            other_worker.take(timeout=0.05)
        session.commit()
        other_worker.take(timeout=0.05)
        other_worker.give_back()


def test_an_overloaded_database_is_a_503_problem(api: Api) -> None:
    def overloaded() -> None:
        raise DatabaseBusy

    api.app.add_api_route("/overloaded", overloaded)
    response = api.client.get("/overloaded")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"


def test_a_claim_keeps_the_workers_other_threads_out_until_it_ends(api: Api) -> None:
    engine = api.database.engine
    turns = writer_turns(engine)
    assert turns is not None
    sessions = request_sessions(engine, turns)
    other_worker = WriterTurns(Path(str(engine.url.database)))
    with sessions() as claimed, sessions() as other_thread:
        assert turns.claim(claimed)
        claimed.execute(text("SELECT 1"))  # its transaction takes the database's turn
        with pytest.raises(DatabaseBusy):
            other_worker.take(timeout=0.05)
        claimed.commit()  # the database is free again, for the other workers
        other_worker.take(timeout=0.05)
        other_worker.give_back()
        # ...but not for this worker's other threads, until the claim ends
        with pytest.raises(DatabaseBusy):
            turns.take(timeout=0.05)
        claimed.execute(text("SELECT 1"))
        with pytest.raises(RuntimeError):
            turns.unclaim(claimed)  # a transaction is still open
        claimed.rollback()
        turns.unclaim(claimed)
        other_thread.execute(text("SELECT 1"))
        # a thread in a transaction: no claim until it ends
        assert not turns.claim(claimed)
        other_thread.commit()
        assert turns.claim(claimed)
        turns.unclaim(claimed)


def test_a_transaction_refused_its_turn_ends_and_the_next_one_waits_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = api.database.engine
    turns = writer_turns(engine)
    assert turns is not None
    monkeypatch.setattr(turns, "take", partial(WriterTurns.take, turns, 0.05))
    sessions = request_sessions(engine, turns)
    other_worker = WriterTurns(Path(str(engine.url.database)))
    other_worker.take()
    with sessions() as session:
        with pytest.raises(DatabaseBusy):
            session.execute(text("SELECT 1"))
        assert not session.in_transaction()  # no transaction left behind without a turn
        with pytest.raises(DatabaseBusy):  # the next use waits for its turn again
            session.execute(text("SELECT 1"))
        other_worker.give_back()
        session.execute(text("SELECT 1"))  # ...and gets it once the holder is done
        with pytest.raises(DatabaseBusy):
            other_worker.take(timeout=0.05)
        session.commit()
    other_worker.take(timeout=0.05)
    other_worker.give_back()
