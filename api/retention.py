"""Retention: closed referrals are deleted once their retention period has passed, or earlier
one at a time (erasure); with them, in the same run, audit rows and scenario runs past theirs.

Special-category data is kept no longer than needed (GDPR art. 5(1)(e)). What remains of a purged
referral is a count in ``referral_stats`` — month of closing, police unit, close reason, whether it
was ever placed, and the nights spent in unsuitable stays, summed — and the audit trail, which
names only its pseudonymous id, and gains a ``delete`` row for it in the same transaction: who
removed a person's data, and when, is on record as much as who read it. The trail has a period of
its own, never shorter than the referrals' (:mod:`api.audit_purge`), and a finished scenario run,
aggregates only, one too.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, delete, select
from sqlalchemy.orm import Session

from api import audit, audit_purge, stays
from api.audit_purge import Purge
from api.db.tables import (
    HoldRow,
    PlacementRow,
    ReferralRow,
    ReferralStatRow,
    ScenarioRunRow,
    StayRow,
)
from models.intake import TIMEZONE

log = logging.getLogger(__name__)

# Ids per DELETE statement: far below every database's limit on bound parameters.
BATCH = 500


class NotErasable(Exception):
    """The referral cannot be erased (none such, or not closed); the message says why."""


@dataclass(frozen=True)
class Periods:
    """Retention periods in days: closed referrals, audit rows, finished scenario runs."""

    referrals: int
    audit: int
    runs: int


@dataclass(frozen=True)
class Outcome:
    """What one run removed: referrals, scenario runs, and the audit purge (None: no audit row
    was old enough, or, with ``trail_broken``, the rows that were do not chain and stay)."""

    referrals: int
    runs: int
    trail: Purge | None
    trail_broken: int | None = None


def run(session: Session, *, now: datetime, periods: Periods, actor: str) -> Outcome:
    """Everything past its period, in the caller's transaction: closed referrals, finished
    scenario runs, then the audit rows (last, so that the chain's lock is held the shortest).

    An audit period shorter than the referrals' is refused (ValueError): the trail must still
    answer who read a case once the case is gone. A trail whose old rows do not chain keeps
    them (so that the break can still be found), while the rest is purged as usual.
    """
    if periods.audit < periods.referrals:
        raise ValueError(
            f"the audit trail's period ({periods.audit} days) is shorter than the referrals' "
            f"({periods.referrals} days)"
        )
    request_id = uuid.uuid4().hex  # one per run: its rows can be found together
    referrals = purge_closed(
        session, now=now, days=periods.referrals, actor=actor, request_id=request_id
    )
    runs = purge_runs(session, now=now, days=periods.runs)
    try:
        trail = audit_purge.purge_expired(
            session, now=now, days=periods.audit, actor=actor, request_id=request_id
        )
    except audit_purge.TrailBroken as broken:
        log.error("retention: audit trail broken at row %d, no audit row purged", broken.seq)
        return Outcome(referrals, runs, None, trail_broken=broken.seq)
    return Outcome(referrals, runs, trail)


def purge_runs(session: Session, *, now: datetime, days: int) -> int:
    """Delete the scenario runs that ended (were last written) more than ``days`` before
    ``now``; how many. A queued or running run is written every few seconds, so it stays."""
    if days < 1:
        raise ValueError(f"a scenario run's retention period is at least one day: {days} days")
    ended = ScenarioRunRow.updated_at < now - timedelta(days=days)
    ids = list(session.scalars(select(ScenarioRunRow.id).where(ended)))
    for batch in _batches(ids):
        session.execute(delete(ScenarioRunRow).where(ScenarioRunRow.id.in_(batch)))
    log.info("retention: purged %d scenario runs older than %d days", len(ids), days)
    return len(ids)


def purge_closed(
    session: Session, *, now: datetime, days: int, actor: str, request_id: str | None = None
) -> int:
    """Delete referrals closed more than ``days`` before ``now`` with their holds and placements,
    after counting them into ``referral_stats``; how many were deleted. ``actor`` (the server
    account running the command) is on the audit rows, with ``request_id`` (one made for this
    purge when none is given).

    Each run adds its own statistics rows (sum ``count`` over equal keys to report), so two runs
    never have to update the same row.
    """
    if days < 0:
        raise ValueError(f"a retention period is not negative: {days} days")
    expired = session.execute(
        _purged().where(
            ReferralRow.status == "closed", ReferralRow.closed_at < now - timedelta(days=days)
        )
    ).all()
    _purge(session, expired, now=now, actor=actor, request_id=request_id or uuid.uuid4().hex)
    log.info("retention: purged %d referrals closed more than %d days ago", len(expired), days)
    return len(expired)


def erase(session: Session, referral_id: str, *, now: datetime, actor: str) -> None:
    """Delete one closed referral now, as retention would later (registered by mistake, or an
    erasure the controller granted); :class:`NotErasable` when there is none such or it is not
    closed: a person waiting, held or placed is closed first, so that no place stays taken."""
    found = session.execute(_purged().where(ReferralRow.id == referral_id)).first()
    if found is None:
        raise NotErasable(f"no referral '{referral_id}'")
    if found.status != "closed":
        raise NotErasable(f"referral '{referral_id}' is {found.status}: close it first")
    _purge(session, [found], now=now, actor=actor, request_id=uuid.uuid4().hex)
    log.info("retention: erased one referral")


# A referral as a purge reads it: id, status, closed_at, region, close_reason.
Purged = Row[str, str, datetime | None, str | None, str | None]


def _purged() -> Select[str, str, datetime | None, str | None, str | None]:
    """What a purge reads of each referral: its id and status, and what the statistics count."""
    return select(
        ReferralRow.id,
        ReferralRow.status,
        ReferralRow.closed_at,
        ReferralRow.region,
        ReferralRow.close_reason,
    ).order_by(ReferralRow.id)


def _purge(
    session: Session, expired: Sequence[Purged], *, now: datetime, actor: str, request_id: str
) -> None:
    """Count ``expired`` into the statistics, delete them with everything that points at them,
    and add a ``delete`` audit row for each, all in the caller's transaction."""
    ids = [row.id for row in expired]
    placed: set[str] = set()
    for batch in _batches(ids):
        placed.update(
            session.scalars(
                select(PlacementRow.referral_id).where(PlacementRow.referral_id.in_(batch))
            )
        )
    history = stays.of_referrals(session, ids)
    counts: Counter[tuple[str, str | None, str, bool]] = Counter()
    nights: Counter[tuple[str, str | None, str, bool]] = Counter()
    for row in expired:
        key = (_month(row.closed_at), row.region, row.close_reason or "closed", row.id in placed)
        counts[key] += 1
        nights[key] += stays.unsuitable_nights(history[row.id], now=now)
    session.add_all(
        ReferralStatRow(
            month=month,
            region=region,
            outcome=outcome,
            placed=was_placed,
            count=n,
            unsuitable_nights=nights[month, region, outcome, was_placed],
        )
        for (month, region, outcome, was_placed), n in sorted(counts.items(), key=str)
    )
    # Placements first: they point at holds, and both point at the referral.
    for batch in _batches(ids):
        session.execute(delete(PlacementRow).where(PlacementRow.referral_id.in_(batch)))
        session.execute(delete(HoldRow).where(HoldRow.referral_id.in_(batch)))
        session.execute(delete(StayRow).where(StayRow.referral_id.in_(batch)))
        session.execute(delete(ReferralRow).where(ReferralRow.id.in_(batch)))
    for referral_id in ids:
        audit.record(
            session,
            actor=actor,
            role=audit.CONSOLE,
            action="delete",
            object_type="referral",
            object_id=referral_id,
            result="ok",
            request_id=request_id,
            at=now,
        )
    session.flush()


def _month(closed_at: datetime) -> str:
    """``YYYY-MM`` of a moment in Dutch time, the month the statistics count it under."""
    return closed_at.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m")


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
