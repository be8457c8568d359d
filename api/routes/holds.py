"""``/holds``: places reserved for a referral for a limited time, then confirmed or released.

A hold is the only way places are taken: ``POST /holds`` answers 201, or 409 with a problem
document whose ``code`` says why (``no_room``, ``rule_broken`` with the rules in ``reasons``,
``already_held``, ``already_placed``, ``referral_closed``). Shelter staff see, confirm and release
the holds at their own shelter; the desk makes them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from api import bookings, ledger
from api.deps import Caller, SettingsDep, allow
from api.routes.common import CHANGING, ON_OBJECT, FilterId, Id, Limit, Offset
from api.schemas import HoldCreate, HoldExtend, HoldPublic, HoldStatus, PlacementPublic

router = APIRouter(prefix="/holds", tags=["holds"])

# The rules a refused confirm names to shelter staff: those of what the intake view shows them of
# the person (gender, age, children, conditions; :class:`api.schemas.ReferralIntake`) and of
# their own places. A danger zone near the shelter, a resident the person must not live with, or
# the programmes the person may use are kept from staff: the desk, who sees why, acts on them.
STAFF_RULES = ("gender", "age", "children", "capacity")

Desk = Annotated[Caller, Depends(allow("desk", audited="hold"))]
DeskOrStaff = Annotated[Caller, Depends(allow("desk", "shelter", audited="hold"))]


@router.post("", status_code=201, responses=CHANGING)
def create_hold(data: HoldCreate, caller: Desk, settings: SettingsDep) -> HoldPublic:
    """Reserve the places a referral needs at a shelter until ``expires_at``: for the
    configured time, or until ``until`` (a next-morning intake). Role: desk."""
    with caller.attempt("create", "hold") as attempt:
        attempt.besides.append(("update", "referral", data.referral_id))  # it is held now
        minutes = bookings.hold_minutes(
            data.until, caller.now, default=settings.hold_minutes, max_hours=settings.hold_max_hours
        )
        row = ledger.create_hold(
            caller.session,
            data.referral_id,
            data.shelter_id,
            now=caller.now,
            minutes=minutes,
        )
        attempt.object_id = row.id
        return bookings.hold_public(row, caller.now)


@router.get("", responses=ON_OBJECT)
def list_holds(
    *,
    caller: DeskOrStaff,
    status: HoldStatus | None = None,
    referral_id: FilterId = None,
    shelter_id: FilterId = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[HoldPublic]:
    """Holds, newest first. Roles: desk, shelter (those at its own shelter)."""
    with caller.attempt("search", "hold") as found:
        if caller.role == "shelter":
            if shelter_id not in (None, caller.shelter_id):
                return []
            shelter_id = caller.shelter_id
        rows = bookings.search_holds(
            caller.session,
            status=status,
            referral_id=referral_id,
            shelter_id=shelter_id,
            now=caller.now,
            limit=limit,
            offset=offset,
        )
        found.disclosed = [row.id for row in rows]
        return [bookings.hold_public(row, caller.now) for row in rows]


@router.get("/{hold_id}", responses=ON_OBJECT)
def read_hold(hold_id: Id, caller: DeskOrStaff) -> HoldPublic:
    """One hold. Roles: desk, shelter (its own shelter's)."""
    with caller.attempt("read", "hold", hold_id):
        row = bookings.get_hold(caller.session, hold_id)
        caller.must_see(row.shelter_id, "hold", hold_id)
        return bookings.hold_public(row, caller.now)


@router.post("/{hold_id}/confirm", responses=CHANGING)
def confirm_hold(hold_id: Id, caller: DeskOrStaff) -> PlacementPublic:
    """The intake happened: the hold becomes a placement, after the rules and the places are
    checked once more (409 ``rule_broken``, ``no_room``). A hold past its time (409
    ``hold_expired``) or confirmed or released already (409 ``hold_not_active``) is not
    confirmed. Roles: desk, shelter (its own shelter's)."""
    with caller.attempt("update", "hold", hold_id):
        caller.must_see(bookings.get_hold(caller.session, hold_id).shelter_id, "hold", hold_id)
        try:
            placement = ledger.confirm_hold(caller.session, hold_id, now=caller.now)
        except ledger.LedgerConflict as conflict:
            if caller.role == "shelter" and conflict.code == "rule_broken":
                raise told_staff(conflict) from None
            raise
        caller.audit("create", "placement", placement.id)
        caller.audit("update", "referral", placement.referral_id)  # placed, its stay ended
        return bookings.placement_public(placement)


@router.post("/{hold_id}/extend", responses=CHANGING)
def extend_hold(
    hold_id: Id,
    caller: DeskOrStaff,
    settings: SettingsDep,
    data: Annotated[HoldExtend | None, Body()] = None,
) -> HoldPublic:
    """Keep the places longer, when the intake is late: for the configured time from now, or
    until ``until``; never shorter than the hold lasts already (409 ``hold_not_extended``). An
    expired hold cannot be extended (409 ``hold_expired``): its places may be taken; nor one
    confirmed or released already (409 ``hold_not_active``). Roles: desk, shelter (its own
    shelter's)."""
    with caller.attempt("update", "hold", hold_id):
        caller.must_see(bookings.get_hold(caller.session, hold_id).shelter_id, "hold", hold_id)
        minutes = bookings.hold_minutes(
            None if data is None else data.until,
            caller.now,
            default=settings.hold_minutes,
            max_hours=settings.hold_max_hours,
        )
        row = ledger.extend_hold(caller.session, hold_id, now=caller.now, minutes=minutes)
        return bookings.hold_public(row, caller.now)


@router.post("/{hold_id}/release", responses=CHANGING)
def release_hold(hold_id: Id, caller: DeskOrStaff) -> HoldPublic:
    """Give the places back; the referral waits again. A hold past its time has given them back
    already (409 ``hold_expired``); one confirmed or released already is refused too (409
    ``hold_not_active``). Roles: desk, shelter (its own shelter's)."""
    with caller.attempt("update", "hold", hold_id):
        caller.must_see(bookings.get_hold(caller.session, hold_id).shelter_id, "hold", hold_id)
        row = ledger.release_hold(caller.session, hold_id, now=caller.now)
        caller.audit("update", "referral", row.referral_id)  # it waits again
        return bookings.hold_public(row, caller.now)


def told_staff(conflict: ledger.LedgerConflict) -> ledger.LedgerConflict:
    """A confirm's ``rule_broken`` as shelter staff hear it: of the rules broken only those of
    :data:`STAFF_RULES` and the conditions."""
    shown = [r for r in conflict.reasons if r in STAFF_RULES or r.startswith("condition:")]
    named = f": {', '.join(shown)}" if shown else ""
    detail = f"the person no longer fits the shelter's rules{named}; the desk sees why"
    return ledger.LedgerConflict("rule_broken", detail, reasons=shown)
