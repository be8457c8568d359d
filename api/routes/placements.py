"""``/placements``: who lives where through Safeplace, until discharged.

Shelter staff see and discharge the placements at their own shelter; another shelter's placement
answers 404, as one that does not exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api import bookings, ledger
from api.deps import Caller, allow
from api.routes.common import CHANGING, ON_OBJECT, FilterId, Id, Limit, Offset
from api.schemas import PlacementPublic, PlacementStatus

router = APIRouter(prefix="/placements", tags=["placements"])

DeskOrStaff = Annotated[Caller, Depends(allow("desk", "shelter", audited="placement"))]


@router.get("", responses=ON_OBJECT)
def list_placements(
    *,
    caller: DeskOrStaff,
    status: PlacementStatus | None = None,
    referral_id: FilterId = None,
    shelter_id: FilterId = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[PlacementPublic]:
    """Placements, newest first. Roles: desk, shelter (those at its own shelter)."""
    with caller.attempt("search", "placement") as found:
        if caller.role == "shelter":
            if shelter_id not in (None, caller.shelter_id):
                return []
            shelter_id = caller.shelter_id
        rows = bookings.search_placements(
            caller.session,
            status=status,
            referral_id=referral_id,
            shelter_id=shelter_id,
            limit=limit,
            offset=offset,
        )
        found.disclosed = [row.id for row in rows]
        return [bookings.placement_public(row) for row in rows]


@router.get("/{placement_id}", responses=ON_OBJECT)
def read_placement(placement_id: Id, caller: DeskOrStaff) -> PlacementPublic:
    """One placement. Roles: desk, shelter (its own shelter's)."""
    with caller.attempt("read", "placement", placement_id):
        row = bookings.get_placement(caller.session, placement_id)
        caller.must_see(row.shelter_id, "placement", placement_id)
        return bookings.placement_public(row)


@router.post("/{placement_id}/discharge", responses=CHANGING)
def discharge(placement_id: Id, caller: DeskOrStaff) -> PlacementPublic:
    """The person left: the placement ends and the referral is closed. Roles: desk, shelter
    (its own shelter's)."""
    with caller.attempt("update", "placement", placement_id):
        row = bookings.get_placement(caller.session, placement_id)
        caller.must_see(row.shelter_id, "placement", placement_id)
        ended = ledger.discharge(caller.session, placement_id, now=caller.now)
        caller.audit("update", "referral", ended.referral_id)  # closed
        return bookings.placement_public(ended)
