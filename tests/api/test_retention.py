"""Retention: old closed referrals go, with their holds and placements; counts and the audit
trail stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from api import audit, audit_verify, ledger, retention
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
OPERATOR = "console:operator"
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
        assert retention.purge_closed(session, now=NOW, days=DAYS, actor=OPERATOR) == 2
    with database.session() as session:
        remaining = session.scalars(select(ReferralRow.id).order_by(ReferralRow.id)).all()
        holds = session.scalars(select(HoldRow.referral_id)).all()
        placements = session.scalar(select(func.count()).select_from(PlacementRow))
        stats = {
            (row.month, row.region, row.outcome, row.placed): (row.count, row.unsuitable_nights)
            for row in session.scalars(select(ReferralStatRow))
        }
        stays = session.scalars(select(StayRow.referral_id)).all()
        deleted = [
            (row.actor, row.role, row.object_type, row.object_id, row.result, row.at)
            for row in session.scalars(
                select(AuditRow).where(AuditRow.action == "delete").order_by(AuditRow.seq)
            )
        ]
        audit_rows = session.scalar(select(func.count()).select_from(AuditRow))
        broken = audit_verify.verify(session, now=NOW, min_days=730)
    assert remaining == ["B", "C"]
    assert (holds, placements) == ([], 0)
    assert stats == {
        ("2025-10", "Oost-Nederland", "discharged", True): (1, 3),
        ("2025-10", None, "withdrawn", False): (1, 1),
    }
    assert stays == ["C"]
    # The hold's row stays, and each purged referral has its own row of who removed it (these
    # short ids are not of the form the service issues, so the trail keeps them as such).
    assert deleted == [(OPERATOR, "console", "referral", audit.NOT_AN_ID, "ok", NOW)] * 2
    assert (audit_rows, broken) == (3, None)


def test_purging_again_finds_nothing(database: Database) -> None:
    seed(database)
    with database.session() as session:
        retention.purge_closed(session, now=NOW, days=DAYS, actor=OPERATOR)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=DAYS, actor=OPERATOR) == 0
        assert session.scalar(select(func.count()).select_from(ReferralStatRow)) == 2


def test_a_shorter_period_purges_the_recent_ones_too(database: Database) -> None:
    seed(database)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=1, actor=OPERATOR) == 3
        assert session.scalars(select(ReferralRow.id)).all() == ["C"]


def close(database: Database, case_id: str, closed_at: datetime, reason: str | None) -> None:
    """Close ``case_id`` at ``closed_at`` as the service does, or with no reason (a row may have
    none: the column allows it)."""
    with database.session() as session:
        session.execute(
            update(ReferralRow)
            .where(ReferralRow.id == case_id)
            .values(status="closed", closed_at=closed_at, close_reason=reason)
        )


def remaining(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(ReferralRow.id).order_by(ReferralRow.id)))


def test_a_referral_is_kept_until_its_full_period_has_passed(database: Database) -> None:
    """B was closed ten days before NOW: a period of ten days keeps it at NOW exactly, and
    purges it a moment later."""
    seed(database)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=10, actor=OPERATOR) == 2
    assert remaining(database) == ["B", "C"]
    with database.session() as session:
        later = NOW + timedelta(microseconds=1)
        assert retention.purge_closed(session, now=later, days=10, actor=OPERATOR) == 1
    assert remaining(database) == ["C"]


def test_a_period_of_no_days_purges_every_closed_referral_and_a_negative_one_none(
    database: Database,
) -> None:
    seed(database)
    with pytest.raises(ValueError, match="not negative: -1 days"), database.session() as session:
        retention.purge_closed(session, now=NOW, days=-1, actor=OPERATOR)
    assert remaining(database) == ["A", "B", "C", "W"]
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=0, actor=OPERATOR) == 3
    assert remaining(database) == ["C"]


def test_referrals_alike_are_counted_together_with_their_nights_summed(
    database: Database,
) -> None:
    """C, closed as W was, adds one to W's count and its two hotel nights to W's night."""
    seed(database)
    close(database, "C", LONG_AGO, "withdrawn")
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=DAYS, actor=OPERATOR) == 3
        stats = {
            (row.month, row.region, row.outcome, row.placed): (row.count, row.unsuitable_nights)
            for row in session.scalars(select(ReferralStatRow))
        }
    assert stats[("2025-10", None, "withdrawn", False)] == (2, 3)


def test_a_referral_is_counted_in_its_dutch_month_and_without_a_reason_as_closed(
    database: Database,
) -> None:
    """Closed at 23:30 UTC on 31 October 2025, which is 00:30 on 1 November in the Netherlands."""
    seed(database)
    close(database, "C", datetime(2025, 10, 31, 23, 30, tzinfo=UTC), None)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=DAYS, actor=OPERATOR) == 3
        stats = {
            (row.month, row.outcome): row.count
            for row in session.scalars(
                select(ReferralStatRow).where(ReferralStatRow.placed.is_(False))
            )
        }
    assert stats == {("2025-10", "withdrawn"): 1, ("2025-11", "closed"): 1}


def test_every_expired_referral_goes_whatever_the_batches(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleted a few ids at a time (``BATCH``, far more in service): none is skipped between
    batches, and the placed one is still counted as placed."""
    monkeypatch.setattr(retention, "BATCH", 2)
    seed(database)
    with database.session() as session:
        assert retention.purge_closed(session, now=NOW, days=1, actor=OPERATOR) == 3
        placed = session.scalars(
            select(ReferralStatRow.outcome).where(ReferralStatRow.placed.is_(True))
        ).all()
    assert remaining(database) == ["C"]
    assert placed == ["discharged"]


ISSUED = "C00000000000000b1"  # an id of the form the service issues


def test_one_closed_referral_is_erased_now_as_retention_would_later(database: Database) -> None:
    """A referral closed ten days ago is erased at once: counted, gone with its rows, and its
    id on record with who erased it."""
    seed(database)
    with database.session() as session:
        add_referral(session, victim(ISSUED), LONG_AGO)
    close(database, ISSUED, NOW - timedelta(days=10), "withdrawn")
    with database.session() as session:
        retention.erase(session, ISSUED, now=NOW, actor=OPERATOR)
    assert remaining(database) == ["A", "B", "C", "W"]
    with database.session() as session:
        stats = [(row.outcome, row.count) for row in session.scalars(select(ReferralStatRow))]
        deleted = session.execute(
            select(AuditRow.object_id, AuditRow.actor).where(AuditRow.action == "delete")
        ).all()
        assert audit_verify.verify(session, now=NOW, min_days=730) is None
    assert stats == [("withdrawn", 1)]
    assert [tuple(row) for row in deleted] == [(ISSUED, OPERATOR)]


@pytest.mark.parametrize(
    ("case_id", "why"), [("C", "'C' is waiting: close it first"), ("Z", "no referral 'Z'")]
)
def test_only_a_closed_referral_is_erased(database: Database, case_id: str, why: str) -> None:
    seed(database)
    with (
        pytest.raises(retention.NotErasable, match=why),
        database.session() as session,
    ):
        retention.erase(session, case_id, now=NOW, actor=OPERATOR)
    assert remaining(database) == ["A", "B", "C", "W"]
    with database.session() as session:
        assert session.scalars(select(AuditRow).where(AuditRow.action == "delete")).all() == []
