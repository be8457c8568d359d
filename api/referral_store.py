"""Referrals: create, read, list, update and close, and the two views of a referral.

The ledger (:mod:`api.ledger`) owns what decides places (holds, placements); this module keeps the
case file itself. A new case id is random and derived from nothing (no time, no counter, no
person), so an id seen in a log or an audit row tells nothing about whom or when. Every referral
is written from a validated contract :class:`Victim`, so what is stored always parses again.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import MISSING, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import ledger, stays
from api.db.mapping import referral_columns, victim_from_row
from api.db.tables import HoldRow, PlacementRow, ReferralRow, ShelterRow
from api.problems import FieldError, ProblemError, invalid, invalid_field, version_conflict
from api.schemas import (
    ReferralCreate,
    ReferralIntake,
    ReferralPublic,
    ReferralStatus,
    ReferralUpdate,
    StayChange,
)
from models.victim import Victim


def new_case_id() -> str:
    """A random case id: ``C`` and 16 hex digits."""
    return f"C{secrets.token_hex(8)}"


def create(session: Session, data: ReferralCreate, *, now: datetime) -> ReferralRow:
    """Store a new waiting referral under a fresh case id."""
    victim = _victim({"id": new_case_id(), **data.model_dump(exclude={"stay"})})
    _check_current(session, victim.current)
    _check_avoid(session, victim.avoid, kept=())
    row = ReferralRow(
        **referral_columns(victim),
        status="waiting",
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(row)
    stays.begin(session, row.id, data.stay, at=now)
    session.flush()
    return row


def get(session: Session, referral_id: str, *, lock: bool = False) -> ReferralRow:
    """The referral; 404 when there is none."""
    row = session.get(ReferralRow, referral_id, with_for_update=lock, populate_existing=lock)
    if row is None:
        raise ProblemError(404, f"no referral '{referral_id}'")
    return row


def search(
    session: Session,
    *,
    status: ReferralStatus | None,
    priority: int | None,
    region: str | None,
    limit: int,
    offset: int,
) -> Sequence[ReferralRow]:
    """Referrals matching every filter given, oldest first."""
    query = select(ReferralRow)
    if status is not None:
        query = query.where(ReferralRow.status == status)
    if priority is not None:
        query = query.where(ReferralRow.priority == priority)
    if region is not None:
        query = query.where(ReferralRow.region == region)
    query = query.order_by(ReferralRow.created_at, ReferralRow.id).limit(limit).offset(offset)
    return session.scalars(query).all()


# The victim fields a placement was checked against (the hard rules of the shelter it is at) and
# the places it takes (children).
PLACEMENT_RESTS_ON = ("gender", "age", "children", "conditions", "programmes", "danger_zones")


def update(
    session: Session, referral_id: str, data: ReferralUpdate, *, now: datetime
) -> ReferralRow:
    """Change the fields given; a closed referral is refused (409 ``referral_closed``), and so is
    everything with a ``version`` that is no longer the referral's (409 ``version_conflict``).

    A held referral may change: the ledger checks the rules again when the hold is confirmed.
    A placed one has no such later check, so what its placement rests on (the fields of the
    rules the shelter was checked against, and the places it takes) cannot change while it lasts
    (409 ``already_placed``; a discharge closes the referral); the rest (priority, languages,
    ``avoid``, ...) can.
    """
    row = get(session, referral_id, lock=True)
    if row.status == "closed":
        raise ProblemError(409, "the referral is closed", code="referral_closed")
    if data.version is not MISSING and data.version != row.version:
        raise version_conflict("referral", data.version, row.version, row.updated_at)
    before = victim_from_row(row)
    victim = _victim(before.model_dump() | data.model_dump(exclude={"version"}))
    if row.status == "placed":
        changed = [
            name for name in PLACEMENT_RESTS_ON if getattr(victim, name) != getattr(before, name)
        ]
        if changed:
            raise ProblemError(
                409,
                f"the referral is placed, and its placement rests on {', '.join(changed)}: "
                "these cannot change while it lasts (a discharge closes the referral; a new "
                "place needs a new referral)",
                code="already_placed",
            )
    _check_current(session, victim.current)
    _check_avoid(session, victim.avoid, kept=before.avoid)
    for column, value in referral_columns(victim).items():
        setattr(row, column, value)
    row.updated_at = now
    row.version += 1
    session.flush()
    return row


def change_stay(
    session: Session, referral_id: str, data: StayChange, *, now: datetime
) -> ReferralRow:
    """Record where the person stays from now (or ``data.since``) on (:func:`api.stays.change`)."""
    row = get(session, referral_id, lock=True)
    stays.change(session, row, data.kind, since=data.since, now=now)
    return row


def close(
    session: Session, referral_id: str, reason: str, *, now: datetime
) -> tuple[ReferralRow, str | None]:
    """End a referral: an active hold is released first; a placed referral is refused (409
    ``already_placed``: discharge the placement, which closes it). The closed referral, and the
    id of the hold it released, if it released one (the caller's audit names it)."""
    get(session, referral_id)
    hold_id = session.scalars(
        select(HoldRow.id).where(HoldRow.referral_id == referral_id, HoldRow.status == "active")
    ).one_or_none()
    released = None
    if hold_id is not None:
        # The ledger locks shelter, referral and hold in its fixed order; an expired hold
        # (``hold_expired``) holds no places any more and is marked expired below.
        try:
            released = ledger.release_hold(session, hold_id, now=now).id
        except ledger.LedgerConflict as conflict:
            if conflict.code != "hold_expired":
                raise
    row = get(session, referral_id, lock=True)
    if row.status == "closed":
        raise ProblemError(409, "the referral is closed already", code="referral_closed")
    if row.status == "held":
        # A hold past its time, left above for the sweep, is swept now: closing must not leave
        # it active, or the sweep would later send the closed referral back to waiting.
        ledger.expire_holds_of(session, row, now)
    if row.status == "held":
        # A hold came in between the look for one above and this lock (PostgreSQL lets the two
        # interleave; SQLite's write lock does not). Releasing it now would lock its shelter
        # after the referral, against the ledger's order, so the desk is asked to try again.
        raise ProblemError(
            409,
            "a place was held for the referral meanwhile: release the hold, or close again",
            code="already_held",
        )
    if row.status == "placed":
        raise ProblemError(
            409,
            "the referral has an active placement: discharge it to close the referral",
            code="already_placed",
        )
    stays.end(session, row.id, at=now)
    row.status = "closed"
    row.closed_at = now
    row.close_reason = reason
    row.updated_at = now
    row.version += 1
    session.flush()
    return row, released


def at_shelter(session: Session, referral_id: str, shelter_id: str, *, now: datetime) -> bool:
    """Whether the referral holds (unexpired) or occupies places at the shelter now."""
    held = select(HoldRow.id).where(
        HoldRow.referral_id == referral_id,
        HoldRow.shelter_id == shelter_id,
        HoldRow.status == "active",
        HoldRow.expires_at > now,
    )
    placed = select(PlacementRow.id).where(
        PlacementRow.referral_id == referral_id,
        PlacementRow.shelter_id == shelter_id,
        PlacementRow.status == "active",
    )
    return session.scalars(held).first() is not None or session.scalars(placed).first() is not None


def public(session: Session, row: ReferralRow, *, now: datetime) -> ReferralPublic:
    """The desk's view: every field, with where the person stays and their unsuitable nights."""
    return public_many(session, [row], now=now)[0]


def public_many(
    session: Session, rows: Sequence[ReferralRow], *, now: datetime
) -> list[ReferralPublic]:
    """The desk's view of each referral, their stays read in one statement."""
    history = stays.of_referrals(session, [row.id for row in rows])
    return [
        ReferralPublic.model_validate(
            _fields(row)
            | {
                "stay": stays.public(stays.open_stay(history[row.id])),
                "unsuitable_nights": stays.unsuitable_nights(history[row.id], now=now),
                "stays": [stays.record(stay, now=now) for stay in history[row.id]],
            }
        )
        for row in rows
    ]


def _fields(row: ReferralRow) -> dict[str, Any]:
    """The stored fields of the desk's view."""
    return {
        name: getattr(row, name)
        for name in ReferralPublic.model_fields
        if name not in ("stay", "unsuitable_nights", "stays")
    }


def intake(row: ReferralRow) -> ReferralIntake:
    """Shelter staff's view: only what intake needs."""
    return ReferralIntake.model_validate(row, from_attributes=True)


def _victim(data: dict[str, Any]) -> Victim:
    try:
        return Victim.model_validate(data)
    except ValidationError as error:
        raise invalid(error) from None


# What an ``avoid`` entry naming no case and no resident is refused with (the desk's form says it
# in the reader's words).
NOBODY_KNOWN = "no case or resident '{}' is known"


def _check_avoid(session: Session, avoid: Sequence[str], *, kept: Sequence[str]) -> None:
    """422 at each new ``avoid`` entry that is no case and no shelter's resident.

    Keeping apart protects a person only when the number is right: a mistyped case number would
    be stored, keep nobody apart, and give no sign of it. Entries the referral kept from before
    are not checked again: the case they name may have been purged since, and keeping it apart
    harms nobody.
    """
    new = [person for person in avoid if person not in kept]
    if not new:
        return
    known = set(session.scalars(select(ReferralRow.id).where(ReferralRow.id.in_(new))))
    if len(known) < len(set(new)):
        known |= {
            resident
            for residents in session.scalars(select(ShelterRow.residents))
            for resident in residents
        }
    errors = [
        FieldError(path=f"avoid[{index}]", message=NOBODY_KNOWN.format(person))
        for index, person in enumerate(avoid)
        if person not in kept and person not in known
    ]
    if errors:
        raise ProblemError(422, "the request breaks the placement contract", errors=errors)


def _check_current(session: Session, shelter_id: str | None) -> None:
    if shelter_id is not None and session.get(ShelterRow, shelter_id) is None:
        raise invalid_field("current", f"names no shelter: '{shelter_id}'")
