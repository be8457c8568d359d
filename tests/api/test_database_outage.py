"""A database that stops answering: requests fail fast with 503 instead of hanging."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from api.db.engine import make_engine
from tests.api.helpers import running_api


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and then never says a word, like a hung server."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_connection_to_a_silent_server_gives_up(silent_server: int) -> None:
    engine = make_engine(f"postgresql://nobody@127.0.0.1:{silent_server}/test", connect_timeout=1)
    failures: list[BaseException] = []

    def connect() -> None:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as failure:
            failures.append(failure)

    attempt = threading.Thread(target=connect, daemon=True)
    attempt.start()
    # Without a connect timeout the attempt waits for an answer that never comes; the join's
    # bound only keeps this test from waiting with it.
    attempt.join(timeout=60)
    engine.dispose()
    assert not attempt.is_alive()
    assert len(failures) == 1


def test_a_pool_with_no_free_connection_is_a_503_problem(tmp_path: Path) -> None:
    def exhausted() -> None:
        raise PoolTimeout("QueuePool limit reached")

    with running_api(f"sqlite:///{tmp_path / 'safeplace.db'}", tmp_path / "var") as api:
        api.app.add_api_route("/exhausted", exhausted)
        response = api.client.get("/exhausted")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
