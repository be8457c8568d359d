"""Run a whole scenario: its replications, the greedy baseline on the same seeds, the result.

This is the one call the command line, the Dask runner and (later) the service make; how the
replications are spread over processes or machines is the caller's choice of ``executor``.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import Executor

from engine.simulation.aggregate import aggregate
from engine.simulation.network import build_network
from engine.simulation.replicate import GREEDY, Progress, jobs_for, run_jobs
from models.scenario import Scenario
from models.scenario_result import ScenarioResult
from models.shelter import Shelter


def run_scenario(
    scenario: Scenario,
    shelters: Sequence[Shelter],
    kinds: Mapping[str, str],
    *,
    replications: int | None = None,
    workers: int = 1,
    compare: bool = True,
    progress: Progress | None = None,
    executor: Executor | None = None,
    check: bool = False,
    holiday_intake: Collection[str] = (),
) -> ScenarioResult:
    """All replications of ``scenario`` (and, with ``compare``, of greedy on the same seeds).

    ``replications`` overrides the scenario's count; ``check`` asserts conservation every hour;
    ``holiday_intake`` names the shelters keeping their intake hours on public holidays.
    """
    count = replications or scenario.replications
    started = time.perf_counter()
    holidays = tuple(sorted(holiday_intake))
    jobs = jobs_for(scenario, shelters, dict(kinds), count, check=check, holiday_intake=holidays)
    with_greedy = compare and scenario.policy.kind != "greedy"
    if with_greedy:
        jobs += jobs_for(
            scenario, shelters, dict(kinds), count, policy=GREEDY, check=check,
            holiday_intake=holidays,
        )  # fmt: skip
    outcomes = run_jobs(jobs, workers=workers, progress=progress, executor=executor)
    return aggregate(
        scenario,
        build_network(scenario, shelters, kinds, holidays),
        outcomes[:count],
        outcomes[count:] if with_greedy else None,
        elapsed_seconds=time.perf_counter() - started,
    )
