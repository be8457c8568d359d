"""One year of national demand, 20 replications, on two worker processes: target <= 30 s.

The shipped baseline scenario (about 1,000 arrivals in the measured year, 1,150 over the 425
simulated days with the warm-up) runs through the same entry point as ``safeplace scenario run``,
with every placement made by the engine's ranking. Before the timed run one replication is
checked for conservation, so a fast simulation that loses people cannot pass; the greedy
comparison (twice the work) is timed separately.

Run with ``pytest benchmarks/test_bench_simulation.py --benchmark-only``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from api.scenario_files import LoadedScenario, load_scenario
from engine.simulation.run import prepare, simulate
from engine.simulation.runner import run_scenario
from models.scenario_result import ScenarioResult

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
REPLICATIONS = 20
WORKERS = 2


@pytest.fixture(scope="module")
def baseline() -> LoadedScenario:
    loaded = load_scenario(BASELINE)
    checked = simulate(prepare(loaded.scenario, loaded.shelters, loaded.kinds), 1, check=True)
    assert 900 <= checked.values["arrivals"] <= 1200
    return loaded


def _run(loaded: LoadedScenario, compare: bool) -> ScenarioResult:
    return run_scenario(
        loaded.scenario,
        loaded.shelters,
        loaded.kinds,
        replications=REPLICATIONS,
        workers=WORKERS,
        compare=compare,
    )


def test_one_year_twenty_replications(
    benchmark: BenchmarkFixture, baseline: LoadedScenario
) -> None:
    result = benchmark.pedantic(_run, args=(baseline, False), rounds=1, iterations=1)  # type: ignore[no-untyped-call]
    assert result.replications == REPLICATIONS
    placed = result.kpis["placed_share"]
    print(  # the number to record
        f"\n{REPLICATIONS} replications x {result.kpis['arrivals'].mean:.0f} arrivals: "
        f"{result.elapsed_seconds:.1f} s; placed {100 * placed.mean:.1f} % "
        f"({100 * placed.low:.1f}-{100 * placed.high:.1f})"
    )


@pytest.mark.skipif(importlib.util.find_spec("engine.solve") is None, reason="no engine.solve yet")
def test_with_the_greedy_comparison(benchmark: BenchmarkFixture, baseline: LoadedScenario) -> None:
    result = benchmark.pedantic(_run, args=(baseline, True), rounds=1, iterations=1)  # type: ignore[no-untyped-call]
    assert result.comparison is not None
    print(f"\nwith greedy on the same seeds: {result.elapsed_seconds:.1f} s")
