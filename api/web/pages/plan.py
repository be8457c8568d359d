"""The national plan: the best placement of everyone waiting, with "accept" on every line and
"accept all" for the lines still open.

The plan is the API's (``POST /plans``) and reserves nothing; accepting a line makes the hold the
desk would make by hand (``POST /holds``), which checks the rules and the free places again. The
plan stays on the page while lines are accepted: it travels with the form (it is only advice, and
every hold is checked in full), so accepting one line never reshuffles the others. After a raid
twenty or thirty people wait at once: "accept all" holds every open line, most urgent first, one
hold after the other exactly as single accepts would, and a line refused leaves the others be.

Whatever becomes of a line, the page is shown again with every line's outcome. The hold route
can answer a line with a hold; with 409 (its ``code`` says why: no room, the rules, held, placed
or closed elsewhere); with 404 (the case or shelter is no longer there: a closed case removed by
retention); or with 503, when the database does not answer in time (busy, locked, or down).
Other answers cannot come from a line: the caller's role is checked before the first, its user
when the first hold begins, and the page's form is read with the API's own id rules (a form that
breaks them is refused as a whole, 422). A 503 stops "accept all" at that line: the next ones
would wait just as long for the same database and most likely fail the same way, keeping the
desk waiting for minutes and adding to the load, while every line is a hold of its own, so
nothing is lost by stopping: the holds made stay, and the page says which lines were not tried,
one press away once the database answers again.

Each line says what the desk can act on instead of the plan's internal cost: the travel distance,
as the ranking shows it, and the soft terms that apply (no specialisation, no shared language, a
move), both as the engine computes the cost.

The state comes back from the browser, where anyone can edit it, so it is read as strictly as a
request body: moments with their offset in the years the service takes, numbers finite and within
what a plan can hold, ids and codes as the API bounds them, lists no longer than a plan can be. A
state that breaks any of it is refused as a whole (422, the page saying to make a new plan), as
one that is no JSON at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Literal

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api import matching, shelter_store
from api.deps import Caller, SettingsDep, get_network_cache, settle
from api.network_cache import NetworkCache
from api.problems import DATABASE_FAILURES, RETRY_AFTER, ProblemError, log_database_failure
from api.routes import holds, plans, referrals
from api.schemas import HoldCreate, Key, Moment, PlanRequest
from api.settings import Settings
from api.web.access import Form, Visitor, call, guard_of, page_router
from api.web.i18n import language_of
from api.web.state import web_state
from engine.arrays import SOFT_TERMS, SoftTerm
from engine.holidays import public_holiday
from models.codes import REASON_CODES
from models.location import EARTH_RADIUS_KM
from models.plan import PlanStatus
from models.victim import Priority

router = page_router()
LISTED = 500

# A plan older than this is not accepted all at once: after a raid people keep being registered
# and places keep changing, and "accept all" holds places for everyone in the plan without the
# desk looking at each line; a new plan takes the newcomers and the places as they are into
# account. One line at a time stays possible, since the desk then looks at that line.
ACCEPT_ALL_WITHIN = timedelta(minutes=15)

# The code of the 422 for a plan the page's form carried back unreadable (the error page then
# asks for a new plan).
UNREADABLE = "plan_unreadable"
# What a line refused because its case or shelter is no longer there (404) records as its code.
GONE = "not_found"
# The refusals after which accepting the line again cannot work: the person was held, placed or
# closed elsewhere meanwhile, or the case or shelter is gone. After any other refusal (no room,
# the rules) the line may be tried again, once the shelter has room or fits again.
REFUSED_FOR_GOOD = frozenset({"already_held", "already_placed", "referral_closed", GONE})

# What became of one line: held, refused (why is kept in the plan's state), or not answered by a
# database that is busy or down.
Result = Literal["held", "refused", "busy"]
# A single accept's answer, as the hold route's own would be.
_STATUS: dict[Result, int] = {"held": 200, "refused": 409, "busy": 503}


# The most a plan's state counts of anything (its lines, or the shelters a reason rules out): far
# more than wait at once, or take people in, in the whole country; only a state made by hand
# comes near it.
MOST = 10_000
# No two points on the contract's sphere lie further apart than half its circumference.
FURTHEST_KM = math.ceil(math.pi * EARTH_RADIUS_KM)


class Carried(BaseModel):
    """Base of the state's parts: read as strictly as a request body, since the browser may have
    changed them (no unknown fields, no value of another type, no infinite number)."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Waiter(Carried):
    """What the plan's table shows of a referral besides its case id."""

    priority: Priority
    since: Moment


class Line(Carried):
    """A placement the plan proposes, with what the desk can act on: the travel distance (None
    when the referral has no location), rounded as the ranking shows it, and the soft terms of
    the cost that apply."""

    victim: Key
    shelter: Key
    distance_km: Annotated[float, Field(ge=0.0, le=FURTHEST_KM)] | None
    mismatches: Annotated[list[SoftTerm], Field(max_length=len(SOFT_TERMS))]
    kind: Key | None = None  # what kind of place (an emergency bed is no placement), if said
    phone_first: bool = False  # set intake hours on a public holiday: they may not hold that day


class Unplaced(Carried):
    """A referral the plan could not place, with per reason code the number of shelters it rules
    out (the plan's :class:`~models.plan.Unassigned`, bounded)."""

    victim: Key
    blocked_by: Annotated[
        dict[Key, Annotated[int, Field(ge=0, le=MOST)]], Field(max_length=len(REASON_CODES))
    ]


class Held(Carried):
    """A line accepted: the hold it made, until when."""

    hold: Key
    expires_at: Moment


class PlanState(Carried):
    """The plan on the page (only what the page shows of it: not the plan's costs), when it was
    made, and what became of each accepted line (held, or refused with the refusal's code)."""

    made_at: Moment
    status: PlanStatus
    lines: Annotated[list[Line], Field(max_length=MOST)]
    unassigned: Annotated[list[Unplaced], Field(max_length=MOST)]
    waiting: Annotated[dict[Key, Waiter], Field(max_length=LISTED)]
    held: Annotated[dict[Key, Held], Field(max_length=MOST)] = {}
    refused: Annotated[dict[Key, Key], Field(max_length=MOST)] = {}

    def urgency(self, victim: str) -> tuple[int, str]:
        """The page's order: the highest priority first, then by case id."""
        waiter = self.waiting.get(victim)
        return (-waiter.priority if waiter is not None else 0, victim)

    def ordered(self) -> list[Line]:
        """The plan's lines most urgent first."""
        return sorted(self.lines, key=lambda line: self.urgency(line.victim))

    def open(self) -> list[Line]:
        """The lines that can still be accepted, most urgent first: not held yet, and not
        refused for a reason that accepting again cannot change."""
        return [
            line
            for line in self.ordered()
            if line.victim not in self.held
            and self.refused.get(line.victim) not in REFUSED_FOR_GOOD
        ]


@dataclass(frozen=True)
class Tally:
    """What one press did: the holds made and the lines refused; when the database did not
    answer, the line it failed at (``busy``, not held) and the open lines after it, not tried."""

    made: int = 0
    refused: int = 0
    busy: str | None = None
    untried: tuple[str, ...] = ()


@router.get("/desk/plan")
def plan_page(request: Request, caller: Visitor) -> Response:
    """What the national plan does, and the button that makes one."""
    guard_of(plans.make_plan)(request, caller)
    return web_state(request).pages.render(request, "plan.html", {"state": None})


@router.post("/desk/plan")
def make_plan(
    request: Request,
    caller: Visitor,
    form: Form,
    settings: SettingsDep,
    cache: Annotated[NetworkCache, Depends(get_network_cache)],
) -> Response:
    """Plan for every waiting referral against the live free places."""
    settle(caller)
    waiting = call(referrals.list_referrals, request, caller, status="waiting", limit=LISTED)
    # The plan route's own work (its role check first): the page needs the instance too, to say
    # what each line's cost is made of.
    guard_of(plans.make_plan)(request, caller)
    made = matching.planned(caller, cache, PlanRequest(), time_limit=settings.solve_time_limit)
    terms = made.terms()
    facts = shelter_store.facts(caller.session, [line.shelter for line in made.plan.assignments])
    holiday = public_holiday(caller.now, language_of(request)) is not None
    lines = [
        Line(
            victim=line.victim,
            shelter=line.shelter,
            distance_km=_as_shown(terms[line.victim].distance_km),
            mismatches=list(terms[line.victim].mismatches),
            kind=known.kind if known else None,
            phone_first=shelter_store.phone_first(known, holiday),
        )
        for line in made.plan.assignments
        for known in [facts.get(line.shelter)]
    ]
    state = PlanState(
        made_at=caller.now,
        status=made.plan.status,
        lines=lines,
        unassigned=[
            Unplaced(victim=line.victim, blocked_by=dict(line.blocked_by))
            for line in made.plan.unassigned
        ],
        waiting={row.id: Waiter(priority=row.priority, since=row.created_at) for row in waiting},
    )
    return _render(request, caller, state, 200)


@router.post("/desk/plan/accept")
def accept(request: Request, caller: Visitor, form: Form, settings: SettingsDep) -> Response:
    """Hold one line of the plan; the other lines stay as they were."""
    guard_of(holds.create_hold)(request, caller)
    state = _state(form)
    try:
        referral_id, shelter_id = str(form.get("accept") or "").split(" ", 1)
    except ValueError:
        raise ProblemError(422, "the plan on the page could not be read", code=UNREADABLE) from None
    line = next(
        (line for line in state.lines if (line.victim, line.shelter) == (referral_id, shelter_id)),
        None,
    )
    if line is None:
        raise ProblemError(422, "that line is not in the plan")
    result = _hold(request, caller, settings, state, line)
    busy = line.victim if result == "busy" else None
    return _render(request, caller, state, _STATUS[result], busy=busy)


@router.post("/desk/plan/accept-all")
def accept_all(request: Request, caller: Visitor, form: Form, settings: SettingsDep) -> Response:
    """Hold every open line of the plan, most urgent first, each as a single accept would: a
    line refused (another desk took the place, say) is shown with why, and the others are held
    all the same. 409 when any line was refused, as for a single line; 503 when the database did
    not answer, which stops at that line (see the module's docstring); a plan too old to accept
    all at once holds nothing (409) and asks for a new plan."""
    guard_of(holds.create_hold)(request, caller)
    state = _state(form)
    if caller.now - state.made_at > ACCEPT_ALL_WITHIN:
        return _render(request, caller, state, 409, stale=True)
    lines = state.open()
    results: list[Result] = []
    for line in lines:
        results.append(_hold(request, caller, settings, state, line))
        if results[-1] == "busy":
            untried = tuple(later.victim for later in lines[len(results) :])
            tally = Tally(results.count("held"), results.count("refused"), line.victim, untried)
            return _render(request, caller, state, 503, outcome=tally)
    tally = Tally(results.count("held"), results.count("refused"))
    return _render(request, caller, state, 409 if tally.refused else 200, outcome=tally)


def _state(form: Form) -> PlanState:
    """The plan the page carried in its form, or 422 when it cannot be read."""
    try:
        return PlanState.model_validate_json(str(form.get("state") or ""))
    except ValidationError:
        raise ProblemError(422, "the plan on the page could not be read", code=UNREADABLE) from None


def _hold(
    request: Request, caller: Caller, settings: Settings, state: PlanState, line: Line
) -> Result:
    """Hold ``line`` through the API's route, as the desk would by hand, and record in ``state``
    what became of it: held, or refused by the ledger (409, its code) or for a case or shelter
    no longer there (404, :data:`GONE`); ``busy`` when the database did not answer, which leaves
    the line as it was.

    Each hold is committed on its own, as it would be in a request of its own: a refusal rolls
    back its transaction, which must not take the holds made before it along, and between holds
    other desks get their turn at the database. A hold whose commit fails is not held."""
    data = HoldCreate(referral_id=line.victim, shelter_id=line.shelter)
    try:
        made = call(holds.create_hold, request, caller, data, settings=settings)
        caller.session.commit()
    except ProblemError as problem:
        if problem.status not in (404, 409):
            raise
        state.refused[line.victim] = GONE if problem.status == 404 else problem.code or "conflict"
        return "refused"
    except DATABASE_FAILURES as failure:
        log_database_failure(failure)
        caller.session.rollback()
        return "busy"
    state.held[line.victim] = Held(hold=made.id, expires_at=made.expires_at)
    state.refused.pop(line.victim, None)
    return "held"


def _as_shown(distance_km: float | None) -> float | None:
    """A distance rounded as the ranking page shows it (one decimal, half to even of its
    shortest decimal form, as the pages' number filter rounds): shelter locations are kept from
    the desk, and the page carries no more precision than the ranking shows."""
    if distance_km is None:
        return None
    return float(Decimal(str(distance_km)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN))


def _render(
    request: Request,
    caller: Caller,
    state: PlanState,
    status: int,
    *,
    outcome: Tally | None = None,
    busy: str | None = None,
    stale: bool = False,
) -> Response:
    """The plan page: lines most urgent first, each accepted one with its hold's time left, and
    those it could not place, most urgent first too (after a raid the desk looks there first);
    after "accept all", how many lines were held and refused (``outcome``), or that the plan was
    too old to accept all at once (``stale``); the line the database did not answer for
    (``busy``, or the outcome's), and after "accept all" the lines not tried after it (a 503 asks
    to try again in a second, as the service's other 503s do)."""
    if outcome is not None:
        busy = outcome.busy
    left = {
        victim: max(0, int((held.expires_at - caller.now).total_seconds()))
        for victim, held in state.held.items()
    }
    open_lines = state.open()
    context = {
        "state": state,
        "lines": state.ordered(),
        "open": {line.victim for line in open_lines},
        "open_count": len(open_lines),
        "unassigned": sorted(state.unassigned, key=lambda line: state.urgency(line.victim)),
        "left": left,
        "state_json": state.model_dump_json(),
        "outcome": outcome,
        "busy": busy,
        "untried": set(outcome.untried) if outcome is not None else set(),
        "stale": stale or caller.now - state.made_at > ACCEPT_ALL_WITHIN,
        "accept_all_minutes": int(ACCEPT_ALL_WITHIN.total_seconds() // 60),
        "hold_minutes": request.app.state.settings.hold_minutes,
        "holiday": public_holiday(state.made_at, language_of(request)),
    }
    page = web_state(request).pages.render(request, "plan.html", context, status=status)
    if busy is not None:
        page.headers.update(RETRY_AFTER)
    return page
