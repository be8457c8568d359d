"""The planner's scenario runs: the scenarios on offer, uploads, runs started here, comparisons.

Runs go through the service's :class:`~api.scenario_runner.RunRegistry` (one at a time per
worker process, in the background, stored in the database); the pages list the newest runs,
whichever worker or route started them, and compare finished ones.

An uploaded scenario must use the sample network or the live one (``network: {live: true}``, the
shelters the service stores, read when the run starts): a network file named in an upload would
be a path on the server, and a planner's browser has no business naming files there.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from api.scenario_files import (
    LoadedScenario,
    Network,
    ScenarioFileError,
    load_scenario,
    read_scenario,
    resolve,
)
from api.scenario_runner import RunRegistry, ScenarioRun
from engine.simulation.stats import paired_difference
from models.errors import InputProblem, InvalidInput
from models.scenario import ScenarioTranslation, Titles, titles_in
from models.scenario_result import (
    DEMAND,
    KPI_DESCRIPTIONS,
    LOWER_IS_BETTER,
    Difference,
    ScenarioResult,
)

log = logging.getLogger(__name__)

# Runs listed on the planner page, newest first.
REMEMBERED = 50
# An uploaded scenario file is a page of YAML; anything much larger is a mistake.
MAX_UPLOAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Offered:
    """A shipped scenario file: its key (file stem) and what it says about itself."""

    key: str
    name: str
    description: str
    horizon_days: int
    replications: int
    translations: dict[str, ScenarioTranslation] = field(default_factory=dict)

    def titles(self, language: str) -> Titles:
        """The name and description for a reader of ``language``."""
        return titles_in(self.name, self.description, self.translations, language)


class RunBook:
    """The planner pages' view of the service's runs."""

    def __init__(self, registry: RunRegistry) -> None:
        self.registry = registry

    def start(
        self,
        session: Session,
        loaded: LoadedScenario,
        replications: int,
        compare: bool,
        now: datetime,
    ) -> ScenarioRun:
        """Store a run in the request's transaction; it starts when that commits."""
        run = self.registry.start(
            session, loaded, replications=replications, compare=compare, now=now
        )
        log.info("scenario run %s started (%d replications)", run.id, replications)
        return run

    def recent(self, session: Session) -> list[ScenarioRun]:
        """The newest runs, newest first (without their results)."""
        return self.registry.recent(session, REMEMBERED)

    def get(self, session: Session, run_id: str) -> ScenarioRun | None:
        """A run by id, with its result once done."""
        return self.registry.get(session, run_id)


def offered(directory: Path) -> list[Offered]:
    """The scenario files in ``directory`` that can be run, by file name without its suffix, so
    that a scenario comes before its variants (``baseline`` before ``baseline-added-capacity``)
    and the page's first choice is the plain one.

    A broken file is left out and logged by its name (a scenario holds no person), so that one
    bad file never takes the page down for every planner.
    """
    found: list[Offered] = []
    for path in sorted(directory.glob("*.yaml"), key=lambda path: path.stem):
        try:
            scenario = read_scenario(path)
            if not scenario.network.live:  # the live network is read when a run starts
                resolve(path, scenario)
        except ScenarioFileError:
            log.warning("scenario file %s does not validate; not offered", path.name)
            continue
        found.append(
            Offered(
                key=path.stem,
                name=scenario.name,
                description=scenario.description,
                horizon_days=scenario.horizon_days,
                replications=scenario.replications,
                translations=dict(scenario.translations),
            )
        )
    return found


def load_offered(directory: Path, key: str, live: Callable[[], Network]) -> LoadedScenario:
    """The shipped scenario ``key``; only the names of the folder's files are accepted (nothing
    that could point elsewhere), and a problem names the file, not where it lies on the server.
    ``live`` reads the live network, for a scenario on it."""
    if key not in {path.stem for path in directory.glob("*.yaml")}:
        raise InvalidInput([InputProblem("scenario", f"no scenario '{key}'")])
    path = directory / f"{key}.yaml"
    try:
        return load_scenario(path, live)
    except ScenarioFileError as invalid:
        raise InvalidInput(invalid.named(path.name)) from None


def load_upload(
    directory: Path, content: bytes, name: str, live: Callable[[], Network]
) -> LoadedScenario:
    """Load an uploaded scenario; it must use the sample network or the live one (read by
    ``live``; :class:`InvalidInput` otherwise, or when it is too large or invalid, its problems
    naming the file ``name``).

    The scenario files' reader reads files, so the upload is written under ``directory`` for
    the moment it takes and removed again (a run keeps what it needs in memory); problems name
    the file as the planner knows it, never the server's path.
    """
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput([InputProblem("upload", f"larger than {MAX_UPLOAD_BYTES} bytes")])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"upload-{secrets.token_hex(8)}.yaml"
    path.write_bytes(content)
    try:
        scenario = read_scenario(path)
        if scenario.network.file is not None:
            problem = InputProblem(
                "network.file", "an uploaded scenario must use the sample or the live network"
            )
            raise ScenarioFileError(path, [problem])
        return resolve(path, scenario, live)
    except ScenarioFileError as invalid:
        raise InvalidInput(invalid.named(name)) from None
    finally:
        path.unlink()


@dataclass(frozen=True)
class Compared:
    """One KPI across runs: each run's mean, and each later run's paired difference to the
    first (None when the runs did not use the same seeds, so no pairing is possible)."""

    kpi: str
    share: bool
    means: list[float]
    differences: list[Difference | None]
    lower_is_better: bool
    demand: bool  # a difference is more or fewer people, neither better nor worse
    at_limit: list[bool]  # a wait that is the give-up limit itself, not a measured one
    tested: bool  # more than one replication: a difference can be held against the noise


def compare(results: Sequence[ScenarioResult]) -> list[Compared]:
    """Every KPI of ``results`` side by side, with paired differences to the first result."""
    first = results[0]
    seeds = [r.seed for r in first.per_replication]
    rows: list[Compared] = []
    for kpi in KPI_DESCRIPTIONS:
        if not all(kpi in result.kpis for result in results):
            continue
        differences: list[Difference | None] = []
        for other in results[1:]:
            if [r.seed for r in other.per_replication] != seeds:
                differences.append(None)
                continue
            differences.append(
                paired_difference(
                    [r.values[kpi] for r in first.per_replication],
                    [r.values[kpi] for r in other.per_replication],
                )
            )
        rows.append(
            Compared(
                kpi=kpi,
                share=kpi.endswith("_share"),
                means=[result.kpis[kpi].mean for result in results],
                differences=differences,
                lower_is_better=kpi in LOWER_IS_BETTER,
                demand=kpi in DEMAND,
                at_limit=[result.at_give_up_limit(kpi) for result in results],
                tested=len(seeds) > 1,
            )
        )
    return rows
