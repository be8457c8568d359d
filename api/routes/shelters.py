"""``/shelters``: the network (admin), and each shelter's availability (its own staff).

Shelter staff reach only their own shelter: any other id answers 404, exactly as an id that does
not exist, so staff cannot even learn which other shelters there are. Shelters are no personal
data, so reading them writes no audit rows; every change (and every refused attempt at one) does,
since the desk places people on what a shelter reports: the trail answers "who closed this
shelter, and when?".

A shelter's residents (people living there outside the ledger, kept apart by ``avoid``) are about
people, so they have a route of their own: admin only, each read audited as one of personal data.
Keeping them out of the shelter itself means its staff, who only keep places and hours current,
never receive them, and the shelter pages' refreshes stay out of the trail.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api import shelter_store
from api.audit import NOT_AN_ID
from api.db.tables import ShelterRow
from api.deps import Attempt, Caller, Hidden, allow
from api.problems import ProblemError
from api.routes.common import AUTHENTICATED, CHANGING, ON_OBJECT, Id, Limit, Offset
from api.schemas import (
    AvailabilityUpdate,
    ShelterCreate,
    ShelterPublic,
    ShelterResidents,
    ShelterUpdate,
)

router = APIRouter(prefix="/shelters", tags=["shelters"])

Admin = Annotated[Caller, Depends(allow("admin"))]
AdminOnPeople = Annotated[Caller, Depends(allow("admin", audited="residents"))]
AdminOrStaff = Annotated[Caller, Depends(allow("admin", "shelter"))]


def _own(caller: Caller, shelter_id: str) -> None:
    if caller.role == "shelter" and caller.shelter_id != shelter_id:
        raise Hidden(f"no shelter '{shelter_id}'")


def _named(caller: Caller, attempt: Attempt, shelter_id: str) -> None:
    """Name the shelter in the audit row when it exists: an id from the path that is no
    shelter's may be anything a caller typed, and the trail keeps only that it was none."""
    if caller.session.get(ShelterRow, shelter_id) is not None:
        attempt.object_id = shelter_id


@router.get("", responses=AUTHENTICATED)
def list_shelters(caller: Admin, limit: Limit = 100, offset: Offset = 0) -> list[ShelterPublic]:
    """Every shelter with its live places, by id. Role: admin."""
    held, placed = shelter_store.usage(caller.session, caller.now)
    rows = shelter_store.search(caller.session, limit=limit, offset=offset)
    return [
        shelter_store.public(row, held=held.get(row.id, 0), placed=placed.get(row.id, 0))
        for row in rows
    ]


@router.post("", status_code=201, responses=CHANGING)
def create_shelter(data: ShelterCreate, caller: Admin) -> ShelterPublic:
    """Add a shelter to the network. Role: admin."""
    with caller.attempt("create", "shelter") as attempt:
        _named(caller, attempt, data.id)  # one that exists already is refused under its name
        try:
            row = shelter_store.create(caller.session, data, now=caller.now)
        except ProblemError as problem:
            if problem.code == "shelter_exists":  # stored meanwhile, or under another case
                attempt.object_id = shelter_store.taken_id(caller.session, data.id)
            raise
        attempt.object_id = row.id
        return shelter_store.public(row, held=0, placed=0)


@router.get("/{shelter_id}", responses=ON_OBJECT)
def read_shelter(shelter_id: Id, caller: AdminOrStaff) -> ShelterPublic:
    """One shelter with its live places. Roles: admin, shelter (its own)."""
    _own(caller, shelter_id)
    return _public(caller, shelter_store.get(caller.session, shelter_id))


@router.get("/{shelter_id}/residents", responses=ON_OBJECT)
def read_residents(shelter_id: Id, caller: AdminOnPeople) -> ShelterResidents:
    """The pseudonymous ids of the people living at the shelter outside Safeplace's ledger.
    Role: admin. Every read is audited (object type ``residents``, the shelter's id)."""
    with caller.attempt("read", "residents", NOT_AN_ID) as attempt:
        _named(caller, attempt, shelter_id)
        return shelter_store.residents(shelter_store.get(caller.session, shelter_id))


@router.patch("/{shelter_id}", responses=CHANGING)
def update_shelter(shelter_id: Id, data: ShelterUpdate, caller: Admin) -> ShelterPublic:
    """Change a shelter's profile, capacity or state; with ``version``, only if nobody changed
    the shelter since it was read. Role: admin."""
    with caller.attempt("update", "shelter", NOT_AN_ID) as attempt:
        _named(caller, attempt, shelter_id)
        row = shelter_store.update(caller.session, shelter_id, data, now=caller.now)
        return _public(caller, row)


@router.patch("/{shelter_id}/availability", responses=CHANGING)
def update_availability(
    shelter_id: Id, data: AvailabilityUpdate, caller: AdminOrStaff
) -> ShelterPublic:
    """Report free (or occupied) places, closing, or intake hours. Roles: shelter (its own),
    admin."""
    with caller.attempt("update", "shelter", NOT_AN_ID) as attempt:
        _named(caller, attempt, shelter_id)
        _own(caller, shelter_id)
        row = shelter_store.set_availability(caller.session, shelter_id, data, now=caller.now)
        return _public(caller, row)


def _public(caller: Caller, row: ShelterRow) -> ShelterPublic:
    held, placed = shelter_store.usage(caller.session, caller.now)
    return shelter_store.public(row, held=held.get(row.id, 0), placed=placed.get(row.id, 0))
