"""The desk's waiting list and its form for a new referral (which changes one, too).

The waiting list puts the most urgent first (priority, then the longest wait) and flags who came
in outside office hours: most shelters take intakes on weekdays from nine to five only, so those
people can usually be placed now only in a shelter with round-the-clock intake, or be held for the
next morning. For each person waiting it says how many shelters fit now (and, out of hours, for
those none fits now, how many fit at the next office opening): when a place frees up at night,
the desk sees who it opens for without opening every referral.

On a public holiday a shelter with set intake hours reads as open (the hours repeat weekly) but
often takes nobody in. It is not ruled out, as some do take intakes that day, so the count of
shelters that fit now is the ranking's, split as the ranking marks its options: those that take
people in for sure, and those to phone first. Someone whom only the latter fit has no place for
sure, so the next office opening's count is shown for them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, get_args

from fastapi import Depends, Request, Response

from api import matching, shelter_store
from api.deps import Caller, get_network_cache, settle
from api.network_cache import NetworkCache
from api.problems import ProblemError
from api.routes import holds, referrals
from api.schemas import MAX_DANGER_ZONES, HoldPublic, ReferralPublic, StayKind
from api.web import freshness
from api.web.access import Form, Visitor, call, guard_of, page_router, redirect
from api.web.edits import form_version
from api.web.forms import FieldProblem, FormProblems, people_unknown, referral_from_form
from api.web.i18n import language_of
from api.web.pages.referral import hold_doubts
from api.web.state import web_state
from api.web.timing import local_minute, seconds_left
from engine import holidays
from models import gazetteer
from models.codes import CONDITIONS, EXPLOITATIONS, GENDERS

router = page_router()

# Danger-zone rows the form shows before its "add a zone" button is used.
ZONE_ROWS = 3
# The most referrals the waiting list shows (the API's largest page).
LISTED = 500
# Seconds between refreshes of the waiting list: several desks work one list, and each refresh
# reads every line through the audited routes, so not as often as the capacity board.
REFRESH_SECONDS = 30
Cache = Annotated[NetworkCache, Depends(get_network_cache)]


@dataclass(frozen=True)
class Waiting:
    """One line of the waiting list."""

    referral: ReferralPublic
    waited: timedelta
    out_of_hours: bool
    hold: HoldPublic | None
    remaining: int
    fits_now: int | None  # shelters that fit now (None: held, or no longer waiting)
    fits_at_opening: int | None  # ...at the next office opening, when none fits now for sure
    look: bool = False  # held, and the case's page warns that the intake there is in doubt
    hold_phone_first: bool = False  # held, and the intake there may fall on a public holiday
    fits_phone_first: int = 0  # of fits_now, those to phone first on today's public holiday

    @property
    def fits_for_sure(self) -> int:
        """Of the shelters that fit now, those a public holiday today does not put in doubt."""
        return (self.fits_now or 0) - self.fits_phone_first


@dataclass(frozen=True)
class Fits:
    """Per waiting referral: how many shelters fit now, how many of them to phone first (set
    intake hours on today's public holiday), and, out of hours, for those no shelter fits for
    sure now, how many fit at the next office opening."""

    now: dict[str, int]
    phone_first: dict[str, int]
    at_opening: dict[str, int]


@router.get("/desk")
def waiting_list(request: Request, caller: Visitor, cache: Cache) -> Response:
    """Everyone waiting or held, most urgent first, with how long they have been waiting and
    how many shelters fit them."""
    guard_of(referrals.list_referrals)(request, caller)
    tag = freshness.waiting_list_tag(caller.session, caller.now)
    context = _waiting(request, caller, cache) | {
        "done": request.query_params.get("done"),
        "tag": tag,
    }
    return web_state(request).pages.render(request, "desk.html", context)


@router.get("/desk/list")
def waiting_list_part(request: Request, caller: Visitor, cache: Cache) -> Response:
    """Only the list, for the page's script to swap in: a colleague's new referral, a hold made
    or run out elsewhere shows without a reload. Read (and audited) only when something in it
    changed since the script's last copy (:mod:`api.web.freshness`); the session is not renewed:
    a list left open on a screen still logs out when nobody uses it."""
    guard_of(referrals.list_referrals)(request, caller)
    tag = freshness.waiting_list_tag(caller.session, caller.now)
    same = freshness.unchanged(request, tag)
    if same is not None:
        return same
    context = _waiting(request, caller, cache)
    response = web_state(request).pages.render(request, "desk_list.html", context, renew=False)
    response.headers["ETag"] = tag
    return response


def _waiting(request: Request, caller: Caller, cache: NetworkCache) -> dict[str, Any]:
    """The lines of the waiting list, read through the API's routes (audited as theirs)."""
    settle(caller)
    found = call(referrals.list_referrals, request, caller, status="waiting", limit=LISTED)
    found += call(referrals.list_referrals, request, caller, status="held", limit=LISTED)
    active = call(holds.list_holds, request, caller, status="active", limit=LISTED)
    by_referral = {hold.referral_id: hold for hold in active}
    office_open = holidays.office_open(caller.now)
    office_opens = holidays.next_office_opening(caller.now)
    waiting = [row.id for row in found if row.status == "waiting"]
    fits = _fits(caller, cache, waiting, None if office_open else office_opens)
    held = [by_referral[row.id] for row in found if row.id in by_referral]
    doubts = hold_doubts(cache, caller, held)
    holidays_held = [doubt.holiday for doubt in doubts.values() if doubt.holiday is not None]
    lines = [
        Waiting(
            referral=row,
            waited=caller.now - row.created_at,
            out_of_hours=not holidays.office_open(row.created_at),
            hold=by_referral.get(row.id),
            remaining=seconds_left(by_referral.get(row.id), caller.now),
            fits_now=fits.now.get(row.id),
            fits_at_opening=fits.at_opening.get(row.id),
            look=row.id in by_referral and doubts[by_referral[row.id].id].any,
            hold_phone_first=row.id in by_referral
            and doubts[by_referral[row.id].id].holiday is not None,
            fits_phone_first=fits.phone_first.get(row.id, 0),
        )
        for row in sorted(found, key=lambda row: (-row.priority, row.created_at))
    ]
    # What the notice above the list names: the first day a mark is for (today's, for counts).
    marked = holidays_held + ([caller.now] if any(fits.phone_first.values()) else [])
    return {
        "lines": lines,
        "office_open": office_open,
        "office_opens": office_opens,
        "office_opens_local": local_minute(office_opens) if office_opens else "",
        "refresh": REFRESH_SECONDS,
        "now": caller.now,
        "holiday": holidays.public_holiday(min(marked), language_of(request)) if marked else None,
        # Today's holiday, if any: then there are no office hours all day, and the list's
        # out-of-hours notice says so instead of "nobody is taken in now".
        "holiday_today": holidays.public_holiday(caller.now, language_of(request)),
    }


def _fits(
    caller: Caller, cache: NetworkCache, waiting: list[str], opening: datetime | None
) -> Fits:
    """:class:`Fits` of the referrals ``waiting``, with the counts at ``opening`` (the next
    office opening, out of office hours; else None). Those to phone first are counted as the
    ranking marks its options (:func:`api.shelter_store.phone_first`): on a public holiday, the
    fitting shelters but those that take intakes that day as usual."""
    if not waiting:
        return Fits({}, {}, {})
    now = matching.fitting(caller, cache, waiting, caller.now)
    sure = now
    if holidays.public_holiday(caller.now, "en") is not None:
        usual = shelter_store.holidays_as_usual(caller.session)
        sure = matching.fitting(caller, cache, waiting, caller.now, usual)
    none_for_sure = [case_id for case_id, count in sure.items() if not count]
    at_opening = (
        matching.fitting(caller, cache, none_for_sure, opening)
        if none_for_sure and opening is not None
        else {}
    )
    phone_first = {case_id: count - sure.get(case_id, 0) for case_id, count in now.items()}
    return Fits(now, phone_first, at_opening)


@router.get("/desk/referrals/new")
def new_referral(
    request: Request,
    caller: Visitor,
    cache: Annotated[NetworkCache, Depends(get_network_cache)],
) -> Response:
    """The form for a new referral, every contra-indication explained."""
    guard_of(referrals.create_referral)(request, caller)
    return form_page(request, caller, cache, values={}, problems=[], status=200)


@router.post("/desk/referrals")
def create_referral(
    request: Request,
    caller: Visitor,
    form: Form,
    cache: Annotated[NetworkCache, Depends(get_network_cache)],
) -> Response:
    """Register the referral and go straight to its ranking."""
    guard_of(referrals.create_referral)(request, caller)
    values = {key: form.getlist(key) for key in form}
    try:
        data = referral_from_form(form)
    except FormProblems as problems:
        return form_page(
            request, caller, cache, values=values, problems=problems.problems, status=422
        )
    try:
        created = call(referrals.create_referral, request, caller, data)
    except ProblemError as problem:
        if problem.status != 422:
            raise
        refused = people_unknown(problem.errors, data.avoid)
        return form_page(request, caller, cache, values=values, problems=refused, status=422)
    return redirect(f"/desk/referrals/{created.id}?done=created")


def form_page(
    request: Request,
    caller: Caller,
    cache: NetworkCache,
    *,
    values: dict[str, list[Any]],
    problems: list[FieldProblem],
    status: int,
    stored: ReferralPublic | None = None,
    conflict: list[str] | None = None,
    placed: list[str] | None = None,
) -> Response:
    """The form, empty or as it was sent with its problems; the programmes on offer are
    read from the live network, so a new programme needs no code.

    With ``stored``, the form changes that referral (:mod:`api.web.pages.referral_edit`): it
    offers the referral's own programmes too, lest a programme no shelter runs now be dropped
    unseen, and carries the version a save is based on. ``conflict``: a save was refused for a
    change made meanwhile, with the inputs where the referral stored now differs from the
    entries kept; ``placed``: one was refused as the placement rests on these inputs."""
    network = cache.network(caller.session, caller.now)
    filled = max(
        (
            index + 1
            for index in range(MAX_DANGER_ZONES)
            if any(values.get(f"zone_{index}_{part}", [""])[0] for part in ("place", "km"))
        ),
        default=0,
    )
    offered = {s.programme for s in network if s.programme is not None}
    context = {
        "values": values,
        "problems": problems,
        "problem_fields": {problem.field for problem in problems},
        "genders": GENDERS,
        "conditions": CONDITIONS,
        "exploitations": EXPLOITATIONS,
        "stays": get_args(StayKind),
        "programmes": sorted(offered | set(stored.programmes if stored else ())),
        "municipalities": [m.name for m in gazetteer.municipalities()],
        "zone_rows": max(ZONE_ROWS, filled),
        "max_zones": MAX_DANGER_ZONES,
        "stored": stored,
        "version": form_version(stored.version if stored else None, values, conflict),
        "conflict": conflict,
        "placed": placed,
    }
    return web_state(request).pages.render(request, "referral_form.html", context, status=status)
