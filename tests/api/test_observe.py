"""``/metrics`` with several worker processes: every scrape adds up all of them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from api.observe import MULTIPROCESS, shared_across_workers
from tests.api import server
from tests.api.databases import sqlite_url
from tests.api.server import Server

HEALTH_COUNT = re.compile(
    r'^safeplace_http_request_duration_seconds_count\{method="GET",route="/healthz",'
    r'status="200"\} (\d+(?:\.\d+)?)$',
    re.MULTILINE,
)
REQUESTS = 30


@pytest.fixture
def no_shared_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROCESS, raising=False)


@pytest.mark.usefixtures("no_shared_folder")
def test_the_shared_folder_is_new_and_removed_with_the_server(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics"
    stale = metrics / "999999999"  # no such process
    stale.mkdir(parents=True)
    (stale / "histogram_1.db").write_bytes(b"old counts")
    live = metrics / str(os.getppid())
    live.mkdir()
    with shared_across_workers(tmp_path):
        folder = Path(os.environ[MULTIPROCESS])
        assert folder == metrics / str(os.getpid())
        assert folder.is_dir()
        assert list(folder.iterdir()) == []
        assert not stale.exists()
        assert live.exists()
    assert MULTIPROCESS not in os.environ
    assert not folder.exists()


def test_a_folder_set_by_the_operator_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "chosen"
    monkeypatch.setenv(MULTIPROCESS, str(chosen))
    with shared_across_workers(tmp_path):
        assert os.environ[MULTIPROCESS] == str(chosen)
    assert os.environ[MULTIPROCESS] == str(chosen)
    assert not (tmp_path / "metrics").exists()


@pytest.fixture
def served(tmp_path: Path, no_shared_folder: None) -> Iterator[Server]:
    """``safeplace serve --workers 2`` on a new SQLite database."""
    var_dir = tmp_path / "var"
    with server.running(sqlite_url(tmp_path), var_dir, workers=2, through_serve=True) as running:
        yield running
    assert not any((var_dir / "metrics").iterdir()), "the shared folder outlived the server"


def test_every_scrape_counts_the_requests_of_both_workers(served: Server) -> None:
    before = _health_count(served)
    for _ in range(REQUESTS):
        # A new connection each time, so that both workers answer some of them.
        assert httpx2.get(f"{served.url}/healthz", timeout=10).status_code == 200
    for _ in range(5):
        assert _health_count(served) == before + REQUESTS


def _health_count(server: Server) -> int:
    text = httpx2.get(f"{server.url}/metrics", timeout=10).text
    found = HEALTH_COUNT.search(text)
    return int(float(found.group(1))) if found else 0
