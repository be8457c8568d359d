"""Shelters: create, read, list and update (admin), and availability (a shelter's own staff).

A shelter is stored from a validated contract :class:`Shelter`, so the engine can always read it
back. Its places are split three ways: ``occupied`` (people outside Safeplace, as staff report
them), and the places Safeplace itself holds or has filled (from the ledger). Staff usually know
"how many beds are free"; :func:`set_availability` turns that into ``occupied`` so the ledger's
own holds and placements are never counted twice, and refuses a number that would overbook.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import MISSING, TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import ledger
from api.db.mapping import shelter_columns, stored_shelter_fields
from api.db.tables import HoldRow, PlacementRow, ShelterRow
from api.problems import ProblemError, invalid, invalid_field, version_conflict
from api.schemas import (
    AvailabilityUpdate,
    ShelterCreate,
    ShelterPublic,
    ShelterResidents,
    ShelterUpdate,
)
from engine.intake import always_open
from models.intake import Intake
from models.shelter import Shelter


def create(session: Session, data: ShelterCreate, *, now: datetime) -> ShelterRow:
    """Store a new shelter; 409 ``shelter_exists`` when the id is taken, also in another case,
    and also by a shelter another admin stored under the same id at the same moment (on
    PostgreSQL both may find the id free, and the database's own key refuses the second)."""
    taken = taken_id(session, data.id)
    if taken == data.id:
        raise _exists(data.id)
    if taken is not None:
        raise ProblemError(
            409,
            f"a shelter '{taken}' exists already: ids that differ only in case would be taken "
            "for each other",
            code="shelter_exists",
        )
    shelter = _shelter(data.model_dump(exclude=_NOT_CONTRACT))
    row = ShelterRow(
        **shelter_columns(shelter),
        kind=data.kind,
        holiday_intake=data.holiday_intake,
        closed=data.closed,
        updated_at=now,
        places_reported_at=now,
        version=1,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The insert waited for the other transaction's, which now shows.
        if session.get(ShelterRow, data.id, populate_existing=True) is not None:
            raise _exists(data.id) from None
        raise
    return row


def taken_id(session: Session, shelter_id: str) -> str | None:
    """The id of the shelter stored under ``shelter_id`` or under the same id in another case:
    on the phone and on paper "S001" and "s001" are one shelter, so the network holds one.

    A new id has only ASCII letters (:data:`api.schemas.ShelterId`), which every database lowers
    alike; the exact id is preferred where an id of before that rule differs only in case.
    """
    exact = session.get(ShelterRow, shelter_id)
    if exact is not None:
        return exact.id
    return session.scalars(
        select(ShelterRow.id).where(func.lower(ShelterRow.id) == shelter_id.lower()).limit(1)
    ).first()


def _exists(shelter_id: str) -> ProblemError:
    return ProblemError(409, f"a shelter '{shelter_id}' exists already", code="shelter_exists")


def get(session: Session, shelter_id: str, *, lock: bool = False) -> ShelterRow:
    """The shelter; 404 when there is none."""
    row = session.get(ShelterRow, shelter_id, with_for_update=lock, populate_existing=lock)
    if row is None:
        raise ProblemError(404, f"no shelter '{shelter_id}'")
    return row


def search(session: Session, *, limit: int, offset: int) -> Sequence[ShelterRow]:
    """Shelters by id."""
    return session.scalars(
        select(ShelterRow).order_by(ShelterRow.id).limit(limit).offset(offset)
    ).all()


# Fields whose change is a report of a shelter's places (the rest describe the shelter; whether
# it takes intakes on public holidays is its policy, not a count, so it is no report either).
PLACES_FIELDS = frozenset({"capacity", "occupied", "closed", "intake"})
# Fields of a shelter kept beside the contract's (the engine never sees them).
_NOT_CONTRACT: set[str] = {"closed", "kind", "holiday_intake"}


# A stored intake value (JSON) as the contract's type.
_INTAKE: TypeAdapter[Intake] = TypeAdapter(Intake)


@dataclass(frozen=True)
class Facts:
    """What the desk is told about a shelter it is offered, besides the ranking."""

    reported: datetime  # when its free places were last reported
    kind: str | None  # what kind of place (:data:`api.schemas.ShelterKind`), if said
    day_and_night: bool  # no minute of the week without intake: holidays are no exception
    holiday_intake: bool  # said to take intakes on public holidays within its usual hours

    @property
    def holidays_as_usual(self) -> bool:
        """Whether a public holiday changes nothing for its intake: the desk need not phone
        first (open day and night, or said to keep its hours on holidays)."""
        return self.day_and_night or self.holiday_intake


def phone_first(known: Facts | None, holiday: bool) -> bool:
    """Whether the desk is told to phone a shelter first: on a public holiday (``holiday``),
    one whose intake the holiday may stop (unknown facts: the safe side)."""
    return holiday and not (known is not None and known.holidays_as_usual)


def facts(session: Session, shelter_ids: Sequence[str]) -> dict[str, Facts]:
    """:class:`Facts` of each shelter, by id, in one query."""
    if not shelter_ids:
        return {}
    rows = session.execute(
        select(
            ShelterRow.id,
            ShelterRow.places_reported_at,
            ShelterRow.updated_at,
            ShelterRow.kind,
            ShelterRow.intake,
            ShelterRow.holiday_intake,
        ).where(ShelterRow.id.in_(shelter_ids))
    )
    return {
        shelter_id: Facts(
            reported or updated, kind, always_open(_INTAKE.validate_python(intake)), holiday
        )
        for shelter_id, reported, updated, kind, intake, holiday in rows
    }


def holidays_as_usual(session: Session) -> frozenset[str]:
    """The ids of every shelter a public holiday changes nothing for
    (:attr:`Facts.holidays_as_usual`), in one query: the waiting list counts the others apart."""
    rows = session.execute(select(ShelterRow.id, ShelterRow.intake, ShelterRow.holiday_intake))
    return frozenset(
        shelter_id
        for shelter_id, intake, holiday in rows
        if holiday or always_open(_INTAKE.validate_python(intake))
    )


def places_reported(row: ShelterRow) -> datetime:
    """When the shelter's places were last reported (``updated_at`` for a row stored without)."""
    return row.places_reported_at or row.updated_at


def update(session: Session, shelter_id: str, data: ShelterUpdate, *, now: datetime) -> ShelterRow:
    """Change the fields given; refuses a capacity below the places in use (409 ``in_use``), and,
    with a ``version`` that is no longer the shelter's, everything (409 ``version_conflict``)."""
    row = get(session, shelter_id, lock=True)
    _unchanged_since(row, data.version)
    changes = data.model_dump(exclude=_NOT_CONTRACT | {"version"})
    closed = row.closed if data.closed is MISSING else data.closed
    shelter = _shelter(stored_shelter_fields(row) | changes)
    taken = ledger.taken_places(session, shelter_id, now=now)
    if shelter.occupied + taken > shelter.capacity:
        raise ProblemError(
            409,
            f"{shelter.occupied} occupied and {taken} held or placed through Safeplace "
            f"exceed a capacity of {shelter.capacity}",
            code="in_use",
        )
    given = set(changes) | ({"closed"} if data.closed is not MISSING else set())
    _store(row, shelter, closed=closed, now=now, places_reported=bool(given & PLACES_FIELDS))
    if data.kind is not MISSING:
        row.kind = data.kind
    if data.holiday_intake is not MISSING:
        row.holiday_intake = data.holiday_intake
    return row


def set_availability(
    session: Session, shelter_id: str, data: AvailabilityUpdate, *, now: datetime
) -> ShelterRow:
    """Record free (or occupied) places, closing and intake hours reported by staff, and whether
    those hours hold on public holidays; with a ``version`` that is no longer the shelter's,
    nothing (409 ``version_conflict``). Any save renews when the places were last reported,
    except one that only says whether the shelter takes intakes on holidays: that is no count."""
    row = get(session, shelter_id, lock=True)
    _unchanged_since(row, data.version)
    taken = ledger.taken_places(session, shelter_id, now=now)
    room = row.capacity - taken
    fields = stored_shelter_fields(row)
    if data.free is not MISSING:
        if data.free > room:
            raise invalid_field(
                "free", f"at most {room} places can be free: {taken} are held or placed"
            )
        fields["occupied"] = room - data.free
    if data.occupied is not MISSING:
        if data.occupied > room:
            raise invalid_field(
                "occupied", f"at most {room} places can be occupied: {taken} are held or placed"
            )
        fields["occupied"] = data.occupied
    if data.intake is not MISSING:
        fields["intake"] = data.intake
    closed = row.closed if data.closed is MISSING else data.closed
    given = set(data.model_dump(exclude={"version"}))
    _store(
        row, _shelter(fields), closed=closed, now=now, places_reported=given != {"holiday_intake"}
    )
    if data.holiday_intake is not MISSING:
        row.holiday_intake = data.holiday_intake
    return row


def _unchanged_since(row: ShelterRow, version: int | MISSING) -> None:
    """409 ``version_conflict`` when a change based on ``version`` would overwrite a change made
    since that version was read (nothing, without a version). ``row`` is read under lock, so
    of two changes based on the same version exactly one is made."""
    if version is not MISSING and version != row.version:
        raise version_conflict("shelter", version, row.version, row.updated_at)


def usage(session: Session, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Places held (unexpired active holds) and placed (active placements) per shelter id."""
    held: defaultdict[str, int] = defaultdict(int)
    placed: defaultdict[str, int] = defaultdict(int)
    holds = select(HoldRow.shelter_id, func.sum(HoldRow.places)).where(
        HoldRow.status == "active", HoldRow.expires_at > now
    )
    for shelter_id, places in session.execute(holds.group_by(HoldRow.shelter_id)):
        held[shelter_id] = int(places)
    placements = select(PlacementRow.shelter_id, func.sum(PlacementRow.places)).where(
        PlacementRow.status == "active"
    )
    for shelter_id, places in session.execute(placements.group_by(PlacementRow.shelter_id)):
        placed[shelter_id] = int(places)
    return held, placed


def public(row: ShelterRow, *, held: int, placed: int) -> ShelterPublic:
    """A shelter with its live places."""
    free = 0 if row.closed else max(0, row.capacity - row.occupied - held - placed)
    stored = stored_shelter_fields(row)
    del stored["residents"]  # about people: see residents()
    return ShelterPublic.model_validate(
        {
            **stored,
            "held": held,
            "placed": placed,
            "free": free,
            "closed": row.closed,
            "kind": row.kind,
            "holiday_intake": row.holiday_intake,
            "updated_at": row.updated_at,
            "places_reported_at": places_reported(row),
            "version": row.version,
        }
    )


def residents(row: ShelterRow) -> ShelterResidents:
    """The people living at a shelter outside the ledger."""
    return ShelterResidents(shelter_id=row.id, residents=list(row.residents))


def _shelter(data: dict[str, Any]) -> Shelter:
    try:
        return Shelter.model_validate(data)
    except ValidationError as error:
        raise invalid(error) from None


def _store(
    row: ShelterRow, shelter: Shelter, *, closed: bool, now: datetime, places_reported: bool
) -> None:
    for column, value in shelter_columns(shelter).items():
        setattr(row, column, value)
    row.closed = closed
    row.updated_at = now
    if places_reported:
        row.places_reported_at = now
    row.version += 1
