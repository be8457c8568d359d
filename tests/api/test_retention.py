"""Retention: old closed referrals go, with their holds and placements; counts and the audit
trail stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from api import audit, ledger, retention
from api.db.session import Database
from api.db.tables import (
    AuditRow,
    HoldRow,
    PlacementRow,
    ReferralRow,
    ReferralStatRow,
    StayRow,
)
from models.location import Location
from tests.api.rows import add_referral, add_shelter, shelter, victim

NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)
DAYS = 365


def seed(database: Database) -> None:
    """A placed and discharged long ago after three nights in a hotel; W withdrawn long ago after
    a night at the police station; B closed lately; C waiting."""
    with database.session() as session:
        add_shelter(session, shelter("T1", 3), LONG_AGO)
        add_referral(session, victim("A", location=Location(municipality="Zwolle")), LONG_AGO)
        for case_id in ("W", "B", "C"):
            add_referral(session, victim(case_id), LONG_AGO)
        for case_id, kind, days in (("A", "hotel", 3), ("W", "police", 1), ("C", "hotel", 2)):
            session.add(
                StayRow(
                    referral_id=case_id,
                    kind=kind,
                    started_at=LONG_AGO - timedelta(days=days),
                    ended_at=LONG_AGO,
                )
            )
    with database.session() as session:
        held = ledger.create_hold(session, "A", "T1", now=LONG_AGO, minutes=90)
        placement = ledger.confirm_hold(session, held.id, now=LONG_AGO)
        ledger.discharge(session, placement.id, now=LONG_AGO + timedelta(days=1))
        ledger.create_hold(session, "W", "T1", now=LONG_AGO, minutes=90)
        audit.record(
            session,
            actor="desk-1",
            role="desk",
            action="create",
            object_type="hold",
            object_id=held.id,
            result="ok",
            request_id="req-1",
            at=LONG_AGO,
        )
    with database.session() as session:
        ledger.expire_holds(session, LONG_AGO + timedelta(hours=2))
        for case_id, closed_at in (("W", LONG_AGO), ("B", NOW - timedelta(days=10))):
            session.execute(
                update(ReferralRow)
                .where(ReferralRow.id == case_id)
                .values(status="closed", closed_at=closed_at, close_reason="withdrawn")
            )


def test_old_closed_referrals_are_purged_into_counts(database: Database) -> None:
    seed(database)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=DAYS) == 2
    with database.session() as session:
        remaining = session.scalars(select(ReferralRow.id).order_by(ReferralRow.id)).all()
        holds = session.scalars(select(HoldRow.referral_id)).all()
        placements = session.scalar(select(func.count()).select_from(PlacementRow))
        stats = {
            (row.month, row.region, row.outcome, row.placed): (row.count, row.unsuitable_nights)
            for row in session.scalars(select(ReferralStatRow))
        }
        stays = session.scalars(select(StayRow.referral_id)).all()
        audit_rows = session.scalar(select(func.count()).select_from(AuditRow))
        broken = audit.verify(session)
    assert remaining == ["B", "C"]
    assert (holds, placements) == ([], 0)
    assert stats == {
        ("2025-10", "Oost-Nederland", "discharged", True): (1, 3),
        ("2025-10", None, "withdrawn", False): (1, 1),
    }
    assert stays == ["C"]
    assert (audit_rows, broken) == (1, None)


def test_purging_again_finds_nothing(database: Database) -> None:
    seed(database)
    with database.session() as session:
        retention.purge_closed(session, now=NOW, days=DAYS)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=DAYS) == 0
        assert session.scalar(select(func.count()).select_from(ReferralStatRow)) == 2


def test_a_shorter_period_purges_the_recent_ones_too(database: Database) -> None:
    seed(database)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=1) == 3
        assert session.scalars(select(ReferralRow.id)).all() == ["C"]
