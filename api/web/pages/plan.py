"""The national plan: the best placement of everyone waiting, with "accept" on every line.

The plan is the API's (``POST /plans``) and reserves nothing; accepting a line makes the hold the
desk would make by hand (``POST /holds``), which checks the rules and the free places again. The
plan stays on the page while lines are accepted one by one: it travels with the form (it is only
advice, and every hold is checked in full), so accepting one line never reshuffles the others.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError

from api.deps import Caller, SettingsDep, get_network_cache, settle
from api.network_cache import NetworkCache
from api.problems import ProblemError
from api.routes import holds, plans, referrals
from api.schemas import HoldCreate
from api.web.access import Form, Visitor, call, guard_of, page_router
from api.web.state import web_state
from models.plan import Plan

router = page_router()
LISTED = 500


class Waiter(BaseModel):
    """What the plan's table shows of a referral besides its case id."""

    model_config = ConfigDict(extra="forbid")

    priority: int
    since: datetime


class Held(BaseModel):
    """A line accepted: the hold it made, until when."""

    model_config = ConfigDict(extra="forbid")

    hold: str
    expires_at: datetime


class PlanState(BaseModel):
    """The plan on the page, and what became of each accepted line."""

    model_config = ConfigDict(extra="forbid")

    plan: Plan
    waiting: dict[str, Waiter]
    held: dict[str, Held] = {}
    refused: dict[str, str] = {}


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
    plan = call(plans.make_plan, request, caller, settings=settings, cache=cache, data=None)
    state = PlanState(
        plan=plan,
        waiting={row.id: Waiter(priority=row.priority, since=row.created_at) for row in waiting},
    )
    return _render(request, caller, state, 200)


@router.post("/desk/plan/accept")
def accept(request: Request, caller: Visitor, form: Form, settings: SettingsDep) -> Response:
    """Hold one line of the plan; the other lines stay as they were."""
    guard_of(holds.create_hold)(request, caller)
    try:
        state = PlanState.model_validate_json(str(form.get("state") or ""))
        referral_id, shelter_id = str(form.get("accept") or "").split(" ", 1)
        data = HoldCreate(referral_id=referral_id, shelter_id=shelter_id)
    except (ValidationError, ValueError):
        raise ProblemError(422, "the plan on the page could not be read") from None
    if not any(
        (line.victim, line.shelter) == (referral_id, shelter_id) for line in state.plan.assignments
    ):
        raise ProblemError(422, "that line is not in the plan")
    status = 200
    try:
        made = call(holds.create_hold, request, caller, data, settings=settings)
    except ProblemError as problem:
        if problem.status != 409:
            raise
        state.refused[referral_id] = problem.code or "conflict"
        status = 409
    else:
        state.held[referral_id] = Held(hold=made.id, expires_at=made.expires_at)
        state.refused.pop(referral_id, None)
    return _render(request, caller, state, status)


def _render(request: Request, caller: Caller, state: PlanState, status: int) -> Response:
    """The plan page: lines most urgent first, each accepted one with its hold's time left, and
    those it could not place, most urgent first too (after a raid the desk looks there first)."""

    def urgency(victim: str) -> tuple[int, str]:
        return (-state.waiting[victim].priority if victim in state.waiting else 0, victim)

    order = sorted(state.plan.assignments, key=lambda line: urgency(line.victim))
    left_out = sorted(state.plan.unassigned, key=lambda line: urgency(line.victim))
    left = {
        victim: max(0, int((held.expires_at - caller.now).total_seconds()))
        for victim, held in state.held.items()
    }
    context = {
        "state": state,
        "assignments": order,
        "unassigned": left_out,
        "left": left,
        "state_json": state.model_dump_json(),
    }
    return web_state(request).pages.render(request, "plan.html", context, status=status)
