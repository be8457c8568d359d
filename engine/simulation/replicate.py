"""Replications in parallel processes, with a progress callback, and the greedy comparison.

A :class:`Job` is everything one replication needs, all of it picklable, so the same function runs
in this process, in a process pool (spawn-safe: nothing relies on forked state) or on a Dask
cluster (``api.scenario_runner``). Replication ``i`` of a scenario uses seed ``scenario.seed + i``,
so two scenarios run with the same seed meet the same people (common random numbers).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import pickle
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from engine.simulation.kpis import ReplicationOutcome
from engine.simulation.run import Prepared, prepare, simulate
from models.scenario import Policy, Scenario
from models.shelter import Shelter

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
GREEDY = Policy(kind="greedy")
# Prepared scenarios kept per worker process, so its replications share one timeline.
_CACHE_SIZE = 4
_prepared: dict[str, Prepared] = {}


@dataclass(frozen=True)
class Job:
    """One replication: the scenario, its network (shelters, their kinds, those keeping their
    intake hours on public holidays), the seed and (optionally) another policy."""

    scenario: Scenario
    shelters: tuple[Shelter, ...]
    kinds: tuple[tuple[str, str], ...]
    seed: int
    policy: Policy | None = None
    check: bool = False
    holiday_intake: tuple[str, ...] = ()


def jobs_for(
    scenario: Scenario,
    shelters: Sequence[Shelter],
    kinds: dict[str, str],
    replications: int,
    *,
    policy: Policy | None = None,
    check: bool = False,
    holiday_intake: Collection[str] = (),
) -> list[Job]:
    """The jobs of ``replications`` replications (seeds ``scenario.seed + i``)."""
    return [
        Job(
            scenario,
            tuple(shelters),
            tuple(sorted(kinds.items())),
            scenario.seed + i,
            policy,
            check,
            tuple(sorted(holiday_intake)),
        )
        for i in range(replications)
    ]


def run_job(job: Job) -> ReplicationOutcome:
    """Run one replication (in whatever process this is called)."""
    # The whole network is in the key: a live network keeps its ids while its places change.
    network = (job.shelters, job.kinds, job.holiday_intake)
    key = job.scenario.model_dump_json() + "|" + hashlib.sha256(pickle.dumps(network)).hexdigest()
    prepared = _prepared.get(key)
    if prepared is None:
        if len(_prepared) >= _CACHE_SIZE:
            _prepared.clear()
        prepared = prepare(job.scenario, job.shelters, dict(job.kinds), job.holiday_intake)
        _prepared[key] = prepared
    return simulate(prepared, job.seed, policy=job.policy, check=job.check)


def run_jobs(
    jobs: Sequence[Job],
    *,
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> list[ReplicationOutcome]:
    """Run jobs in order of their results' use: in this process, a given executor, or a pool.

    ``workers`` > 1 starts a spawn-context process pool of that size; ``progress(done, total)`` is
    called after every finished replication.
    """
    total = len(jobs)
    if executor is None and (workers <= 1 or total <= 1):
        outcomes = []
        for done, job in enumerate(jobs, start=1):
            outcomes.append(run_job(job))
            if progress is not None:
                progress(done, total)
        return outcomes
    if executor is not None:
        return _gather(executor, jobs, progress)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, total), mp_context=context) as pool:
        return _gather(pool, jobs, progress)


def _gather(
    executor: Executor, jobs: Sequence[Job], progress: Progress | None
) -> list[ReplicationOutcome]:
    futures = {executor.submit(run_job, job): number for number, job in enumerate(jobs)}
    results: dict[int, ReplicationOutcome] = {}
    for done, future in enumerate(as_completed(futures), start=1):
        results[futures[future]] = future.result()
        if progress is not None:
            progress(done, len(jobs))
    return [results[number] for number in range(len(jobs))]
