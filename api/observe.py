"""What is observed of each request: one access-log line and the latency histograms.

Both are keyed by the route template and the status, never by the raw path or a body, so neither
the logs nor ``/metrics`` hold anything about a person. With several worker processes each keeps
its own histograms, and a scrape would see whichever worker answered it; so ``safeplace serve
--workers N`` turns on prometheus_client's multiprocess mode (:func:`shared_across_workers`), and
``/metrics`` adds up all workers.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.middleware import request_id, route_template

logger = logging.getLogger("api.access")

# Latency buckets from 2.5 ms to 30 s: rankings are milliseconds, plans up to the time limit.
BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = Histogram(
    "safeplace_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status.",
    ["method", "route", "status"],
    buckets=BUCKETS,
)
SOLVER_SECONDS = Histogram(
    "safeplace_solver_duration_seconds",
    "Time the engine spent on a ranking or a plan.",
    ["kind"],
    buckets=BUCKETS,
)

SolverKind = Literal["ranking", "plan"]
# Any other method a client sends is counted as OTHER, so labels stay a small fixed set.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@contextmanager
def solver_timer(kind: SolverKind) -> Iterator[None]:
    """Observe the engine's time for one ranking or plan."""
    start = time.perf_counter()
    try:
        yield
    finally:
        SOLVER_SECONDS.labels(kind=kind).observe(time.perf_counter() - start)


# prometheus_client's switch to multiprocess mode: a folder where each process keeps its values.
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_across_workers(var_dir: Path) -> Iterator[None]:
    """While the block runs, worker processes started in it share their metrics.

    Sets ``PROMETHEUS_MULTIPROC_DIR`` to a new folder ``var_dir/metrics/<pid>`` before the
    workers start (they read it when they import prometheus_client), and removes the folder
    afterwards. Folders left by servers that no longer run are removed first, so old counts are
    never added in. A folder set by the operator is used as it is.
    """
    if MULTIPROCESS in os.environ:
        yield
        return
    parent = var_dir / "metrics"
    parent.mkdir(parents=True, exist_ok=True)
    for folder in parent.iterdir():
        if folder.name.isdigit() and not _running(int(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)
    own = parent / str(os.getpid())
    shutil.rmtree(own, ignore_errors=True)
    own.mkdir()
    os.environ[MULTIPROCESS] = str(own)
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS]
        shutil.rmtree(own, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, and their content type."""
    if MULTIPROCESS in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class Observe:
    """Times every HTTP request and writes one access-log line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            elapsed = time.perf_counter() - start
            method = str(scope.get("method", ""))
            method = method if method in _METHODS else "OTHER"
            route = route_template(scope)
            REQUEST_SECONDS.labels(method=method, route=route, status=str(status)).observe(elapsed)
            logger.info(
                "%s %s %d %.1f ms request=%s",
                method,
                route,
                status,
                elapsed * 1000,
                request_id(scope),
            )
