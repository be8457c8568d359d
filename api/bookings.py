"""Holds and placements as the API reads and shows them (the ledger changes them).

A hold's stored status stays ``active`` until :func:`api.ledger.expire_holds` runs, but its places
are free from the moment it expires; the view says ``expired`` from that moment too, so the desk
never sees a hold as active that no longer reserves anything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.tables import HoldRow, PlacementRow
from api.problems import FieldError, ProblemError
from api.schemas import HoldPublic, HoldStatus, PlacementPublic, PlacementStatus


def hold_minutes(until: datetime | None, now: datetime, *, default: int, max_hours: int) -> int:
    """How long a hold lasts: ``default`` minutes, or until ``until`` (rounded up to the
    minute), which must lie ahead and at most ``max_hours`` away (else 422 at ``until``)."""
    if until is None:
        return default
    if until <= now:
        problem = "lies in the past: a hold lasts from now"
    elif until > now + timedelta(hours=max_hours):
        problem = f"lies more than {max_hours} hours ahead"
    else:
        return max(1, math.ceil((until - now).total_seconds() / 60))
    raise ProblemError(
        422, "no moment to hold until", errors=[FieldError(path="until", message=problem)]
    )


def get_hold(session: Session, hold_id: str) -> HoldRow:
    """The hold; 404 when there is none."""
    row = session.get(HoldRow, hold_id)
    if row is None:
        raise ProblemError(404, f"no hold '{hold_id}'")
    return row


def get_placement(session: Session, placement_id: str) -> PlacementRow:
    """The placement; 404 when there is none."""
    row = session.get(PlacementRow, placement_id)
    if row is None:
        raise ProblemError(404, f"no placement '{placement_id}'")
    return row


def search_holds(
    session: Session,
    *,
    status: HoldStatus | None,
    referral_id: str | None,
    shelter_id: str | None,
    now: datetime,
    limit: int,
    offset: int,
) -> Sequence[HoldRow]:
    """Holds matching every filter given (``status`` as the view shows it), newest first."""
    query = select(HoldRow)
    if status == "active":
        query = query.where(HoldRow.status == "active", HoldRow.expires_at > now)
    elif status == "expired":
        query = query.where(
            (HoldRow.status == "expired")
            | ((HoldRow.status == "active") & (HoldRow.expires_at <= now))
        )
    elif status is not None:
        query = query.where(HoldRow.status == status)
    if referral_id is not None:
        query = query.where(HoldRow.referral_id == referral_id)
    if shelter_id is not None:
        query = query.where(HoldRow.shelter_id == shelter_id)
    query = query.order_by(HoldRow.created_at.desc(), HoldRow.id).limit(limit).offset(offset)
    return session.scalars(query).all()


def search_placements(
    session: Session,
    *,
    status: PlacementStatus | None,
    referral_id: str | None,
    shelter_id: str | None,
    limit: int,
    offset: int,
) -> Sequence[PlacementRow]:
    """Placements matching every filter given, newest first."""
    query = select(PlacementRow)
    if status is not None:
        query = query.where(PlacementRow.status == status)
    if referral_id is not None:
        query = query.where(PlacementRow.referral_id == referral_id)
    if shelter_id is not None:
        query = query.where(PlacementRow.shelter_id == shelter_id)
    query = query.order_by(PlacementRow.started_at.desc(), PlacementRow.id)
    return session.scalars(query.limit(limit).offset(offset)).all()


def hold_public(row: HoldRow, now: datetime) -> HoldPublic:
    """The hold as it stands at ``now``."""
    expired = row.status == "active" and row.expires_at <= now
    return HoldPublic.model_validate(
        {
            "id": row.id,
            "referral_id": row.referral_id,
            "shelter_id": row.shelter_id,
            "places": row.places,
            "status": "expired" if expired else row.status,
            "created_at": row.created_at,
            "expires_at": row.expires_at,
            "ended_at": row.expires_at if expired else row.ended_at,
        }
    )


def placement_public(row: PlacementRow) -> PlacementPublic:
    """The placement."""
    return PlacementPublic.model_validate(row, from_attributes=True)
