"""Retention: closed referrals are deleted once their retention period has passed.

Special-category data is kept no longer than needed (GDPR art. 5(1)(e)). What remains of a purged
referral is a count in ``referral_stats`` — month of closing, police unit, close reason, whether it
was ever placed, and the nights spent in unsuitable stays, summed — and the audit trail, which
names only its pseudonymous id.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api import stays
from api.db.tables import HoldRow, PlacementRow, ReferralRow, ReferralStatRow, StayRow
from models.intake import TIMEZONE

log = logging.getLogger(__name__)

# Ids per DELETE statement: far below every database's limit on bound parameters.
BATCH = 500


def purge_closed(session: Session, *, now: datetime, days: int) -> int:
    """Delete referrals closed more than ``days`` before ``now`` with their holds and placements,
    after counting them into ``referral_stats``; how many were deleted.

    Each run adds its own statistics rows (sum ``count`` over equal keys to report), so two runs
    never have to update the same row.
    """
    if days < 0:
        raise ValueError(f"a retention period is not negative: {days} days")
    expired = session.execute(
        select(ReferralRow.id, ReferralRow.closed_at, ReferralRow.region, ReferralRow.close_reason)
        .where(ReferralRow.status == "closed", ReferralRow.closed_at < now - timedelta(days=days))
        .order_by(ReferralRow.id)
    ).all()
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
    session.flush()
    log.info("retention: purged %d referrals closed more than %d days ago", len(ids), days)
    return len(ids)


def _month(closed_at: datetime) -> str:
    """``YYYY-MM`` of a moment in Dutch time, the month the statistics count it under."""
    return closed_at.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m")


def _batches(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
