"""A shelter's own page: its places and intake hours, kept current by its staff, and the people
on their way in.

Staff see their own shelter only (the API's rule: any other shelter is "not found") and of each
incoming person only what intake needs (the API's intake view of a referral: no location, no
danger zones, no exploitation). Reading those people writes the audit rows the API writes.

The page is kept open on a screen at the door, so what changes under staff's feet (the places,
the people the desk holds places for, those placed) refreshes itself: a small script fetches
``/shelter/live`` every :data:`REFRESH_SECONDS` and swaps in each part that nobody is using (the
availability form only while it has neither the focus nor anything typed into it, so typed
entries are never lost; its version makes a save from an older form a conflict anyway). Without
script the page has a refresh link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from pydantic import MISSING
from starlette.datastructures import FormData

from api.deps import Caller, settle
from api.problems import ProblemError
from api.routes import holds, placements, referrals, shelters
from api.schemas import (
    AvailabilityUpdate,
    HoldPublic,
    PlacementPublic,
    ReferralIntake,
    ReferralPublic,
)
from api.settings import Settings
from api.web import freshness
from api.web.access import Form, Visitor, call, guard_of, page_router, redirect
from api.web.confirm import Question, confirmed, refusal
from api.web.forms import (
    FieldProblem,
    FormProblems,
    availability_from_form,
    from_api,
    whole_number,
    windows_text,
)
from api.web.i18n import language_of
from api.web.state import web_state
from api.web.timing import extension_end, seconds_left, stale
from models.intake import windows_of

router = page_router()
LISTED = 500
# Seconds between refreshes of the page's changing parts. Longer than the capacity board's: each
# refresh reads every person expected and lists every placement, an audit row each, and a hold
# is made while the person is still on the way.
REFRESH_SECONDS = 30


@dataclass(frozen=True)
class Incoming:
    """A hold at the shelter: what intake needs of the person, the time left, and until when
    extending it would keep the places (None when that would not be longer)."""

    hold: HoldPublic
    person: ReferralIntake | ReferralPublic
    remaining: int
    extend_until: datetime | None


@router.get("/shelter")
def shelter_page(request: Request, caller: Visitor) -> Response:
    """The shelter's places, its availability form, the holds and placements at it."""
    return _page(request, caller)


@router.get("/shelter/live")
def shelter_live(request: Request, caller: Visitor) -> Response:
    """Only the page's changing parts, for its script to swap in; read (and audited) only when
    something in them changed since the script's last copy (:mod:`api.web.freshness`). The
    session is not renewed: a page left open at the door still logs out when nobody uses it."""
    shelter_id = _own(request, caller, shelters.read_shelter)
    tag = freshness.shelter_tag(caller.session, shelter_id, caller.now)
    same = freshness.unchanged(request, tag)
    if same is not None:
        return same
    context = _live(request, caller, tag=tag)
    pages = web_state(request).pages
    response = pages.render(request, "shelter_live.html", context, renew=False)
    response.headers["ETag"] = tag
    return response


@router.post("/shelter/availability")
def update_availability(request: Request, caller: Visitor, form: Form) -> Response:
    """Report free places, closing and intake hours, as ``PATCH .../availability`` does."""
    shelter_id = _own(request, caller, shelters.update_availability)
    values = {key: form.getlist(key) for key in form}
    try:
        data = _counted_as_shown(
            request, caller, shelter_id, availability_from_form(form), _taken(form)
        )
        call(shelters.update_availability, request, caller, shelter_id, data)
    except FormProblems as mistakes:
        return _page(request, caller, values=values, problems=mistakes.problems, status=422)
    except ProblemError as problem:
        if problem.code == "version_conflict":
            return _page(request, caller, values=values, edited_meanwhile=True, status=409)
        if problem.status != 422:
            raise
        refused = _availability_problems(
            request, caller, shelter_id, from_api(problem.errors), _taken(form)
        )
        return _page(request, caller, values=values, problems=refused, status=422)
    return redirect("/shelter?done=saved")


def _taken(form: FormData) -> int | None:
    """The places held or placed through Safeplace that the page showed (its hidden ``taken``),
    None when the form sent no such count."""
    taken = form.get("taken")
    number = whole_number(taken) if isinstance(taken, str) else None
    return number if number is not None and number >= 0 else None


def _counted_as_shown(
    request: Request, caller: Caller, shelter_id: str, data: AvailabilityUpdate, taken: int | None
) -> AvailabilityUpdate:
    """The free places staff entered as the places occupied outside Safeplace, counted against
    the places held or placed through Safeplace that the page showed them (its hidden ``taken``).

    Staff count the empty beds not held for anyone as they saw it. Sent as ``free``, the API
    would subtract the places held now instead: a hold made by the desk while the page was open
    would then be counted as free once more, and the desk could send a second person to the same
    bed. The beds occupied outside Safeplace are what staff really report, and stay right
    whatever the desk holds or releases in between."""
    if data.free is MISSING or taken is None:
        return data
    room = call(shelters.read_shelter, request, caller, shelter_id).capacity - taken
    if data.free > room:
        raise FormProblems([FieldProblem("free", "free_at_most", str(room))])
    return data.model_copy(update={"free": MISSING, "occupied": room - data.free})


def _availability_problems(
    request: Request,
    caller: Caller,
    shelter_id: str,
    problems: list[FieldProblem],
    taken: int | None,
) -> list[FieldProblem]:
    """The API's refusals of an availability, with more free places than the shelter has room
    for said in the reader's language: the room is the capacity less the places held or
    occupied by people placed through Safeplace, as the API counts it. Occupied places are the
    page's free places counted as shown (:func:`_counted_as_shown`); too many of them means the
    desk held more places since the page was shown (``taken``) than staff now say are free."""
    if all(problem.field not in ("free", "occupied") for problem in problems):
        return problems
    shelter = call(shelters.read_shelter, request, caller, shelter_id)
    now_taken = shelter.held + shelter.placed
    seen = now_taken if taken is None else taken
    said = {
        "free": FieldProblem("free", "free_at_most", str(shelter.capacity - now_taken)),
        "occupied": FieldProblem("free", "held_meanwhile", str(now_taken - seen)),
    }
    return [said.get(problem.field, problem) for problem in problems]


@router.post("/shelter/holds/{hold_id}/confirm")
def confirm(request: Request, hold_id: str, caller: Visitor, form: Form) -> Response:
    """The person arrived: the hold becomes a placement."""
    return _act(request, caller, lambda: call(holds.confirm_hold, request, caller, hold_id), "in")


@router.post("/shelter/holds/{hold_id}/extend")
def extend(request: Request, hold_id: str, caller: Visitor, form: Form) -> Response:
    """The person comes later than planned: keep the places for the usual hold time from now."""
    settings: Settings = request.app.state.settings
    return _act(
        request,
        caller,
        lambda: call(holds.extend_hold, request, caller, hold_id, settings=settings),
        "extended",
    )


@router.post("/shelter/holds/{hold_id}/release")
def release(request: Request, hold_id: str, caller: Visitor, form: Form) -> Response:
    """The person will not come: the places are free again. Asked first
    (:mod:`api.web.confirm`): only the desk can hold them again."""
    if not confirmed(form):
        hold = call(holds.read_hold, request, caller, hold_id)
        path = f"/shelter/holds/{hold_id}/release"
        return _ask(request, caller, hold, Question.about("release", path, hold, back="/shelter"))
    return _act(
        request, caller, lambda: call(holds.release_hold, request, caller, hold_id), "released"
    )


@router.post("/shelter/placements/{placement_id}/discharge")
def discharge(request: Request, placement_id: str, caller: Visitor, form: Form) -> Response:
    """The person left the shelter. Asked first (:mod:`api.web.confirm`): it ends the placement
    and closes the referral, for good."""
    if not confirmed(form):
        placement = call(placements.read_placement, request, caller, placement_id)
        path = f"/shelter/placements/{placement_id}/discharge"
        question = Question.about("discharge", path, placement, back="/shelter")
        return _ask(request, caller, placement, question)
    return _act(
        request,
        caller,
        lambda: call(placements.discharge, request, caller, placement_id),
        "discharged",
    )


def _ask(
    request: Request, caller: Caller, item: HoldPublic | PlacementPublic, question: Question
) -> Response:
    """The page asking ``question`` about ``item``; or, when the step can no longer be done
    (the hold was confirmed, released or ran out, the placement ended), the ledger's refusal,
    as the second press would meet it."""
    code = refusal(item)
    if code is not None:
        return _page(request, caller, refusal=code, status=409)
    return _page(request, caller, question=question)


def _act(request: Request, caller: Caller, action: Any, done: str) -> Response:
    """Do ``action``; a refusal by the ledger (409) is shown on the page in plain words."""
    settle(caller)
    try:
        action()
    except ProblemError as problem:
        if problem.status != 409:
            raise
        return _page(request, caller, refusal=problem.code or "conflict", status=409)
    return redirect(f"/shelter?done={done}")


def _own(request: Request, caller: Caller, endpoint: Callable[..., object]) -> str:
    """The caller's own shelter, once ``endpoint``'s role check and that of the holds at the
    shelter have passed: the page is for those who may do both, its staff."""
    guard_of(endpoint)(request, caller)
    guard_of(holds.list_holds)(request, caller)
    if caller.shelter_id is None:  # staff always belong to a shelter (a database constraint)
        raise ProblemError(403, "this page is for the staff of a shelter")
    return caller.shelter_id


def _page(
    request: Request,
    caller: Caller,
    *,
    values: dict[str, list[Any]] | None = None,
    problems: list[FieldProblem] | None = None,
    refusal: str | None = None,
    edited_meanwhile: bool = False,
    question: Question | None = None,
    status: int = 200,
) -> Response:
    """The shelter's page for its own staff (with the problems of a form, the ledger's refusal,
    a save refused because someone changed the shelter after the page was shown: then with
    the entries kept and the shelter as it is now, or the question whether to release a hold or
    record a departure)."""
    done = request.query_params.get("done")
    told = bool(refusal or done or edited_meanwhile or question)
    context = _live(request, caller, values=values, problems=problems, told=told)
    context |= {
        "refusal": refusal,
        "edited_meanwhile": edited_meanwhile,
        "question": question,
        "done": done,
    }
    return web_state(request).pages.render(request, "shelter.html", context, status=status)


def _live(
    request: Request,
    caller: Caller,
    *,
    values: dict[str, list[Any]] | None = None,
    problems: list[FieldProblem] | None = None,
    told: bool = False,
    tag: str | None = None,
) -> dict[str, Any]:
    """What the page's changing parts show, reading each incoming person as the API's intake
    view: the places, the form (with a refused save's entries and problems), the people
    expected and placed. ``told``: the page says something else first, so it does not also ask
    staff to check their places. ``tag``: what they are made of, read before them (so that a
    change made meanwhile shows at the next refresh), unless already read."""
    values, problems = values or {}, problems or []
    shelter_id = _own(request, caller, shelters.read_shelter)
    tag = tag or freshness.shelter_tag(caller.session, shelter_id, caller.now)
    settle(caller)
    shelter = call(shelters.read_shelter, request, caller, shelter_id)
    held = call(holds.list_holds, request, caller, status="active", limit=LISTED)
    settings: Settings = request.app.state.settings
    # Whose places run out first comes first: the API lists the newest holds first, but at the
    # door the question is who is due next.
    incoming = sorted(
        (
            Incoming(
                hold=hold,
                person=call(referrals.read_referral, request, caller, hold.referral_id),
                remaining=seconds_left(hold, caller.now),
                extend_until=extension_end(hold, caller.now, settings.hold_minutes),
            )
            for hold in held
        ),
        key=lambda item: item.hold.expires_at,
    )
    living = call(placements.list_placements, request, caller, status="active", limit=LISTED)
    windows = [] if isinstance(shelter.intake, str) else windows_of(shelter.intake)
    return {
        "shelter": shelter,
        "room": shelter.capacity - shelter.occupied - shelter.held - shelter.placed,
        "windows": windows_text(windows, dutch=language_of(request) == "nl"),
        "incoming": incoming,
        "living": living,
        "values": values,
        "problems": problems,
        "problem_fields": {problem.field for problem in problems},
        "stale": None if told else stale(shelter.places_reported_at, caller.now),
        "refresh": REFRESH_SECONDS,
        "now": caller.now,
        "tag": tag,
    }
