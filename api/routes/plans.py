"""``POST /plans``: the contract's plan for the waiting referrals against the live places.

A plan is advice: nothing is reserved until the desk makes holds, so two desks may plan at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api import matching
from api.deps import Caller, SettingsDep, allow, get_network_cache
from api.network_cache import NetworkCache
from api.routes.common import CHANGING
from api.schemas import PlanRequest
from models.plan import Plan

router = APIRouter(prefix="/plans", tags=["plans"])


@router.post("", responses=CHANGING)
def make_plan(
    caller: Annotated[Caller, Depends(allow("desk", audited="referral"))],
    settings: SettingsDep,
    cache: Annotated[NetworkCache, Depends(get_network_cache)],
    data: Annotated[PlanRequest | None, Body()] = None,
) -> Plan:
    """Place as many waiting referrals as possible, the most urgent first (all of them, or the
    ones named), and say for each one left out which rules blocked it. Role: desk."""
    return matching.plan(caller, cache, data or PlanRequest(), time_limit=settings.solve_time_limit)
