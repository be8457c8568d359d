"""The admin's shelters: the whole network in one table, and one form to add or change a shelter.

The national coordination centre registers the shelters. These pages act through the API's own
routes (``GET`` and ``POST /shelters``, ``GET`` and ``PATCH /shelters/{id}``), so only the admin
opens them and every save, or refused save, writes the API's audit row.

An edit sends only the fields the admin changed, with the version of the shelter the form was
made from. A colleague's change saved after the form was opened makes the save a conflict
(409 ``version_conflict``): nothing is saved, the page shows what is stored now next to the
entries, which are kept, and a save from there is based on what it showed. Sending only what
changed also keeps ``places_reported_at`` true: correcting a shelter's languages is no report of
its free places.

The residents (the ids of people living at a shelter, kept apart from those they must avoid) are
neither shown nor changed here: they are about people, and registering a shelter does not need
them. An edit leaves them as they are; a new shelter has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args
from urllib.parse import quote

from fastapi import Request, Response
from starlette.datastructures import FormData

from api import shelter_store
from api.deps import Caller
from api.problems import ProblemError
from api.regions import police_unit
from api.routes import shelters
from api.schemas import ShelterCreate, ShelterData, ShelterKind, ShelterPublic, ShelterUpdate
from api.web.access import Form, Visitor, call, guard_of, page_router, redirect
from api.web.edits import changes, form_version, posted, sent_version
from api.web.forms import (
    FieldProblem,
    FormProblems,
    from_api,
    new_shelter_from_form,
    shelter_from_form,
    windows_text,
)
from api.web.i18n import Language, language_of
from api.web.languages import name_of
from api.web.state import web_state
from api.web.timing import stale
from models import gazetteer
from models.codes import CONDITIONS, EXPLOITATIONS, GENDERS
from models.gazetteer import POLICE_UNITS
from models.intake import IntakeWindow, windows_of

router = page_router()
# Shelters read per call: the API's largest page.
PAGE = 500
# The fields a form shows, in its order (what a conflict lists as stored now).
FIELDS = (
    "kind",
    "location",
    "capacity",
    "occupied",
    "closed",
    "intake",
    "holiday_intake",
    "genders",
    "min_age",
    "max_age",
    "children",
    "accepts",
    "specialisations",
    "languages",
    "programme",
)
# Fields that are sets: the same codes in another order are no change.
_SETS = frozenset({"genders", "accepts", "specialisations", "languages"})
# How the table can be sorted, by the column's key; the first is the default.
SORTS: dict[str, Callable[[ShelterPublic], Any]] = {
    "unit": lambda shelter: (_unit_order(shelter), _place(shelter), shelter.id),
    "id": lambda shelter: shelter.id,
    "free": lambda shelter: (-shelter.free, shelter.id),
    "reported": lambda shelter: (shelter.places_reported_at, shelter.id),
}


@router.get("/admin/shelters")
def shelter_list(request: Request, caller: Visitor, sort: str = "unit") -> Response:
    """Every shelter with its places now, grouped by police unit unless sorted otherwise."""
    guard_of(shelters.list_shelters)(request, caller)
    network = _network(request, caller)
    sort = sort if sort in SORTS else "unit"
    saved = request.query_params.get("saved")
    ordered = sorted(network, key=SORTS[sort])
    units = {shelter.id: police_unit(shelter.location) for shelter in network}
    context = {
        "groups": _grouped(ordered, units) if sort == "unit" else [(None, ordered)],
        "count": len(network),
        "sort": sort,
        "units": units,
        "stale": {shelter.id: stale(shelter.places_reported_at, caller.now) for shelter in network},
        "windows": {
            shelter.id: _windows(shelter, language_of(request)).replace("\n", "; ")
            for shelter in network
        },
        # Only an id of the list is named, so that a link cannot make the page say anything else.
        "saved": saved if any(shelter.id == saved for shelter in network) else None,
        "done": request.query_params.get("done"),
    }
    return web_state(request).pages.render(request, "shelters.html", context)


@router.get("/admin/shelters/new")
def new_shelter(request: Request, caller: Visitor) -> Response:
    """The form for a new shelter, filled in with the API's defaults."""
    guard_of(shelters.create_shelter)(request, caller)
    defaults = {
        name: field.get_default(call_default_factory=True)
        for name, field in ShelterCreate.model_fields.items()
        if not field.is_required()
    }
    blank = {"id": "", "location": None, "capacity": ""}
    return _form(request, caller, values=_values(defaults | blank, language_of(request)))


@router.post("/admin/shelters")
def create_shelter(request: Request, caller: Visitor, form: Form) -> Response:
    """Add the shelter, as ``POST /shelters`` does; an id in use is refused at its field."""
    guard_of(shelters.create_shelter)(request, caller)
    values = posted(form)
    try:
        created = call(shelters.create_shelter, request, caller, new_shelter_from_form(form))
    except FormProblems as mistakes:
        return _form(request, caller, values=values, problems=mistakes.problems, status=422)
    except ProblemError as problem:
        if problem.code == "shelter_exists":
            typed = _typed(form, "id")
            stored = shelter_store.taken_id(caller.session, typed) or typed  # "S001" for "s001"
            taken = [FieldProblem("id", "shelter_exists", stored)]
            return _form(request, caller, values=values, problems=taken, status=409)
        if problem.status != 422:
            raise
        refused = from_api(problem.errors)
        return _form(request, caller, values=values, problems=refused, status=422)
    return redirect(f"/admin/shelters?done=created&saved={quote(created.id, safe='')}")


@router.get("/admin/shelters/{shelter_id}/edit")
def edit_shelter(request: Request, shelter_id: str, caller: Visitor) -> Response:
    """The form for changing a shelter, filled in as it is stored."""
    guard_of(shelters.update_shelter)(request, caller)
    stored = call(shelters.read_shelter, request, caller, shelter_id)
    values = _values(stored.model_dump(), language_of(request))
    return _form(request, caller, values=values, stored=stored)


@router.post("/admin/shelters/{shelter_id}/edit")
def update_shelter(request: Request, shelter_id: str, caller: Visitor, form: Form) -> Response:
    """Save what the admin changed, as ``PATCH /shelters/{id}`` with the version the form was
    made from; nothing changed, nothing is sent."""
    guard_of(shelters.update_shelter)(request, caller)
    stored = call(shelters.read_shelter, request, caller, shelter_id)
    values = posted(form)
    try:
        entered = shelter_from_form(form, shelter_id=shelter_id)
    except FormProblems as mistakes:
        return _form(
            request, caller, values=values, problems=mistakes.problems, stored=stored, status=422
        )
    changed = changes(entered, stored, FIELDS, sets=_SETS)
    if not changed:
        return redirect(f"/admin/shelters?done=unchanged&saved={quote(shelter_id, safe='')}")
    data = ShelterUpdate.model_validate(changed | sent_version(form))
    try:
        call(shelters.update_shelter, request, caller, shelter_id, data)
    except ProblemError as problem:
        return _refused(
            request, caller, problem, values=values, entered=entered, shelter_id=shelter_id
        )
    return redirect(f"/admin/shelters?done=saved&saved={quote(shelter_id, safe='')}")


def _refused(
    request: Request,
    caller: Caller,
    problem: ProblemError,
    *,
    values: dict[str, list[Any]],
    entered: ShelterData,
    shelter_id: str,
) -> Response:
    """The form again after the API refused a change, with the shelter as stored now: a change
    made meanwhile (the fields where it and the entries differ), places in use that the
    capacity no longer covers (at the capacity), or the API's field errors."""
    stored = call(shelters.read_shelter, request, caller, shelter_id)
    if problem.code == "version_conflict":
        changed = changes(entered, stored, FIELDS, sets=_SETS)
        differing = [name for name in FIELDS if name in changed]
        return _form(request, caller, values=values, stored=stored, conflict=differing, status=409)
    if problem.code == "in_use":
        needed = entered.occupied + stored.held + stored.placed
        problems = [FieldProblem("capacity", "in_use", str(needed))]
        return _form(request, caller, values=values, problems=problems, stored=stored, status=409)
    if problem.status != 422:
        raise problem
    refused = from_api(problem.errors)
    return _form(request, caller, values=values, problems=refused, stored=stored, status=422)


def _grouped(
    ordered: list[ShelterPublic], units: dict[str, str]
) -> list[tuple[str, list[ShelterPublic]]]:
    """The shelters, in order, in a group per police unit."""
    groups: dict[str, list[ShelterPublic]] = {}
    for shelter in ordered:
        groups.setdefault(units[shelter.id], []).append(shelter)
    return list(groups.items())


def _network(request: Request, caller: Caller) -> list[ShelterPublic]:
    """Every shelter, page by page as the API gives them."""
    network: list[ShelterPublic] = []
    while True:
        batch = call(shelters.list_shelters, request, caller, limit=PAGE, offset=len(network))
        network += batch
        if len(batch) < PAGE:
            return network


def _typed(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _values(shelter: dict[str, Any], language: Language) -> dict[str, list[str]]:
    """A shelter's fields (as stored, or the API's defaults) as the form's inputs hold them: the
    languages by name and the intake windows with the days in the reader's language."""
    location = shelter["location"] or {}
    intake = shelter["intake"]
    windows = [] if isinstance(intake, str) else [IntakeWindow.model_validate(w) for w in intake]
    return {
        "id": [shelter["id"]],
        "kind": [shelter["kind"] or ""],
        "location": [location.get("municipality") or ""],
        "lat": [_number_text(location.get("lat"))],
        "lon": [_number_text(location.get("lon"))],
        "capacity": [str(shelter["capacity"])],
        "occupied": [str(shelter["occupied"])],
        "closed": ["yes"] if shelter["closed"] else [],
        "intake": [intake if isinstance(intake, str) else "windows"],
        "windows": [windows_text(windows, dutch=language == "nl")],
        "holiday_intake": ["yes"] if shelter["holiday_intake"] else [],
        "genders": list(shelter["genders"]),
        "min_age": [str(shelter["min_age"])],
        "max_age": [str(shelter["max_age"])],
        "children": ["yes"] if shelter["children"] else [],
        "accepts": list(shelter["accepts"]),
        "specialisations": list(shelter["specialisations"]),
        "languages": [", ".join(name_of(code, language) for code in shelter["languages"])],
        "programme": [shelter["programme"] or ""],
    }


def _number_text(degrees: float | None) -> str:
    """Degrees as the form shows them: every digit stored, so that the same point reads back."""
    return "" if degrees is None else str(degrees)


def _windows(shelter: ShelterPublic, language: Language) -> str:
    """A shelter's intake windows as the form writes them ("" for 24/7 or office hours)."""
    if isinstance(shelter.intake, str):
        return ""
    return windows_text(windows_of(shelter.intake), dutch=language == "nl")


def _unit_order(shelter: ShelterPublic) -> int:
    unit = police_unit(shelter.location)
    return POLICE_UNITS.index(unit) if unit in POLICE_UNITS else len(POLICE_UNITS)


def _place(shelter: ShelterPublic) -> str:
    return shelter.location.municipality or ""


def _form(
    request: Request,
    caller: Caller,
    *,
    values: dict[str, list[Any]],
    problems: list[FieldProblem] | None = None,
    stored: ShelterPublic | None = None,
    conflict: list[str] | None = None,
    status: int = 200,
) -> Response:
    """The shelter form: a new shelter's without ``stored``, else the stored shelter's (whose
    version a save is based on). ``conflict``: a save was refused for a change made meanwhile;
    the fields where the shelter stored now differs from the entries kept, to show its values."""
    problems = problems or []
    programmes = {shelter.programme for shelter in _network(request, caller)}
    version = form_version(None if stored is None else stored.version, values, conflict)
    context = {
        "version": version,
        "values": values,
        "problems": problems,
        "problem_fields": {problem.field for problem in problems},
        "stored": stored,
        "conflict": conflict,
        "stored_windows": "" if stored is None else _windows(stored, language_of(request)),
        "kinds": get_args(ShelterKind),
        "genders": GENDERS,
        "conditions": CONDITIONS,
        "exploitations": EXPLOITATIONS,
        "programmes": sorted(programme for programme in programmes if programme),
        "municipalities": [m.name for m in gazetteer.municipalities()],
    }
    return web_state(request).pages.render(request, "shelter_form.html", context, status=status)
