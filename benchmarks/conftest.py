"""Benchmark instances, built once per session and outside the timed code, and a summary of what
every benchmark measured besides time, shown at the end of the run.

pytest-benchmark's table shows times only, and ``extra_info`` (engine against greedy, gaps to the
bounds, latency percentiles, holds per second) reaches only a ``--benchmark-json`` file. Printed
from inside a test it would be swallowed by output capture, so each benchmark's ``extra_info`` is
collected after it ran and written in the terminal summary, one block per benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from instances import network

from models.instance import Instance
from models.sample import sample_instance


@pytest.fixture(scope="session")
def sample_150() -> Instance:
    """The shipped sample network with 150 waiting victims."""
    return sample_instance(victims=150, seed=1)


@pytest.fixture(scope="session")
def families_500() -> Instance:
    """500 x 200 with families and case groups that must not share a shelter."""
    return network(500, 200, seed=1, families=True, groups=True)


@pytest.fixture(scope="session")
def transport_5000() -> Instance:
    """5,000 x 2,000, one place each and no avoid pairs: the min-cost flow case."""
    return network(5000, 2000, seed=1)


@pytest.fixture(scope="session")
def families_5000() -> Instance:
    """5,000 x 2,000 with families and case groups."""
    return network(5000, 2000, seed=1, families=True, groups=True)


# Node id -> the ``extra_info`` of each benchmark that ran, in the order they ran.
_MEASURED: dict[str, dict[str, Any]] = {}


@pytest.fixture(autouse=True)
def _collect_extra_info(request: pytest.FixtureRequest) -> Iterator[None]:
    """Keep a benchmark's ``extra_info`` for the summary once the benchmark has run."""
    if "benchmark" not in request.fixturenames:
        yield
        return
    # Asked for before the test runs, so that it is still there (torn down after this) below.
    benchmark = request.getfixturevalue("benchmark")
    yield
    if benchmark.extra_info:
        _MEASURED[request.node.nodeid] = dict(benchmark.extra_info)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What each benchmark measured besides time: engine vs greedy, gaps, latencies, rates."""
    if not _MEASURED:
        return
    terminalreporter.section("measured besides time (extra_info)")
    for nodeid, extra_info in _MEASURED.items():
        terminalreporter.write_line(nodeid)
        for line in summary_lines(extra_info):
            terminalreporter.write_line(f"    {line}")


def summary_lines(extra_info: dict[str, Any]) -> list[str]:
    """One line per nested result (``engine``, ``greedy``) and one for the plain values."""
    plain = [f"{key}={value}" for key, value in extra_info.items() if not isinstance(value, dict)]
    lines = [
        f"{key}: " + ", ".join(f"{name}={value}" for name, value in value.items())
        for key, value in extra_info.items()
        if isinstance(value, dict)
    ]
    return lines + ([", ".join(plain)] if plain else [])
