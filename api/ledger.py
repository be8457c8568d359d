"""The national state of places: who holds or occupies which places, without double booking.

Live free places of a shelter are ``capacity - occupied - places of active, unexpired holds -
places of active placements``, and 0 while the shelter is closed. Nothing stores that number: it is
computed inside the transaction that needs it, so it cannot drift, and a hold that passes its
``expires_at`` stops counting at that very moment, before anyone marks it expired.

No double booking, ever: every hold and confirm re-reads the free places and re-checks the hard
rules (:func:`engine.validation.broken_rules`) inside its own transaction, after locking the rows it
depends on. On PostgreSQL that is ``SELECT ... FOR UPDATE`` on the shelter, then the referral, then
the hold or placement — always in that order, so two transactions never wait for each other in a
circle. On SQLite every transaction starts with ``BEGIN IMMEDIATE`` (:mod:`api.db.engine`), which
serialises writers and makes the locks unnecessary. A referral can in addition hold at most one
active hold and one active placement: partial unique indexes refuse a second one.

Intake hours are not checked when a hold is made or confirmed: a hold reserves places for an intake
that may lie hours ahead (the night desk holds an office-hours shelter for the next morning), and a
confirm records an intake that already happened. The desk checks the hours when it ranks at the
planned intake time.

A referral moves ``waiting -> held -> placed -> closed``; a released or expired hold sends it back
to ``waiting``, a discharge closes it with the reason ``discharged``.

The functions return the ORM rows they changed (:class:`HoldRow`, :class:`PlacementRow`), still
readable after the commit, or contract types for the engine; they never commit themselves — the
caller's :meth:`api.db.session.Database.session` does, together with the audit row.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    String,
    and_,
    bindparam,
    cast,
    exists,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from api import stays
from api.db.mapping import shelter_from_row, victim_from_row
from api.db.tables import Base, HoldRow, PlacementRow, ReferralRow, ShelterRow
from api.regions import police_unit
from engine.validation import broken_rules
from models.shelter import Shelter
from models.victim import Victim

ConflictCode = Literal[
    "no_room",  # fewer live free places than the referral needs (or the shelter is closed)
    "rule_broken",  # a hard rule rules the shelter out; ``reasons`` names every one
    "already_held",  # the referral has an active hold
    "already_placed",  # the referral has an active placement
    "referral_closed",  # the referral is closed
    "hold_expired",  # the hold passed its time: its places are free again
    "hold_not_active",  # the hold was confirmed or released already
    "hold_not_extended",  # the hold lasts as long as asked already, or longer
    "placement_not_active",  # the placement was discharged already
]

_Row = TypeVar("_Row", bound=Base)

# The kind of shelter (``api.schemas.ShelterKind``) whose places are emergency beds: intakes at
# any hour, for a few nights, not a placement.
EMERGENCY_KIND = "emergency"


class LedgerConflict(Exception):
    """The ledger refuses a change; ``code`` says why in a word a program can act on."""

    def __init__(self, code: ConflictCode, detail: str, *, reasons: Iterable[str] = ()) -> None:
        super().__init__(f"{code}: {detail}")
        self.code: ConflictCode = code
        self.detail = detail
        self.reasons = tuple(reasons)


class NotFound(LookupError):
    """No ``kind`` (shelter, referral, hold, placement) with this id."""

    def __init__(self, kind: str, id: str) -> None:
        super().__init__(f"no {kind} '{id}'")
        self.kind = kind
        self.id = id


@dataclass(frozen=True)
class Presence:
    """Places a referral takes at a shelter now (an unexpired active hold, ``hold_id``, or an
    active placement, ``hold_id`` None), and whom that person must not share a shelter with."""

    shelter_id: str
    referral_id: str
    places: int
    avoid: tuple[str, ...]
    hold_id: str | None


@dataclass(frozen=True)
class CapacityCell:
    """Places in one police unit for one profile.

    The profile is a gender and a condition the places can care for (``condition`` None: every
    place for that gender). A shelter counts in every cell it fits, so cells overlap and are not to
    be added up; ``shelters`` says how many shelters a cell draws on. ``members`` (shelter id,
    free, total) are for deciding what planners may see (:mod:`api.disclosure`), never shown;
    ``emergency`` names those of them that are emergency beds (a few nights, not a placement),
    which ``free`` and ``total`` include and the ``emergency_`` counts tell apart.
    """

    police_unit: str
    gender: str
    condition: str | None
    free: int
    total: int
    shelters: int
    members: tuple[tuple[str, int, int], ...]
    emergency: frozenset[str] = frozenset()

    @property
    def emergency_free(self) -> int:
        """Of the free places, those in emergency beds."""
        return sum(free for shelter, free, _ in self.members if shelter in self.emergency)

    @property
    def emergency_total(self) -> int:
        """Of the places, the emergency beds."""
        return sum(total for shelter, _, total in self.members if shelter in self.emergency)


def live_network(session: Session, now: datetime) -> list[Shelter]:
    """Every shelter as the engine must see it at ``now``, by id.

    ``occupied`` includes the places held and placed by the service (a closed shelter is full),
    and ``residents`` includes everyone held or placed there, so ``avoid`` keeps people apart from
    those already on their way in.
    """
    present = _presence(session, now)
    taken: defaultdict[str, int] = defaultdict(int)
    there: defaultdict[str, list[str]] = defaultdict(list)
    for item in present:
        taken[item.shelter_id] += item.places
        there[item.shelter_id].append(item.referral_id)
    rows = session.scalars(select(ShelterRow).order_by(ShelterRow.id))
    return [shelter_from_row(row, taken=taken[row.id], residents=there[row.id]) for row in rows]


def waiting_victims(session: Session, ids: list[str] | None = None) -> list[Victim]:
    """The waiting referrals as contract victims: all of them by case id, or those of ``ids`` in
    that order (ids of unknown or not-waiting referrals are left out; compare lengths to notice).

    Each victim's ``avoid`` also lists the held and placed people who avoid them, so the engine
    keeps both apart, whoever listed whom. Referrals whose hold expired are waiting again only once
    :func:`expire_holds` has run.
    """
    query = select(ReferralRow).where(ReferralRow.status == "waiting")
    if ids is not None:
        query = query.where(ReferralRow.id.in_(ids))
    rows = {row.id: row for row in session.scalars(query.order_by(ReferralRow.id))}
    order = list(rows) if ids is None else [i for i in dict.fromkeys(ids) if i in rows]
    avoided_by = _avoided_by(session)
    return [victim_from_row(rows[i], avoided_by=avoided_by[i]) for i in order]


def waiting_victim(session: Session, referral_id: str) -> Victim:
    """One waiting referral as :func:`waiting_victims` gives it; :class:`NotFound`, or
    :class:`LedgerConflict` saying why it is not waiting (``already_held``, ``already_placed``,
    ``referral_closed``)."""
    patterns = _naming(referral_id)
    row = session.connection().execute(_REFERRAL, {"id": referral_id, **patterns}).one_or_none()
    if row is None:
        raise NotFound("referral", referral_id)
    if row.status in _NOT_WAITING:
        raise LedgerConflict(*_NOT_WAITING[row.status])
    avoided_by = _avoiding(session, referral_id, patterns) if row.may_be_avoided else []
    return victim_from_row(row, avoided_by=avoided_by)


# Why a referral that is not waiting cannot be ranked, in the ledger's conflict codes.
_NOT_WAITING: dict[str, tuple[ConflictCode, str]] = {
    "held": ("already_held", "the referral has an active hold: release it to rank again"),
    "placed": ("already_placed", "the referral has an active placement"),
    "closed": ("referral_closed", "the referral is closed"),
}

# In id order, as :data:`_MAY_AVOID` reads them: a victim's ``avoid`` is then the same list
# whether the plan reads everyone's or a ranking one referral's.
_HELD_OR_PLACED = (
    select(ReferralRow.id, ReferralRow.avoid)
    .where(ReferralRow.status.in_(("held", "placed")))
    .order_by(ReferralRow.id)
)


def _may_name(referrals: FromClause) -> ColumnElement[bool]:
    """Held or placed, with a stored avoid list that may name one id: the database narrows
    them down by the id's JSON text (as SQLAlchemy writes it, and with non-ASCII left as it is,
    the bound ``escaped`` and ``verbatim`` of :func:`_naming`); :func:`_avoiding` keeps the
    exact matches."""
    avoid = cast(referrals.c.avoid, String)
    return and_(
        referrals.c.status.in_(("held", "placed")),
        or_(
            avoid.like(bindparam("escaped"), escape="\\"),
            avoid.like(bindparam("verbatim"), escape="\\"),
        ),
    )


# Built once, like every statement a ranking runs (see :mod:`api.network_cache`); a plain row
# rather than an ORM object, since a ranking only reads it. It also says whether anyone held or
# placed may avoid the referral: mostly nobody does, and then the one statement is all it takes.
_OTHERS = ReferralRow.__table__.alias("others")
_REFERRAL = select(
    ReferralRow.__table__, exists().where(_may_name(_OTHERS)).label("may_be_avoided")
).where(ReferralRow.id == bindparam("id"))
_MAY_AVOID = (
    select(ReferralRow.id, ReferralRow.avoid)
    .where(_may_name(ReferralRow.__table__))
    .order_by(ReferralRow.id)
)
_STALE_HOLDS = select(HoldRow.referral_id).where(
    HoldRow.status == "active", HoldRow.expires_at <= bindparam("now")
)


def _avoiding(session: Session, referral_id: str, patterns: dict[str, str]) -> list[str]:
    """The held and placed people who must not share a shelter with ``referral_id``
    (``patterns``: its :func:`_naming`).

    A ranking needs only these. Reading every held and placed referral's list instead (as
    :func:`_avoided_by` does, once per plan) took 3 ms per ranking with 600 people placed, inside
    the ranking's write turn.
    """
    rows = session.connection().execute(_MAY_AVOID, patterns)
    return [row.id for row in rows if referral_id in row.avoid]


def _naming(referral_id: str) -> dict[str, str]:
    """The LIKE patterns of :func:`_may_name` for ``referral_id``."""
    return {
        name: f"%{_like_literal(json.dumps(referral_id, ensure_ascii=ascii_only))}%"
        for name, ascii_only in (("escaped", True), ("verbatim", False))
    }


def _like_literal(text: str) -> str:
    """``text`` matched literally by LIKE ... ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _avoided_by(session: Session) -> defaultdict[str, list[str]]:
    """Case id -> the held and placed people who must not share a shelter with them."""
    avoided_by: defaultdict[str, list[str]] = defaultdict(list)
    for other in session.connection().execute(_HELD_OR_PLACED):
        for avoided in other.avoid:
            avoided_by[avoided].append(other.id)
    return avoided_by


def taken_places(session: Session, shelter_id: str, *, now: datetime) -> int:
    """Places the service holds or has placed at ``shelter_id`` now (for availability updates:
    staff report free places, ``occupied`` is what neither they nor the service account for)."""
    return sum(item.places for item in _presence(session, now, [shelter_id]))


def create_hold(
    session: Session, referral_id: str, shelter_id: str, *, now: datetime, minutes: int
) -> HoldRow:
    """Reserve the places a referral needs at a shelter until ``now + minutes``.

    Raises :class:`NotFound` for an unknown shelter or referral, :class:`LedgerConflict`
    (``referral_closed``, ``already_placed``, ``already_held``, ``rule_broken``, ``no_room``)
    when the hold may not be made. A referral whose earlier hold expired may be held again.
    """
    if minutes < 1:
        raise ValueError(f"a hold lasts at least one minute, not {minutes}")
    shelter = _lock(session, ShelterRow, shelter_id, "shelter")
    referral = _lock(session, ReferralRow, referral_id, "referral")
    _may_hold(session, referral, now)
    victim = _check_rules(session, shelter, referral, now, own_hold=None)
    hold = HoldRow(
        id=_new_id("H"),
        referral_id=referral.id,
        shelter_id=shelter.id,
        places=victim.places_needed,
        status="active",
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(hold)
    _move(referral, "held", now)
    session.flush()
    return hold


def confirm_hold(session: Session, hold_id: str, *, now: datetime) -> PlacementRow:
    """The intake happened: the hold becomes a placement, after the rules and places are checked
    once more (the shelter or the referral may have changed since the hold).

    Raises :class:`NotFound`, or :class:`LedgerConflict` (``hold_expired``, ``hold_not_active``,
    ``rule_broken``, ``no_room``).
    """
    hold, shelter, referral = _lock_hold(session, hold_id, now)
    victim = _check_rules(session, shelter, referral, now, own_hold=hold.id)
    placement = PlacementRow(
        id=_new_id("P"),
        referral_id=referral.id,
        shelter_id=shelter.id,
        hold_id=hold.id,
        places=victim.places_needed,
        status="active",
        started_at=now,
    )
    session.add(placement)
    hold.status, hold.ended_at = "confirmed", now
    _move(referral, "placed", now)
    stays.end(session, referral.id, at=now)
    session.flush()
    return placement


@dataclass(frozen=True)
class HoldTrouble:
    """Why a confirm of an active hold would be refused now: ``rule_broken`` (``reasons`` names
    each rule) or ``no_room`` (``closed``: because the shelter is closed for now)."""

    code: ConflictCode
    reasons: tuple[str, ...]
    closed: bool


def hold_troubles(
    session: Session, hold_ids: Collection[str], *, now: datetime
) -> dict[str, HoldTrouble | None]:
    """For each hold of ``hold_ids`` that exists, what a confirm of it would be refused for now,
    as far as the shelter and the referral are concerned (``rule_broken``, ``no_room``; a closed
    shelter has no room), or None. Unknown ids are left out.

    Nothing is locked or changed: the desk's pages read it to warn that the shelter closed, has
    fewer places, or changed its profile since the place was held, before someone travels there.
    A hold no longer active or past its time has no trouble of this kind.

    Two statements, however many holds: the holds with their shelters and referrals, and the
    places taken at those shelters. The waiting list asks for every held case it shows, after a
    raid some thirty, and is refreshed all night; one case's page asks for its own hold alone.
    Each verdict is the confirm's own check (:func:`_check_rules` without its statement).
    """
    if not hold_ids:
        return {}
    found = session.execute(
        select(HoldRow, ShelterRow, ReferralRow)
        .join(ShelterRow, ShelterRow.id == HoldRow.shelter_id)
        .join(ReferralRow, ReferralRow.id == HoldRow.referral_id)
        .where(HoldRow.id.in_(sorted(set(hold_ids))))
    )
    troubles: dict[str, HoldTrouble | None] = {}
    current: list[tuple[HoldRow, ShelterRow, ReferralRow]] = []
    for hold, shelter, referral in found:
        troubles[hold.id] = None
        if hold.status == "active" and hold.expires_at > now:
            current.append((hold, shelter, referral))
    if not current:
        return troubles
    present: defaultdict[str, list[Presence]] = defaultdict(list)
    for item in _presence(session, now, sorted({shelter.id for _, shelter, _ in current})):
        present[item.shelter_id].append(item)
    for hold, shelter, referral in current:
        try:
            _check_rules_given(shelter, referral, _without(present[shelter.id], hold.id))
        except LedgerConflict as conflict:
            troubles[hold.id] = HoldTrouble(conflict.code, conflict.reasons, shelter.closed)
    return troubles


def extend_hold(session: Session, hold_id: str, *, now: datetime, minutes: int) -> HoldRow:
    """Keep the held places until ``now + minutes`` instead: the intake is late, and releasing
    and holding again would let another desk take the places in between.

    The places and the rules are not checked again: the hold keeps the places it has (a confirm
    checks everything anyway). A hold is only ever lengthened, never shortened (release it
    instead). Raises :class:`NotFound`, or :class:`LedgerConflict` (``hold_expired``: its places
    may be taken already; ``hold_not_active``; ``hold_not_extended``).
    """
    hold, _shelter, _referral = _lock_hold(session, hold_id, now)
    until = now + timedelta(minutes=minutes)
    if until <= hold.expires_at:
        lasts, asked = hold.expires_at.isoformat(), until.isoformat()
        raise LedgerConflict("hold_not_extended", f"the hold lasts until {lasts}, past {asked}")
    hold.expires_at = until
    session.flush()
    return hold


def release_hold(session: Session, hold_id: str, *, now: datetime) -> HoldRow:
    """Give the held places back; the referral waits again.

    Raises :class:`NotFound`, or :class:`LedgerConflict` (``hold_expired``: its places are free
    already; ``hold_not_active``).
    """
    hold, _shelter, referral = _lock_hold(session, hold_id, now)
    hold.status, hold.ended_at = "released", now
    _move(referral, "waiting", now)
    session.flush()
    return hold


def discharge(session: Session, placement_id: str, *, now: datetime) -> PlacementRow:
    """The person left the shelter: the placement ends and the referral is closed (``discharged``).

    Raises :class:`NotFound`, or :class:`LedgerConflict` (``placement_not_active``).
    """
    found = _get(session, PlacementRow, placement_id, "placement")
    _lock(session, ShelterRow, found.shelter_id, "shelter")
    referral = _lock(session, ReferralRow, found.referral_id, "referral")
    placement = _lock(session, PlacementRow, placement_id, "placement")
    if placement.status != "active":
        raise LedgerConflict("placement_not_active", f"the placement is {placement.status}")
    placement.status, placement.ended_at = "discharged", now
    _move(referral, "closed", now)
    referral.closed_at, referral.close_reason = now, "discharged"
    session.flush()
    return placement


def expire_holds(session: Session, now: datetime) -> int:
    """Mark the holds past their time ``expired`` and send their referrals back to waiting; how
    many. Their places were free from the moment they expired; this only keeps the record true.

    It locks referrals without their shelters, so run it in a transaction of its own: followed by
    a hold in the same transaction it would break the lock order (shelter before referral) and
    could deadlock with a concurrent hold on PostgreSQL.
    """
    stale = session.connection().execute(_STALE_HOLDS, {"now": now}).scalars()
    referral_ids = sorted(set(stale))
    if not referral_ids:
        return 0
    # Referrals before holds, in id order: the lock order every other function keeps.
    referrals = {
        row.id: row
        for row in session.scalars(
            select(ReferralRow)
            .where(ReferralRow.id.in_(referral_ids))
            .order_by(ReferralRow.id)
            .with_for_update()
        )
    }
    return _expire(session, referrals, now)


def expire_holds_of(session: Session, referral: ReferralRow, now: datetime) -> None:
    """Mark one referral's holds past their time ``expired`` and send it back to waiting, as
    :func:`expire_holds` does for all; the caller holds the referral's lock (referral before hold,
    the order every function keeps)."""
    _expire(session, {referral.id: referral}, now)


def _expire(session: Session, referrals: dict[str, ReferralRow], now: datetime) -> int:
    """Lock the locked ``referrals``' holds past their time, mark them ``expired`` and send their
    referrals back to waiting; how many."""
    holds = session.scalars(
        select(HoldRow)
        .where(
            HoldRow.referral_id.in_(sorted(referrals)),
            HoldRow.status == "active",
            HoldRow.expires_at <= now,
        )
        .order_by(HoldRow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for hold in holds:
        hold.status, hold.ended_at = "expired", hold.expires_at
        _move(referrals[hold.referral_id], "waiting", now)
    if holds:
        session.flush()
    return len(holds)


def capacity_by_region(session: Session, now: datetime) -> list[CapacityCell]:
    """Free and total places per police unit and profile (gender x condition), sorted; see
    :class:`CapacityCell`. Suppressing small cells is the caller's job: it knows the role. A
    shelter whose kind nobody said is no emergency bed."""
    emergency = frozenset(
        session.scalars(select(ShelterRow.id).where(ShelterRow.kind == EMERGENCY_KIND))
    )
    cells: defaultdict[tuple[str, str, str | None], list[tuple[str, int, int]]] = defaultdict(list)
    for shelter in live_network(session, now):
        unit = police_unit(shelter.location)
        for gender in shelter.genders:
            for condition in (None, *shelter.accepts):
                cells[(unit, gender, condition)].append(
                    (shelter.id, shelter.free, shelter.capacity)
                )
    return [
        CapacityCell(
            unit,
            gender,
            condition,
            sum(free for _, free, _ in members),
            sum(total for _, _, total in members),
            len(members),
            tuple(members),
            emergency & {shelter for shelter, _, _ in members},
        )
        for (unit, gender, condition), members in sorted(
            cells.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")
        )
    ]


def _presence(
    session: Session, now: datetime, shelter_ids: Collection[str] | None = None
) -> list[Presence]:
    """Unexpired active holds and active placements, at the shelters of ``shelter_ids`` or
    everywhere."""
    holds = (
        select(
            HoldRow.shelter_id,
            HoldRow.referral_id,
            HoldRow.places,
            ReferralRow.avoid,
            HoldRow.id.label("hold_id"),
        )
        .join(ReferralRow, ReferralRow.id == HoldRow.referral_id)
        .where(HoldRow.status == "active", HoldRow.expires_at > now)
    )
    placements = (
        select(
            PlacementRow.shelter_id,
            PlacementRow.referral_id,
            PlacementRow.places,
            ReferralRow.avoid,
            null().label("hold_id"),
        )
        .join(ReferralRow, ReferralRow.id == PlacementRow.referral_id)
        .where(PlacementRow.status == "active")
    )
    if shelter_ids is not None:
        holds = holds.where(HoldRow.shelter_id.in_(shelter_ids))
        placements = placements.where(PlacementRow.shelter_id.in_(shelter_ids))
    rows = session.execute(union_all(holds, placements))
    return [
        Presence(row.shelter_id, row.referral_id, row.places, tuple(row.avoid), row.hold_id)
        for row in rows
    ]


def _without(present: list[Presence], hold_id: str | None) -> list[Presence]:
    """``present`` but for the hold ``hold_id`` (None: all of it)."""
    if hold_id is None:
        return present
    return [item for item in present if item.hold_id != hold_id]


def _check_rules(
    session: Session,
    shelter: ShelterRow,
    referral: ReferralRow,
    now: datetime,
    *,
    own_hold: str | None,
) -> Victim:
    """The referral's victim, if the live shelter takes it; else the conflict that says why.

    ``own_hold`` (when confirming) is left out of the count: its places are the ones to use.
    """
    return _check_rules_given(
        shelter, referral, _without(_presence(session, now, [shelter.id]), own_hold)
    )


def _check_rules_given(
    shelter: ShelterRow, referral: ReferralRow, present: list[Presence]
) -> Victim:
    """:func:`_check_rules` with the places taken at the shelter, ``present``, read already."""
    others = [item for item in present if item.referral_id != referral.id]
    there = [item.referral_id for item in others]
    avoided_by = [item.referral_id for item in others if referral.id in item.avoid]
    victim = victim_from_row(referral, avoided_by=avoided_by)
    live = shelter_from_row(shelter, taken=sum(item.places for item in present), residents=there)
    found = broken_rules(victim, live, None)
    if [code for code in found if code != "capacity"]:
        raise LedgerConflict(
            "rule_broken", f"hard rules rule the shelter out: {', '.join(found)}", reasons=found
        )
    if found:
        # A closed shelter counts as full (no free places), but "0 free places" would leave the
        # desk guessing whether it is full or closed.
        detail = (
            "the shelter is closed for now"
            if shelter.closed
            else f"{live.free} free places, {victim.places_needed} needed"
        )
        raise LedgerConflict("no_room", detail, reasons=found)
    return victim


def _may_hold(session: Session, referral: ReferralRow, now: datetime) -> None:
    """Refuse a hold for a referral that is closed, placed or held; an expired hold of the
    referral is marked expired first (the database allows one active hold per referral)."""
    if referral.status == "closed":
        raise LedgerConflict("referral_closed", "the referral is closed")
    if referral.status == "placed":
        raise LedgerConflict("already_placed", "the referral has an active placement")
    if referral.status != "held":
        return
    active = session.scalars(
        select(HoldRow)
        .where(HoldRow.referral_id == referral.id, HoldRow.status == "active")
        .with_for_update()
    ).one_or_none()
    if active is None:
        return
    if active.expires_at > now:
        raise LedgerConflict("already_held", "the referral has an active hold")
    active.status, active.ended_at = "expired", active.expires_at
    session.flush()


def _lock_hold(
    session: Session, hold_id: str, now: datetime
) -> tuple[HoldRow, ShelterRow, ReferralRow]:
    """Lock a hold (after its shelter and referral) and require it active and unexpired."""
    found = _get(session, HoldRow, hold_id, "hold")
    shelter = _lock(session, ShelterRow, found.shelter_id, "shelter")
    referral = _lock(session, ReferralRow, found.referral_id, "referral")
    hold = _lock(session, HoldRow, hold_id, "hold")
    if hold.status == "expired" or (hold.status == "active" and hold.expires_at <= now):
        raise LedgerConflict("hold_expired", f"the hold expired at {hold.expires_at.isoformat()}")
    if hold.status != "active":
        raise LedgerConflict("hold_not_active", f"the hold is {hold.status}")
    return hold, shelter, referral


def _move(referral: ReferralRow, status: str, now: datetime) -> None:
    referral.status = status
    referral.updated_at = now
    referral.version += 1


def _get(session: Session, table: type[_Row], id: str, kind: str) -> _Row:
    row = session.get(table, id)
    if row is None:
        raise NotFound(kind, id)
    return row


def _lock(session: Session, table: type[_Row], id: str, kind: str) -> _Row:
    """The row, locked for this transaction and read afresh (PostgreSQL ``FOR UPDATE``)."""
    row = session.get(table, id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(kind, id)
    return row


def _new_id(prefix: str) -> str:
    """A random id, derived from nothing (no time, no counter, no person)."""
    return f"{prefix}{secrets.token_hex(8)}"
