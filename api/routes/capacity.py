"""``GET /capacity``: free and total places per police unit and profile, no shelter named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api import ledger
from api.deps import Caller, allow
from api.disclosure import capacity_cells
from api.routes.common import AUTHENTICATED
from api.schemas import CapacityCell

router = APIRouter(prefix="/capacity", tags=["capacity"])


@router.get("", responses=AUTHENTICATED)
def capacity(
    caller: Annotated[Caller, Depends(allow("planner", "desk", "admin"))],
) -> list[CapacityCell]:
    """Places per police unit, gender and accepted condition (cells overlap: a shelter counts
    in every profile it fits). For planners, counts of 1-4 are withheld. Roles: planner, desk,
    admin."""
    cells = ledger.capacity_by_region(caller.session, caller.now)
    return capacity_cells(cells, suppress=caller.role == "planner")
