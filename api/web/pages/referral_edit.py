"""The desk's change to a referral: the new referral's form, filled in as the referral is stored.

Facts arrive after registration (a child, an addiction, a language, someone to keep apart, a new
priority), and some single changes the ranking offers are the desk's to make once it may (a
danger zone dropped after the police's assessment). The form acts through the API's own
``PATCH /referrals/{id}``, so only the desk opens it and every save, or refused save, writes the
API's audit row; as the admin's shelter form, it sends only what changed, with the version it was
made from (:mod:`api.web.edits`). A placed referral keeps what its placement rests on while the
placement lasts (409 ``already_placed``; a discharge closes the referral), said at each input the
desk changed.

Where the person stays is not on it: the case page has its own form for that, with the moment
the stay began.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response

from api.deps import Caller, get_network_cache
from api.network_cache import NetworkCache
from api.problems import ProblemError
from api.referral_store import PLACEMENT_RESTS_ON
from api.routes import referrals
from api.schemas import ReferralCreate, ReferralPublic, ReferralUpdate
from api.web.access import Form, Visitor, call, guard_of, page_router, redirect
from api.web.edits import changes, posted, sent_version
from api.web.forms import FieldProblem, FormProblems, people_unknown, place_text, referral_from_form
from api.web.i18n import Language, language_of
from api.web.languages import name_of
from api.web.pages.desk import form_page

router = page_router()
Cache = Annotated[NetworkCache, Depends(get_network_cache)]

# The fields the form shows, in its order (what a conflict lists as stored now).
FIELDS = (
    "gender",
    "age",
    "children",
    "priority",
    "conditions",
    "exploitation",
    "languages",
    "programmes",
    "location",
    "danger_zones",
    "avoid",
)
# Fields that are sets: the same codes in another order are no change.
_SETS = frozenset({"conditions", "languages", "programmes", "avoid"})
# The input that holds a field, where its name is not the field's: the danger zones' rows are
# one part of the form, named as a whole.
_INPUTS = {"danger_zones": "zones"}


@router.get("/desk/referrals/{referral_id}/edit")
def edit_referral(request: Request, referral_id: str, caller: Visitor, cache: Cache) -> Response:
    """The form for changing a referral, filled in as it is stored."""
    guard_of(referrals.update_referral)(request, caller)
    stored = _read(request, caller, referral_id)
    values = values_of(stored, language_of(request))
    return form_page(request, caller, cache, values=values, problems=[], stored=stored, status=200)


@router.post("/desk/referrals/{referral_id}/edit")
def update_referral(
    request: Request, referral_id: str, caller: Visitor, form: Form, cache: Cache
) -> Response:
    """Save what the desk changed, as ``PATCH /referrals/{id}`` with the version the form was
    made from, then show the case with its ranking for the changed referral; nothing changed,
    nothing is sent."""
    guard_of(referrals.update_referral)(request, caller)
    stored = _read(request, caller, referral_id)
    values = posted(form)
    try:
        entered = referral_from_form(form)
    except FormProblems as mistakes:
        return form_page(
            request,
            caller,
            cache,
            values=values,
            problems=mistakes.problems,
            stored=stored,
            status=422,
        )
    changed = changes(entered, stored, FIELDS, sets=_SETS)
    if not changed:
        return redirect(f"/desk/referrals/{referral_id}?done=unchanged")
    data = ReferralUpdate.model_validate(changed | sent_version(form))
    try:
        call(referrals.update_referral, request, caller, referral_id, data)
    except ProblemError as problem:
        return _refused(
            request, caller, cache, problem, referral_id=referral_id, values=values, entered=entered
        )
    return redirect(f"/desk/referrals/{referral_id}?done=changed")


def _refused(
    request: Request,
    caller: Caller,
    cache: NetworkCache,
    problem: ProblemError,
    *,
    referral_id: str,
    values: dict[str, list[Any]],
    entered: ReferralCreate,
) -> Response:
    """The form again after the API refused a change, with the referral as stored now: a change
    made meanwhile (the inputs where it and the entries differ), a change to what a placement
    rests on (at each such input), a closed referral, or the API's field errors (a case number
    to keep apart that names nobody, at its input)."""
    stored = _read(request, caller, referral_id)
    changed = changes(entered, stored, FIELDS, sets=_SETS)
    conflict: list[str] | None = None
    placed: list[str] | None = None
    problems: list[FieldProblem] = []
    if problem.code == "version_conflict":
        conflict = [_INPUTS.get(name, name) for name in FIELDS if name in changed]
    elif problem.code == "already_placed":
        placed = [_INPUTS.get(name, name) for name in PLACEMENT_RESTS_ON if name in changed]
        problems = [FieldProblem(name, "placed", "") for name in placed]
    elif problem.status == 422:
        problems = people_unknown(problem.errors, entered.avoid)
    elif problem.code != "referral_closed":
        raise problem
    return form_page(
        request,
        caller,
        cache,
        values=values,
        problems=problems,
        stored=stored,
        conflict=conflict,
        placed=placed,
        status=problem.status,
    )


def _read(request: Request, caller: Caller, referral_id: str) -> ReferralPublic:
    """The referral as stored, read as the API reads it for the desk (and audited so)."""
    referral = call(referrals.read_referral, request, caller, referral_id)
    if not isinstance(referral, ReferralPublic):
        raise ProblemError(404, f"no referral '{referral_id}'")
    return referral


def values_of(referral: ReferralPublic, language: Language) -> dict[str, list[str]]:
    """A referral's fields as the form's inputs hold them: the languages by name in the reader's
    language, places by name (or as a point, as stored), each danger zone in a row of its own,
    the case numbers to keep apart as typed."""
    values: dict[str, list[str]] = {
        "gender": [referral.gender],
        "age": [str(referral.age)],
        "children": [str(referral.children)],
        "priority": [str(referral.priority)],
        "conditions": list(referral.conditions),
        "exploitation": [referral.exploitation or ""],
        "languages": [", ".join(name_of(code, language) for code in referral.languages)],
        "programmes": list(referral.programmes),
        "location": [place_text(referral.location)],
        "avoid": [", ".join(referral.avoid)],
    }
    for index, zone in enumerate(referral.danger_zones):
        values[f"zone_{index}_place"] = [place_text(zone.location)]
        values[f"zone_{index}_km"] = [_km_text(zone.min_km)]
    return values


def _km_text(km: float) -> str:
    """A distance as the form shows it: ``30`` for 30.0, else every digit stored."""
    return str(int(km)) if km.is_integer() else str(km)
