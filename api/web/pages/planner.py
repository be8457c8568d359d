"""The planner's pages: pick or upload a scenario, run it in the background with progress, read
and download its report, and compare runs.

Runs are aggregates only (no person, no shelter address), so nothing here touches the audit
trail. Who may run scenarios is the planner role, checked with the API's own ``allow``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import UploadFile

from api import disclosure, live
from api.deps import Caller, allow
from api.problems import ProblemError
from api.scenario_runner import ScenarioRun
from api.web.access import Form, Visitor, page_router, redirect
from api.web.forms import FieldProblem, whole_number
from api.web.i18n import language_of
from api.web.render import secure
from api.web.report import render_report
from api.web.runs import MAX_UPLOAD_BYTES, compare, load_offered, load_upload, offered
from api.web.state import web_state
from models.errors import InvalidInput
from models.scenario import most_replications, replications_problem
from models.scenario_result import KPI_DESCRIPTIONS, ScenarioResult

router = page_router()


def planner(request: Request, caller: Visitor) -> Caller:
    """The visitor, if a planner: the check the API's scenario runs are for (``allow``)."""
    return allow("planner").check(request, caller)


Planner = Annotated[Caller, Depends(planner)]

# Replications a run from the page may ask for: enough for intervals, few enough to wait for.
MOST_REPLICATIONS = 50
# The report stands alone: its own inline styles and drawings, nothing loaded from anywhere.
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


@router.get("/planner")
def planner_page(request: Request, caller: Planner) -> Response:
    """The scenarios on offer, the run form, and the runs started so far."""
    return _page(request, caller, [], 200)


@router.post("/planner/runs")
def start_run(request: Request, caller: Planner, form: Form) -> Response:
    """Start the chosen or uploaded scenario in the background and show its progress."""
    web = web_state(request)
    asked = str(form.get("replications") or "").strip()
    fields: list[FieldProblem] = []
    replications = _replications(asked, fields)
    upload = form.get("upload")
    reader = live.Reader(caller)
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            content = upload.file.read(MAX_UPLOAD_BYTES + 1)
            loaded = load_upload(web.uploads, content, upload.filename, reader)
        else:
            loaded = load_offered(web.scenarios, str(form.get("scenario") or ""), reader)
    except InvalidInput as invalid:
        problems = [str(problem) for problem in invalid.problems]
        _refused(reader)
        return _page(request, caller, problems, 422, fields=fields, asked=asked)
    if replications is not None and replications_problem(loaded.scenario, replications):
        most = str(most_replications(loaded.scenario))
        fields.append(FieldProblem("replications", "at_most", most))
    if fields:
        _refused(reader)
        return _page(request, caller, [], 422, fields=fields, asked=asked)
    count = replications or loaded.scenario.replications
    run = web.runs.start(
        caller.session, loaded, count, form.get("compare") == "yes", datetime.now(UTC)
    )
    return redirect(f"/planner/runs/{run.id}")


@router.get("/planner/runs/{run_id}")
def run_page(request: Request, run_id: str, caller: Planner) -> Response:
    """A run: its progress while it runs, its key figures and report once done."""
    run = _run(request, caller, run_id)
    result = run.result
    kpis = (
        []
        if result is None
        else [(k, result.kpis[k]) for k in KPI_DESCRIPTIONS if k in result.kpis]
    )
    context = {"run": run, "status": run.status(), "result": result, "kpis": kpis}
    return web_state(request).pages.render(request, "run.html", context)


@router.get("/planner/runs/{run_id}/status")
def run_status(request: Request, run_id: str, caller: Planner) -> Response:
    """The run's state and progress, for the page's script to show."""
    return secure(JSONResponse(_run(request, caller, run_id).status()))


@router.get("/planner/runs/{run_id}/report")
def report(request: Request, run_id: str, caller: Planner, download: bool = False) -> Response:
    """The run's self-contained HTML report, to read or to download."""
    result = _result(request, caller, run_id)
    response = HTMLResponse(render_report(result, language_of(request)))
    if download:
        name = f"{_slug(result.scenario)}.html"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return secure(response, REPORT_POLICY)


@router.get("/planner/runs/{run_id}/result.json")
def result_json(request: Request, run_id: str, caller: Planner) -> Response:
    """The run's aggregate result as JSON, as ``safeplace scenario run`` writes it."""
    result = _result(request, caller, run_id)
    response = Response(result.model_dump_json(indent=2), media_type="application/json")
    name = f"{_slug(result.scenario)}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return secure(response)


@router.get("/planner/compare")
def compare_page(
    request: Request, caller: Planner, run: Annotated[list[str] | None, Query()] = None
) -> Response:
    """Finished runs side by side, with paired differences where they share their seeds."""
    chosen = [_run(request, caller, run_id) for run_id in dict.fromkeys(run or [])]
    done = [item for item in chosen if item.result is not None]
    results = [item.result for item in done if item.result is not None]
    context = {"runs": done, "rows": compare(results) if len(results) >= 2 else []}
    return web_state(request).pages.render(request, "compare.html", context)


def _page(
    request: Request,
    caller: Caller,
    problems: list[str],
    status: int,
    *,
    fields: list[FieldProblem] | None = None,
    asked: str = "",
) -> Response:
    """The planner's page, with the problems of a scenario that could not be run (in English,
    as the scenario file is written) and of the form's own fields (``asked``: the replications
    as typed, shown again)."""
    web = web_state(request)
    fields = fields or []
    context = {
        "offered": offered(web.scenarios),
        "runs": web.runs.recent(caller.session),
        "problems": problems,
        "fields": fields,
        "problem_fields": {problem.field for problem in fields},
        "asked": asked,
        "most": MOST_REPLICATIONS,
    }
    return web.pages.render(request, "planner.html", context, status=status)


def _refused(reader: live.Reader) -> None:
    """Record a read of the live network for a run that is refused (as the API does)."""
    reader.refused(ProblemError(422, "the scenario is invalid"))


def _replications(text: str, fields: list[FieldProblem]) -> int | None:
    """The replications asked for; None when left empty: the scenario file's own number. A
    number the page cannot run is a problem at the field, never quietly changed into another."""
    if not text:
        return None
    count = whole_number(text)  # as the other forms read a number: "٣" or "1_0" is none
    if count is None:
        fields.append(FieldProblem("replications", "number", text))
        return None
    if count < 1:
        fields.append(FieldProblem("replications", "at_least", "1"))
    elif count > MOST_REPLICATIONS:
        fields.append(FieldProblem("replications", "at_most", str(MOST_REPLICATIONS)))
    else:
        return count
    return None


def _run(request: Request, caller: Caller, run_id: str) -> ScenarioRun:
    """A run of the service (started here or through the API); 404 for an unknown id."""
    found = web_state(request).runs.get(caller.session, run_id)
    if found is None:
        raise ProblemError(404, f"no run '{run_id}'")
    return found


def _result(request: Request, caller: Caller, run_id: str) -> ScenarioResult:
    """A finished run's result as planners may see it; 404 while it has none."""
    result = _run(request, caller, run_id).result
    if result is None:
        raise ProblemError(404, "the run has no result yet")
    return disclosure.scenario_result(result)


def _slug(name: str) -> str:
    """A file name from a scenario's name: letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"
