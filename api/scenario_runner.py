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
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, cast

from pydantic import TypeAdapter
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from api import disclosure
from api.db.session import Database
from api.db.tables import ScenarioRunRow
from api.logs import fault_site
from api.scenario_files import LoadedScenario
from engine.simulation.replicate import Progress as ProgressCallback
from engine.simulation.runner import run_scenario
from models.scenario import Scenario, ScenarioTranslation, Titles, titles_in
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
        holiday_intake=loaded.holiday_intake,
    )


class SchedulerUnreachable(Exception):
    """No Dask scheduler could be reached at the address given; ``malformed`` when the address
    is none at all (a mistake in the input), not one where nobody answered."""

    def __init__(self, message: str, *, malformed: bool = False) -> None:
        super().__init__(message)
        self.malformed = malformed


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

    if isinstance(address, Client):
        client = address
    else:
        try:
            client = Client(address)  # type: ignore[no-untyped-call]
        except ValueError as error:  # no address at all ("missing port number", ...)
            raise SchedulerUnreachable(
                f"not a scheduler's address: {error}", malformed=True
            ) from None
        except (OSError, TimeoutError) as error:
            raise SchedulerUnreachable(f"no scheduler answers at {address}: {error}") from None
    try:
        return run_scenario(
            _seeded(loaded, seed),
            loaded.shelters,
            loaded.kinds,
            replications=replications,
            compare=compare,
            progress=progress,
            executor=client.get_executor(),  # type: ignore[no-untyped-call]
            holiday_intake=loaded.holiday_intake,
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
# A run reports every finished replication; its row is written at most this often.
PROGRESS_SECONDS = 0.5
# The process running a run touches its row this often, queued or running, to show it is alive;
# a queued or running run untouched for ORPHAN_SECONDS belongs to a process that is gone.
HEARTBEAT_SECONDS = 20.0
ORPHAN_SECONDS = 120.0
ORPHANED = "the service process running it stopped; start the run again"
# A run's translations as stored in its row.
_TRANSLATIONS = TypeAdapter(dict[str, ScenarioTranslation])


@dataclass(frozen=True)
class ScenarioRun:
    """A run as stored when it was read: state, progress, its start and, once done, its result."""

    id: str
    scenario: str
    state: RunState
    done: int
    total: int
    error: str | None
    replications: int
    started: datetime
    result: ScenarioResult | None
    description: str = ""
    translations: dict[str, ScenarioTranslation] = field(default_factory=dict)

    def titles(self, language: str) -> Titles:
        """The scenario's name and description for a reader of ``language`` (the scenario's own
        in runs stored before translations were kept)."""
        return titles_in(self.scenario, self.description, self.translations, language)

    def status(self) -> dict[str, object]:
        """What a status route returns: state, progress and the error, never the result."""
        return {
            "id": self.id,
            "scenario": self.scenario,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "error": self.error,
        }


class RunRegistry:
    """Background scenario runs, kept in the database (``scenario_runs``).

    A run executes in a thread of the worker process that accepted it (replications in a process
    pool, one run at a time per process), and writes its state, progress and aggregate result to
    its row; so any worker of the service can answer for any run. While it is queued or running,
    its process touches the row every ``HEARTBEAT_SECONDS``; a run whose process is gone (the
    server was restarted, or killed) reads as failed instead of running for ever.
    """

    def __init__(self, database: Database, workers: int = 2) -> None:
        self.database = database
        self.workers = workers
        self._one_at_a_time = threading.Semaphore(1)
        # This registry's runs, by a token of its own (a process id could come back after a
        # restart and claim runs that died with the process before it).
        self._owner = uuid.uuid4().hex
        self._active = 0
        self._active_lock = threading.Lock()

    def start(
        self,
        session: Session,
        loaded: LoadedScenario,
        replications: int | None = None,
        compare: bool = True,
        now: datetime | None = None,
    ) -> ScenarioRun:
        """Store a new run in ``session``'s transaction and return it (queued); it starts in the
        background once that transaction commits, and never if it rolls back.

        A request passes its own transaction: on SQLite a second one would wait for the write
        lock that the request holds until it ends.
        """
        moment = now if now is not None else datetime.now(UTC)
        count = replications if replications is not None else loaded.scenario.replications
        row = ScenarioRunRow(
            id=uuid.uuid4().hex,
            scenario=loaded.scenario.name,
            description=loaded.scenario.description,
            translations=_TRANSLATIONS.dump_json(dict(loaded.scenario.translations)).decode(),
            state="queued",
            done=0,
            total=0,
            replications=count,
            owner=self._owner,
            started_at=moment,
            # The wall clock, as the heartbeat's: ``now`` may be a request's (test) clock.
            updated_at=datetime.now(UTC),
        )
        session.add(row)
        run = _run_of(row, result=None)

        def begin(_session: Session) -> None:
            with self._active_lock:
                self._active += 1
                if self._active == 1:
                    threading.Thread(target=self._heartbeat, daemon=True).start()
            thread = threading.Thread(
                target=self._execute, args=(run.id, loaded, count, compare), daemon=True
            )
            thread.start()

        event.listen(session, "after_commit", begin, once=True)
        return run

    def get(self, session: Session, run_id: str) -> ScenarioRun | None:
        """The run with this id as stored now, with its result when done; None if unknown."""
        row = session.get(ScenarioRunRow, run_id, populate_existing=True)
        if row is None:
            return None
        result = None if row.result is None else ScenarioResult.model_validate_json(row.result)
        return _as_now(row, result)

    def recent(self, session: Session, limit: int) -> list[ScenarioRun]:
        """The newest ``limit`` runs, newest first, without their results."""
        query = (
            select(ScenarioRunRow)
            .order_by(ScenarioRunRow.started_at.desc(), ScenarioRunRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [_as_now(row, None) for row in session.scalars(query)]

    def _heartbeat(self) -> None:
        """Touch this registry's queued and running runs until none is left."""
        while True:
            with self._active_lock:
                if self._active == 0:
                    return
            touch = (
                update(ScenarioRunRow)
                .where(
                    ScenarioRunRow.owner == self._owner,
                    ScenarioRunRow.state.in_(("queued", "running")),
                )
                .values(updated_at=datetime.now(UTC))
            )
            with self.database.session() as session:
                session.execute(touch)
            time.sleep(HEARTBEAT_SECONDS)

    def _execute(self, run_id: str, loaded: LoadedScenario, count: int, compare: bool) -> None:
        try:
            self._run(run_id, loaded, count, compare)
        finally:
            with self._active_lock:
                self._active -= 1

    def _run(self, run_id: str, loaded: LoadedScenario, count: int, compare: bool) -> None:
        with self._one_at_a_time:
            self._write(run_id, state="running")
            written = 0.0

            def progress(done: int, total: int) -> None:
                nonlocal written
                if done < total and time.monotonic() - written < PROGRESS_SECONDS:
                    return
                written = time.monotonic()
                self._write(run_id, done=done, total=total)

            try:
                result = run_local(
                    loaded,
                    replications=count,
                    workers=self.workers,
                    compare=compare,
                    progress=progress,
                )
            except Exception as exc:  # a failed run is reported by its status, never lost
                # By type and line: a live run's message could quote the stored network.
                log.error("scenario run %s failed: %s", run_id, fault_site(exc))
                self._write(run_id, state="failed", error=f"{type(exc).__name__}: {exc}"[:500])
                return
            if loaded.live_at is not None:
                # Only the aggregates are stored; the snapshot goes with this thread.
                result = disclosure.live_scenario_result(result, loaded.live_at)
            self._write(run_id, state="done", result=result.model_dump_json())

    def _write(self, run_id: str, **values: object) -> None:
        change = (
            update(ScenarioRunRow)
            .where(ScenarioRunRow.id == run_id)
            .values(**values, updated_at=datetime.now(UTC))
        )
        with self.database.session() as session:
            session.execute(change)


def _as_now(row: ScenarioRunRow, result: ScenarioResult | None) -> ScenarioRun:
    """The stored run, failed if its process stopped touching it while it was unfinished."""
    run = _run_of(row, result)
    silent = (datetime.now(UTC) - row.updated_at).total_seconds()
    if run.state in ("queued", "running") and silent > ORPHAN_SECONDS:
        return replace(run, state="failed", error=ORPHANED)
    return run


def _run_of(row: ScenarioRunRow, result: ScenarioResult | None) -> ScenarioRun:
    return ScenarioRun(
        id=row.id,
        scenario=row.scenario,
        state=cast(RunState, row.state),
        done=row.done,
        total=row.total,
        error=row.error,
        replications=row.replications,
        started=row.started_at,
        result=result,
        description=row.description or "",
        translations={}
        if row.translations is None
        else _TRANSLATIONS.validate_json(row.translations),
    )
