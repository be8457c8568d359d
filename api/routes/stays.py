"""``GET /stays``: where the people waiting for a place stay, per police unit; no person named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api import stays
from api.deps import Caller, allow
from api.disclosure import stay_cells
from api.routes.common import AUTHENTICATED
from api.schemas import StayCell

router = APIRouter(prefix="/stays", tags=["capacity"])


@router.get("", responses=AUTHENTICATED)
def stays_by_region(
    caller: Annotated[Caller, Depends(allow("planner", "desk"))],
) -> list[StayCell]:
    """People waiting per police unit, how many of them stay somewhere unsuitable now (a hotel,
    a homeless shelter, a police station, the street), and the nights people spent there in the
    last 30 days; the last row is the whole country. For planners, counts of 1-4 people are
    withheld. Roles: planner, desk."""
    rows = stays.by_region(caller.session, now=caller.now)
    return stay_cells(rows, suppress=caller.role == "planner")
