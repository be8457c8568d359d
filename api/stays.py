"""Where a referral stays while no place is found, and the nights it spends somewhere unsuitable.

The founding complaint is that victims who cannot be placed end up in hotels and homeless
shelters and drop out of sight. The desk records the kind of place (never an address or a
name) as it learns of it; the stays form a history per referral, so the desk sees how many nights
someone has spent in unsuitable places and planners see how many nights their region costs. A
waiting or held referral has exactly one open stay; the intake, or closing the referral, ends it.

A night is a midnight in Dutch time: someone who came to a hotel at 22:00 and left at 10:00 the
next day spent one night there, someone who waited at the police station from 09:00 to 17:00 none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.db.tables import ReferralRow, StayRow
from api.problems import ProblemError, invalid_field
from api.schemas import StayKind, StayPublic, StayRecord
from models.gazetteer import POLICE_UNITS
from models.intake import TIMEZONE

# Places where nobody should spend the night while waiting for a shelter.
UNSUITABLE: frozenset[str] = frozenset({"police", "hotel", "homeless_shelter", "rough_sleeping"})
# How far back the desk may date a stay it learns of late: two weekends and what lies between.
BACKDATE_LIMIT = timedelta(days=14)

_DUTCH_TIME = ZoneInfo(TIMEZONE)


def nights(start: datetime, end: datetime) -> int:
    """The midnights (Dutch time) after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    return (end.astimezone(_DUTCH_TIME).date() - start.astimezone(_DUTCH_TIME).date()).days


def unsuitable_nights(stays: Iterable[StayRow], *, now: datetime) -> int:
    """Nights spent in unsuitable stays, the open one counted up to ``now``."""
    return sum(
        nights(stay.started_at, stay.ended_at or now) for stay in stays if stay.kind in UNSUITABLE
    )


def open_stay(stays: Iterable[StayRow]) -> StayRow | None:
    """The stay that has not ended, if any."""
    return next((stay for stay in stays if stay.ended_at is None), None)


def public(stay: StayRow | None) -> StayPublic | None:
    """The desk's view of a stay."""
    if stay is None:
        return None
    return StayPublic.model_validate(
        {"kind": stay.kind, "since": stay.started_at, "unsuitable": stay.kind in UNSUITABLE}
    )


def record(stay: StayRow, *, now: datetime) -> StayRecord:
    """One stay of the desk's history view, its nights counted up to ``now`` while it goes on."""
    return StayRecord.model_validate(
        {
            "kind": stay.kind,
            "since": stay.started_at,
            "until": stay.ended_at,
            "unsuitable": stay.kind in UNSUITABLE,
            "nights": nights(stay.started_at, stay.ended_at or now),
        }
    )


def of_referrals(session: Session, referral_ids: Sequence[str]) -> dict[str, list[StayRow]]:
    """Every stay of each referral, oldest first, read in one statement per 500 ids."""
    found: defaultdict[str, list[StayRow]] = defaultdict(list)
    for start in range(0, len(referral_ids), 500):
        batch = referral_ids[start : start + 500]
        query = (
            select(StayRow)
            .where(StayRow.referral_id.in_(batch))
            .order_by(StayRow.referral_id, StayRow.started_at, StayRow.id)
        )
        for stay in session.scalars(query):
            found[stay.referral_id].append(stay)
    return found


def begin(session: Session, referral_id: str, kind: StayKind, *, at: datetime) -> StayRow:
    """Open a stay of ``kind`` from ``at``; the caller has ended the open one, if any."""
    stay = StayRow(referral_id=referral_id, kind=kind, started_at=at)
    session.add(stay)
    return stay


def change(
    session: Session,
    referral: ReferralRow,
    kind: StayKind,
    *,
    since: datetime | None,
    now: datetime,
) -> None:
    """The person stays at ``kind`` from ``since`` (default ``now``) on.

    The caller holds the referral's lock. A placed or closed referral has no stay to change
    (409). ``since`` lies at most :data:`BACKDATE_LIMIT` back and not in the future, and not
    before the open stay began, unless that is the first stay, recorded at registration: the
    police may have put someone in a hotel days before the desk heard of her, and those nights
    count. The same kind again changes nothing; a new kind from the very moment the open stay
    began corrects that stay instead of following it.
    """
    if referral.status == "closed":
        raise ProblemError(409, "the referral is closed", code="referral_closed")
    if referral.status == "placed":
        raise ProblemError(
            409, "the referral is placed: it stays at its shelter", code="already_placed"
        )
    begins = now if since is None else since
    if begins > now:
        raise invalid_field("since", "lies in the future")
    if begins < now - BACKDATE_LIMIT:
        raise invalid_field("since", f"lies more than {BACKDATE_LIMIT.days} days ago")
    history = session.scalars(select(StayRow).where(StayRow.referral_id == referral.id)).all()
    current = open_stay(history)
    if current is None:
        begin(session, referral.id, kind, at=begins)
    elif begins < current.started_at:
        if len(history) > 1:
            began = current.started_at.isoformat()
            raise invalid_field("since", f"lies before the current stay began ({began})")
        # The first stay, recorded at registration: it began earlier than the desk knew.
        current.kind, current.started_at = kind, begins
    elif current.kind == kind:
        return
    elif begins == current.started_at:
        current.kind = kind
    else:
        current.ended_at = begins
        begin(session, referral.id, kind, at=begins)
    referral.updated_at = now
    referral.version += 1
    session.flush()


def end(session: Session, referral_id: str, *, at: datetime) -> None:
    """The person has a place, or the referral closes: the open stay ends ``at``."""
    current = session.scalars(
        select(StayRow).where(StayRow.referral_id == referral_id, StayRow.ended_at.is_(None))
    ).one_or_none()
    if current is not None:
        current.ended_at = max(at, current.started_at)


# How far back the planners' count of unsuitable nights looks: 30 Dutch calendar days.
WINDOW = timedelta(days=30)


def window_start(now: datetime) -> datetime:
    """The same Dutch wall-clock time :data:`WINDOW` days before ``now``: the window then holds
    30 midnights across a clock change too (30 days of 24 hours would hold 29 or 31)."""
    local = now.astimezone(_DUTCH_TIME)
    return (local.replace(tzinfo=None) - WINDOW).replace(tzinfo=_DUTCH_TIME)


# The row of referrals registered without a location, whose police unit is not known.
NO_UNIT = "unknown"


@dataclass(frozen=True)
class RegionStays:
    """Where the people of one police unit wait (see :func:`by_region`)."""

    police_unit: str | None
    waiting: int
    unsuitable: int
    people_in_window: int
    nights_in_window: int


def by_region(session: Session, *, now: datetime) -> list[RegionStays]:
    """Per police unit (and :data:`NO_UNIT`, when any referral has no location), then the whole
    country (``police_unit`` None): the people waiting or held now, how many of them stay
    somewhere unsuitable now, and, over the last :data:`WINDOW`, how many people spent a night
    somewhere unsuitable and how many nights that made (placed and closed referrals included).
    Withholding small counts is the caller's job: it knows the role."""
    since = window_start(now)
    waiting: Counter[str] = Counter()
    unsuitable: Counter[str] = Counter()
    people: Counter[str] = Counter()
    nights_spent: Counter[str] = Counter()
    for unit in session.scalars(
        select(ReferralRow.region).where(ReferralRow.status.in_(("waiting", "held")))
    ):
        waiting[unit or NO_UNIT] += 1
    recent = session.execute(
        select(StayRow, ReferralRow.region)
        .join(ReferralRow, ReferralRow.id == StayRow.referral_id)
        .where(
            StayRow.kind.in_(sorted(UNSUITABLE)),
            or_(StayRow.ended_at.is_(None), StayRow.ended_at > since),
        )
    ).all()
    spent: defaultdict[tuple[str, str], int] = defaultdict(int)
    for stay, region in recent:
        unit = region or NO_UNIT
        if stay.ended_at is None:
            unsuitable[unit] += 1
        spent[unit, stay.referral_id] += nights(
            max(stay.started_at, since), min(stay.ended_at or now, now)
        )
    for (unit, _referral), count in spent.items():
        if count > 0:
            people[unit] += 1
            nights_spent[unit] += count
    units = [*POLICE_UNITS, *([NO_UNIT] if waiting[NO_UNIT] or people[NO_UNIT] else [])]
    rows = [
        RegionStays(unit, waiting[unit], unsuitable[unit], people[unit], nights_spent[unit])
        for unit in units
    ]
    return [
        *rows,
        RegionStays(
            None,
            sum(row.waiting for row in rows),
            sum(row.unsuitable for row in rows),
            sum(row.people_in_window for row in rows),
            sum(row.nights_in_window for row in rows),
        ),
    ]
