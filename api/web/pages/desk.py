"""The desk's waiting list and its form for a new referral.

The waiting list puts the most urgent first (priority, then the longest wait) and flags who came
in outside office hours: most shelters take intakes on weekdays from nine to five only, so those
people can usually be placed now only in a shelter with round-the-clock intake, or be held for the
next morning. For each person waiting it says how many shelters fit now (and, out of hours, for
those none fits now, how many fit at the next office opening): when a place frees up at night,
the desk sees who it opens for without opening every referral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, get_args

from fastapi import Depends, Request, Response

from api import matching
from api.deps import Caller, get_network_cache, settle
from api.network_cache import NetworkCache
from api.routes import holds, referrals
from api.schemas import MAX_DANGER_ZONES, HoldPublic, ReferralPublic, StayKind
from api.web import freshness
from api.web.access import Form, Visitor, call, guard_of, page_router, redirect
from api.web.forms import FieldProblem, FormProblems, referral_from_form
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
    fits_at_opening: int | None  # ...at the next office opening, when none fits now
    look: bool = False  # held, and the case's page warns that the intake there is in doubt
    hold_phone_first: bool = False  # held, and the intake there may fall on a public holiday


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
    fits_now = matching.fitting(caller, cache, waiting, caller.now) if waiting else {}
    none_now = [case_id for case_id, count in fits_now.items() if not count]
    fits_later = (
        matching.fitting(caller, cache, none_now, office_opens)
        if none_now and not office_open and office_opens is not None
        else {}
    )
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
            fits_now=fits_now.get(row.id),
            fits_at_opening=fits_later.get(row.id),
            look=row.id in by_referral and doubts[by_referral[row.id].id].any,
            hold_phone_first=row.id in by_referral
            and doubts[by_referral[row.id].id].holiday is not None,
        )
        for row in sorted(found, key=lambda row: (-row.priority, row.created_at))
    ]
    return {
        "lines": lines,
        "office_open": office_open,
        "office_opens": office_opens,
        "office_opens_local": local_minute(office_opens) if office_opens else "",
        "refresh": REFRESH_SECONDS,
        "now": caller.now,
        # The first holiday marked, for the notice above the list.
        "holiday": holidays.public_holiday(min(holidays_held), language_of(request))
        if holidays_held
        else None,
    }


@router.get("/desk/referrals/new")
def new_referral(
    request: Request,
    caller: Visitor,
    cache: Annotated[NetworkCache, Depends(get_network_cache)],
) -> Response:
    """The form for a new referral, every contra-indication explained."""
    guard_of(referrals.create_referral)(request, caller)
    return _form_page(request, caller, cache, values={}, problems=[], status=200)


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
        return _form_page(
            request, caller, cache, values=values, problems=problems.problems, status=422
        )
    created = call(referrals.create_referral, request, caller, data)
    return redirect(f"/desk/referrals/{created.id}?done=created")


def _form_page(
    request: Request,
    caller: Caller,
    cache: NetworkCache,
    *,
    values: dict[str, list[Any]],
    problems: list[FieldProblem],
    status: int,
) -> Response:
    """The form, empty or as it was sent with its problems; the programmes on offer are
    read from the live network, so a new programme needs no code."""
    network = cache.network(caller.session, caller.now)
    filled = max(
        (
            index + 1
            for index in range(MAX_DANGER_ZONES)
            if any(values.get(f"zone_{index}_{part}", [""])[0] for part in ("place", "km"))
        ),
        default=0,
    )
    context = {
        "values": values,
        "problems": problems,
        "problem_fields": {problem.field for problem in problems},
        "genders": GENDERS,
        "conditions": CONDITIONS,
        "exploitations": EXPLOITATIONS,
        "stays": get_args(StayKind),
        "programmes": sorted({s.programme for s in network if s.programme is not None}),
        "municipalities": [m.name for m in gazetteer.municipalities()],
        "zone_rows": max(ZONE_ROWS, filled),
        "max_zones": MAX_DANGER_ZONES,
    }
    return web_state(request).pages.render(request, "referral_form.html", context, status=status)
