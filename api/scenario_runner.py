"""Run scenarios: locally in a process pool with a progress bar, on a Dask cluster, or in the
background for the service.

The engine runs replications through any ``concurrent.futures`` executor; this module only
chooses one. For sweeps beyond one machine, ``dask.distributed.Client(address)`` supplies an
executor whose workers run exactly the same replication function, so a cluster result equals the
local one. :class:`RunRegistry` lets a route start a run and poll its status and (aggregate)
result without blocking a request.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.scenario_files import LoadedScenario
from engine.simulation.replicate import Progress as ProgressCallback
from engine.simulation.runner import run_scenario
from models.scenario import Scenario
from models.scenario_result import ScenarioResult

if TYPE_CHECKING:
    from dask.distributed import Client

log = logging.getLogger(__name__)


def run_local(
    loaded: LoadedScenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 2,
    compare: bool = True,
    progress: ProgressCallback | None = None,
) -> ScenarioResult:
    """All replications in a local process pool (``workers`` processes)."""
    return run_scenario(
        _seeded(loaded, seed),
        loaded.shelters,
        loaded.kinds,
        replications=replications,
        workers=workers,
        compare=compare,
        progress=progress,
    )


def run_dask(
    loaded: LoadedScenario,
    address: str | Client,
    *,
    replications: int | None = None,
    seed: int | None = None,
    compare: bool = True,
    progress: ProgressCallback | None = None,
) -> ScenarioResult:
    """All replications on the Dask cluster whose scheduler is at ``address``.

    ``address`` may also be a running ``dask.distributed.Client`` (tests pass a LocalCluster's).
    """
    from dask.distributed import Client  # only sweeps beyond one machine need Dask

    client = address if isinstance(address, Client) else Client(address)  # type: ignore[no-untyped-call]
    try:
        return run_scenario(
            _seeded(loaded, seed),
            loaded.shelters,
            loaded.kinds,
            replications=replications,
            compare=compare,
            progress=progress,
            executor=client.get_executor(),  # type: ignore[no-untyped-call]
        )
    finally:
        if client is not address:
            client.close()  # type: ignore[no-untyped-call]


def _seeded(loaded: LoadedScenario, seed: int | None) -> Scenario:
    """The scenario, with its seed replaced when the command line gives one."""
    return loaded.scenario if seed is None else loaded.scenario.model_copy(update={"seed": seed})


@contextmanager
def progress_bar(label: str, console: Console | None = None) -> Iterator[ProgressCallback]:
    """A rich progress bar on stderr, as a ``progress(done, total)`` callback."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


RunState = Literal["queued", "running", "done", "failed"]


@dataclass
class ScenarioRun:
    """A run in the background: its state, progress and (when done) its aggregate result.

    The worker thread changes it and request handlers read it, so every access takes its lock.
    """

    id: str
    scenario: str
    state: RunState = "queued"
    done: int = 0
    total: int = 0
    result: ScenarioResult | None = None
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def status(self) -> dict[str, object]:
        """What a status route returns: state, progress and the error, never the result."""
        with self.lock:
            return {
                "id": self.id,
                "scenario": self.scenario,
                "state": self.state,
                "done": self.done,
                "total": self.total,
                "error": self.error,
            }

    def progress(self, done: int, total: int) -> None:
        """Record progress (the engine's ``progress(done, total)`` callback)."""
        with self.lock:
            self.done, self.total = done, total

    def finish(self, state: RunState, result: ScenarioResult | None, error: str | None) -> None:
        """Record the end (or the start, with state ``running``) of the run."""
        with self.lock:
            self.state, self.result, self.error = state, result, error


class RunRegistry:
    """Background scenario runs by id, for a service route to start and poll.

    Runs execute one at a time in a worker thread each (replications in a process pool), so a
    planner's request returns at once with an id.
    """

    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self._runs: dict[str, ScenarioRun] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Semaphore(1)

    def start(
        self, loaded: LoadedScenario, replications: int | None = None, compare: bool = True
    ) -> ScenarioRun:
        """Start a run in the background and return its handle at once."""
        run = ScenarioRun(id=uuid.uuid4().hex, scenario=loaded.scenario.name)
        with self._lock:
            self._runs[run.id] = run
        thread = threading.Thread(
            target=self._execute, args=(run, loaded, replications, compare), daemon=True
        )
        thread.start()
        return run

    def get(self, run_id: str) -> ScenarioRun | None:
        """The run with this id, if there is one."""
        with self._lock:
            return self._runs.get(run_id)

    def _execute(
        self,
        run: ScenarioRun,
        loaded: LoadedScenario,
        replications: int | None,
        compare: bool,
    ) -> None:
        with self._one_at_a_time:
            run.finish("running", None, None)
            try:
                result = run_local(
                    loaded,
                    replications=replications,
                    workers=self.workers,
                    compare=compare,
                    progress=run.progress,
                )
            except Exception as exc:  # a failed run is reported by its status, never lost
                log.exception("scenario run %s failed", run.id)
                run.finish("failed", None, f"{type(exc).__name__}: {exc}")
                return
            run.finish("done", result, None)
