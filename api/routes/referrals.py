"""``/referrals``: the desk's case files, and the ranking of one referral.

Every call writes one audit row (create, read, search, update, or the refusal). Shelter staff may
read a referral only while it holds or occupies places at their own shelter, and then only what
intake needs; for any other referral they get the same 404 as for one that does not exist.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from api import matching, referral_store
from api.deps import Caller, Hidden, allow, get_network_cache, get_ranking_lane
from api.lanes import RankingLane
from api.network_cache import NetworkCache
from api.problems import invalid_field
from api.routes.common import CHANGING, ON_OBJECT, Id, Limit, Offset
from api.schemas import (
    RankingRequest,
    ReferralClose,
    ReferralCreate,
    ReferralIntake,
    ReferralPublic,
    ReferralStatus,
    ReferralUpdate,
    StayChange,
)
from models.errors import suggest
from models.gazetteer import POLICE_UNITS
from models.ranking import Ranking

router = APIRouter(prefix="/referrals", tags=["referrals"])

Desk = Annotated[Caller, Depends(allow("desk", audited="referral"))]
DeskOrShelter = Annotated[Caller, Depends(allow("desk", "shelter", audited="referral"))]


@router.post("", status_code=201, responses=CHANGING)
def create_referral(data: ReferralCreate, caller: Desk) -> ReferralPublic:
    """Register a referral; the service draws its case id. Role: desk."""
    with caller.attempt("create", "referral") as attempt:
        row = referral_store.create(caller.session, data, now=caller.now)
        attempt.object_id = row.id
        return referral_store.public(caller.session, row, now=caller.now)


@router.get("", responses=ON_OBJECT)
def list_referrals(
    *,
    caller: Desk,
    status: ReferralStatus | None = None,
    priority: Annotated[int | None, Query(ge=1, le=3)] = None,
    region: Annotated[
        str | None, Query(max_length=32, description=f"Police unit: {', '.join(POLICE_UNITS)}.")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ReferralPublic]:
    """Referrals, oldest first, filtered by status, priority and police unit. Role: desk."""
    with caller.attempt("search", "referral") as found:
        if region is not None and region not in POLICE_UNITS:
            raise invalid_field("query.region", suggest_unit(region))
        rows = referral_store.search(
            caller.session,
            status=status,
            priority=priority,
            region=region,
            limit=limit,
            offset=offset,
        )
        found.disclosed = [row.id for row in rows]
        return referral_store.public_many(caller.session, rows, now=caller.now)


@router.get("/{referral_id}", responses=ON_OBJECT)
def read_referral(referral_id: Id, caller: DeskOrShelter) -> ReferralPublic | ReferralIntake:
    """One referral: all of it for the desk; for shelter staff, what intake needs, and only
    while it holds or occupies places at their shelter. Roles: desk, shelter."""
    with caller.attempt("read", "referral", referral_id):
        row = referral_store.get(caller.session, referral_id)
        if caller.role != "shelter":
            return referral_store.public(caller.session, row, now=caller.now)
        shelter_id = caller.shelter_id or ""
        if not referral_store.at_shelter(caller.session, row.id, shelter_id, now=caller.now):
            raise Hidden(f"no referral '{referral_id}'")
        return referral_store.intake(row)


@router.patch("/{referral_id}", responses=CHANGING)
def update_referral(referral_id: Id, data: ReferralUpdate, caller: Desk) -> ReferralPublic:
    """Change some fields of a referral that is not closed. Role: desk."""
    with caller.attempt("update", "referral", referral_id):
        row = referral_store.update(caller.session, referral_id, data, now=caller.now)
        return referral_store.public(caller.session, row, now=caller.now)


@router.post("/{referral_id}/close", responses=CHANGING)
def close_referral(referral_id: Id, data: ReferralClose, caller: Desk) -> ReferralPublic:
    """Close a referral (its active hold is released); a placed one is discharged instead.
    Role: desk."""
    with caller.attempt("update", "referral", referral_id):
        row, released = referral_store.close(
            caller.session, referral_id, data.reason, now=caller.now
        )
        if released is not None:
            caller.audit("update", "hold", released)
        return referral_store.public(caller.session, row, now=caller.now)


@router.put("/{referral_id}/stay", responses=CHANGING)
def change_stay(referral_id: Id, data: StayChange, caller: Desk) -> ReferralPublic:
    """Record where the person stays while no place is found (a hotel, a homeless shelter, the
    police station, ...), from now or from ``since``; the same kind again changes nothing.
    Role: desk."""
    with caller.attempt("update", "referral", referral_id):
        row = referral_store.change_stay(caller.session, referral_id, data, now=caller.now)
        return referral_store.public(caller.session, row, now=caller.now)


@router.post("/{referral_id}/ranking", response_model=Ranking, responses=CHANGING)
async def rank_referral(
    referral_id: Id,
    caller: Desk,
    cache: Annotated[NetworkCache, Depends(get_network_cache)],
    lane: Annotated[RankingLane, Depends(get_ranking_lane)],
    data: Annotated[RankingRequest | None, Body()] = None,
) -> Response:
    """Every shelter the referral may go to now (or at ``at``), cheapest first, why every other
    is closed, and what single change would open one when none fits. Role: desk.

    Reads in the worker's ranking lane, with the rankings asked at the same time
    (:mod:`api.lanes`), and is computed on the event loop. Serialised here: the engine built and
    validated the ranking already, and a returned model would be validated again."""
    at = None if data is None else data.at
    read = await lane.read(partial(matching.read_shared, caller, cache, referral_id, at))
    ranking = read.explain().ranking
    return Response(ranking.model_dump_json(by_alias=True), media_type="application/json")


def suggest_unit(region: str) -> str:
    """Why ``region`` is no police unit, with the closest one."""
    return f"unknown police unit '{region}'{suggest(region, POLICE_UNITS)}"
