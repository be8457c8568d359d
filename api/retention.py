"""Retention: closed referrals are deleted once their retention period has passed, or earlier
one at a time (erasure).

Special-category data is kept no longer than needed (GDPR art. 5(1)(e)). What remains of a purged
referral is a count in ``referral_stats`` — month of closing, police unit, close reason, whether it
was ever placed, and the nights spent in unsuitable stays, summed — and the audit trail, which
names only its pseudonymous id, and gains a ``delete`` row for it in the same transaction: who
removed a person's data, and when, is on record as much as who read it.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, delete, select
from sqlalchemy.orm import Session

from api import audit, stays
from api.db.tables import HoldRow, PlacementRow, ReferralRow, ReferralStatRow, StayRow
from models.intake import TIMEZONE

log = logging.getLogger(__name__)

# Ids per DELETE statement: far below every database's limit on bound parameters.
BATCH = 500


class NotErasable(Exception):
    """The referral cannot be erased (none such, or not closed); the message says why."""


def purge_closed(session: Session, *, now: datetime, days: int, actor: str) -> int:
    """Delete referrals closed more than ``days`` before ``now`` with their holds and placements,
    after counting them into ``referral_stats``; how many were deleted. ``actor`` (the server
    account running the command) is on the audit rows.

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
    _purge(session, expired, now=now, actor=actor)
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
    _purge(session, [found], now=now, actor=actor)
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


def _purge(session: Session, expired: Sequence[Purged], *, now: datetime, actor: str) -> None:
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
    request_id = uuid.uuid4().hex  # one per run: its rows can be found together
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
