"""``/scenario-runs``: planners run a shipped capacity scenario in the background and read its
aggregate result. A run never touches the ledger and its result holds no person and no shelter
address: only KPIs, per police unit and per profile. A scenario on the live network
(``network: {live: true}``) reads the stored shelters when it starts (:mod:`api.live`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from api import disclosure, live
from api.deps import Caller, allow
from api.problems import FieldError, ProblemError, invalid_field, responses
from api.routes.common import ON_OBJECT
from api.scenario_files import ScenarioFileError, load_scenario
from api.scenario_runner import RunRegistry, ScenarioRun
from api.schemas import RequestModel, ResponseModel
from models.scenario import replications_problem
from models.scenario_result import ScenarioResult

router = APIRouter(prefix="/scenario-runs", tags=["scenario-runs"])

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ScenarioRunCreate(RequestModel):
    """Which shipped scenario to run (the file name without ``.yaml``), and how often."""

    scenario: Annotated[str, Field(pattern=_NAME.pattern, examples=["regional-shortage"])]
    replications: Annotated[int, Field(ge=1, le=100)] | None = None
    compare: bool = True


class ScenarioRunPublic(ResponseModel):
    """State and progress of a run; the result is read separately once ``state`` is done."""

    id: str
    scenario: str
    state: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    error: str | None


def _registry(request: Request) -> RunRegistry:
    registry: RunRegistry = request.app.state.scenario_runs
    return registry


def _scenarios_dir(request: Request) -> Path:
    return Path(request.app.state.settings.scenarios_dir)


def _run(registry: RunRegistry, caller: Caller, run_id: str) -> ScenarioRun:
    run = registry.get(caller.session, run_id)
    if run is None:
        raise ProblemError(404, f"no scenario run '{run_id}'")
    return run


@router.post("", status_code=202, responses=responses(400, 401, 403, 404, 413, 422))
def start_run(
    body: ScenarioRunCreate,
    request: Request,
    caller: Annotated[Caller, Depends(allow("planner"))],
) -> ScenarioRunPublic:
    """Start a shipped scenario in the background; poll ``GET /scenario-runs/{id}``. Role:
    planner."""
    folder = _scenarios_dir(request)
    path = folder / f"{body.scenario}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise ProblemError(404, f"no scenario '{body.scenario}'; shipped: {', '.join(known)}")
    reader = live.Reader(caller)
    try:
        loaded = load_scenario(path, reader)
    except ScenarioFileError as exc:
        # Field paths within the file; where the file lies on the server is none of the caller's.
        errors = [FieldError(path=p.path, message=p.message) for p in exc.fields]
        invalid = ProblemError(422, f"scenario '{body.scenario}' is invalid", errors=errors)
        raise reader.refused(invalid) from None
    if body.replications is not None:
        too_many = replications_problem(loaded.scenario, body.replications)
        if too_many is not None:
            raise reader.refused(invalid_field("replications", too_many))
    run = _registry(request).start(
        caller.session, loaded, replications=body.replications, compare=body.compare
    )
    return ScenarioRunPublic.model_validate(run.status())


@router.get("/{run_id}", responses=ON_OBJECT)
def read_run(
    run_id: str,
    request: Request,
    caller: Annotated[Caller, Depends(allow("planner"))],
) -> ScenarioRunPublic:
    """State and progress of a run. Role: planner."""
    return ScenarioRunPublic.model_validate(_run(_registry(request), caller, run_id).status())


@router.get("/{run_id}/result", responses=responses(401, 403, 404, 409, 422))
def read_result(
    run_id: str,
    request: Request,
    caller: Annotated[Caller, Depends(allow("planner"))],
) -> ScenarioResult:
    """The aggregate KPIs of a finished run. Role: planner.

    No person is in a result; the shelters' map positions are left out too, since planners never
    see where a shelter is.
    """
    run = _run(_registry(request), caller, run_id)
    if run.result is None:
        raise ProblemError(409, f"scenario run '{run_id}' is {run.state}, not done", code=run.state)
    return disclosure.scenario_result(run.result)
