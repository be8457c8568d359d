"""The audit trail's retention: old rows leave the start of the chain, the chain still checks
whole, and a purge that was not one (rows too young, a period too short, a record changed or
missing) is named.

Every test runs on SQLite and PostgreSQL (the ``database`` fixture). Times are made up: the
purge is given its ``now``, as ``safeplace retention run`` gives it the clock's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from api import audit, audit_purge, audit_verify, retention
from api.audit_purge import Purge
from api.db.session import Database
from api.db.tables import AuditPurgeRow, AuditRow, ReferralRow, ScenarioRunRow
from tests.api.databases import empty_database
from tests.api.rows import add_referral, victim

START = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
DAYS = 730
OPERATOR = "console:operator"


def append(database: Database, *moments: datetime) -> list[int]:
    """One audit row per moment, each in its own transaction (a desk reading a case); their
    ``seq``."""
    made: list[int] = []
    for moment in moments:
        with database.session() as session:
            audit.record(
                session,
                actor="desk-1",
                role="desk",
                action="read",
                object_type="referral",
                object_id=f"C{len(made):016x}",
                result="ok",
                request_id=f"req-{moment.isoformat()}",
                at=moment,
            )
        made.append(newest_seq(database))
    return made


def newest_seq(database: Database) -> int:
    with database.session() as session:
        newest = audit.newest(session)
    assert newest is not None
    return newest[0]


def days_after(days: float) -> datetime:
    return START + timedelta(days=days)


def purge(database: Database, now: datetime, days: int = DAYS) -> Purge | None:
    with database.session() as session:
        return audit_purge.purge_expired(
            session, now=now, days=days, actor=OPERATOR, request_id="run-1"
        )


def verify(database: Database, now: datetime, min_days: int = DAYS) -> audit_verify.Break | None:
    with database.session() as session:
        return audit_verify.verify(session, now=now, min_days=min_days)


def kept_seqs(database: Database) -> list[int]:
    with database.session() as session:
        return list(session.scalars(select(AuditRow.seq).order_by(AuditRow.seq)))


def hashes(database: Database) -> dict[int, str]:
    with database.session() as session:
        return {row.seq: row.hash for row in session.execute(select(AuditRow.seq, AuditRow.hash))}


def drop_trigger(database: Database, name: str) -> None:
    on_table = " ON audit" if database.dialect == "postgresql" else ""
    with database.session() as session:
        session.execute(text(f"DROP TRIGGER {name}{on_table}"))


def a_year_of_reads(database: Database) -> list[int]:
    """Rows on days 0, 10, 20 and 30, then on days 800 and 810: the first four are more than
    730 days old on day 800."""
    return append(database, *(days_after(day) for day in (0, 10, 20, 30, 800, 810)))


def test_a_purge_removes_the_old_start_and_the_rest_still_verifies(database: Database) -> None:
    seqs = a_year_of_reads(database)
    now = days_after(770)
    done = purge(database, now)
    assert done is not None
    # Rows 1-3 go; row 4, the newest row older than the cutoff, stays as the boundary.
    assert (done.through, done.removed, done.days) == (seqs[2], 3, DAYS)
    assert done.cutoff == now - timedelta(days=DAYS)
    with database.session() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
        begun = audit_verify.beginning(session)
    assert [row.seq for row in rows] == [*seqs[3:], seqs[-1] + 1]
    purge_row = rows[-1]
    assert (purge_row.action, purge_row.object_type, purge_row.actor, purge_row.role) == (
        "purge",
        "audit",
        OPERATOR,
        "console",
    )
    assert purge_row.object_id == done.digest()
    # The digest as documented, so that it can be checked without Safeplace.
    documented = {
        "at": done.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "days": DAYS,
        "cutoff": done.cutoff.astimezone(UTC).isoformat(timespec="microseconds"),
        "through": seqs[2],
        "anchor": done.anchor,
        "removed": 3,
    }
    canonical = json.dumps(documented, sort_keys=True, separators=(",", ":"))
    assert purge_row.object_id == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert rows[0].prev_hash == done.anchor
    assert begun is not None
    assert (begun.seq, begun.at, begun.purge) == (seqs[3], days_after(30), done)
    assert verify(database, now) is None


def test_a_purge_of_something_else_than_the_trail_is_no_purge_of_it(database: Database) -> None:
    """The console's row for a backup it removed is a ``purge`` too, of a ``backup``: no
    record of a trail's purge is to be looked for."""
    append(database, days_after(0))
    with database.session() as session:
        audit.record(
            session,
            actor=OPERATOR,
            role=audit.CONSOLE,
            action="purge",
            object_type="backup",
            object_id="safeplace-20240102T031500Z.db",
            result="ok",
            request_id="r",
            at=days_after(1),
        )
    append(database, days_after(2))
    assert verify(database, days_after(3)) is None


def test_nothing_is_purged_inside_the_period(database: Database) -> None:
    """At day 750 only rows 1 and 2 are past 730 days: row 2 is the boundary, row 1 goes. A
    day earlier only row 1 is, and it stays as the boundary: nothing goes."""
    seqs = a_year_of_reads(database)
    assert purge(database, days_after(739)) is None
    assert kept_seqs(database) == seqs
    assert purge(database, days_after(749)) is not None
    assert kept_seqs(database)[:2] == [seqs[1], seqs[2]]


def test_a_row_at_the_cutoff_exactly_is_not_old_enough(database: Database) -> None:
    seqs = append(database, START, START + timedelta(seconds=1), START + timedelta(seconds=2))
    at_cutoff = START + timedelta(seconds=2) + timedelta(days=DAYS)
    done = purge(database, at_cutoff)
    assert done is not None
    assert done.through == seqs[0]  # row 2 is the boundary, row 3 is not older than the cutoff
    assert kept_seqs(database)[:2] == seqs[1:]


def test_a_period_under_a_day_is_refused(database: Database) -> None:
    a_year_of_reads(database)
    with pytest.raises(ValueError, match="at least one day: 0 days"):
        purge(database, days_after(900), days=0)
    assert len(kept_seqs(database)) == 6


def test_no_row_about_a_case_still_stored_is_purged(database: Database) -> None:
    """A case registered on day 15 and still there holds the cutoff back to day 15, however
    old its rows: rows 1 and 2 are older, so only row 1 goes."""
    seqs = a_year_of_reads(database)
    with database.session() as session:
        add_referral(session, victim("C00000000000000a1"), days_after(15))
    done = purge(database, days_after(900))
    assert done is not None
    assert done.cutoff == days_after(15)
    assert kept_seqs(database)[0] == seqs[1]
    with database.session() as session:
        session.execute(delete(ReferralRow))
    assert purge(database, days_after(900)) is not None
    assert kept_seqs(database)[0] == seqs[3]  # the cutoff is day 170 again
    assert verify(database, days_after(900)) is None


def test_a_second_purge_goes_on_from_the_first(database: Database) -> None:
    seqs = a_year_of_reads(database)
    first = purge(database, days_after(770))
    assert first is not None
    later = append(database, days_after(1000))
    second = purge(database, days_after(1750))
    assert second is not None
    assert second.through == seqs[-1] + 1  # the first purge's row went too: it is old
    assert kept_seqs(database) == [later[0], later[0] + 1]
    assert verify(database, days_after(1750)) is None
    with database.session() as session:
        begun = audit_verify.beginning(session)
    assert begun is not None
    assert begun.purge == second


def test_a_purge_rolled_back_removes_nothing(database: Database) -> None:
    seqs = a_year_of_reads(database)

    def failing_run() -> None:
        with database.session() as session:
            audit_purge.purge_expired(
                session, now=days_after(900), days=DAYS, actor=OPERATOR, request_id="run-1"
            )
            raise RuntimeError("the run failed after the purge")

    with pytest.raises(RuntimeError):
        failing_run()
    assert kept_seqs(database) == seqs
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditPurgeRow)) == 0


def test_a_purge_whose_boundary_was_removed_removes_nothing(database: Database) -> None:
    """Row 4, the boundary on day 800, removed by hand: the rows before it chain, but the purge
    would remove them up to the gap and hide it."""
    seqs = a_year_of_reads(database)
    drop_trigger(database, "audit_no_delete")
    with database.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == seqs[3]))
    with pytest.raises(audit_purge.TrailBroken) as raised:
        purge(database, days_after(800))
    assert raised.value.seq == seqs[3]
    assert kept_seqs(database) == seqs[:3] + seqs[4:]


def test_rows_appended_while_a_purge_runs_chain_on_its_row(database: Database) -> None:
    """Twelve writers append while purges run: the chain verifies and counts every row."""
    a_year_of_reads(database)
    start = threading.Barrier(13)

    def writer(number: int) -> None:
        start.wait()
        append(database, *(days_after(900 + number) for _ in range(3)))

    def purger() -> None:
        start.wait()
        for day in (900, 901, 902):
            purge(database, days_after(day))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    threads.append(threading.Thread(target=purger))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verify(database, days_after(903)) is None
    seqs = kept_seqs(database)
    assert seqs == list(range(seqs[0], seqs[-1] + 1))
    assert seqs[-1] == 6 + 36 + 1  # six rows, 36 appended, one purge (the others found nothing)


# --- Tampering after a purge ------------------------------------------------------------------


def purged_trail(database: Database) -> list[int]:
    """The six rows, purged on day 770: rows 4, 5, 6 and the purge's row 7 are kept."""
    a_year_of_reads(database)
    assert purge(database, days_after(770)) is not None
    return kept_seqs(database)


@pytest.mark.parametrize("index", [0, 1, 3])
def test_a_row_edited_after_a_purge_is_named(database: Database, index: int) -> None:
    """The boundary, a later row, and the purge's own row."""
    kept = purged_trail(database)
    drop_trigger(database, "audit_no_update")
    with database.session() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == kept[index]).values(actor="x"))
    broken = verify(database, days_after(800))
    assert broken is not None
    assert broken.seq == kept[index]


def test_a_kept_row_removed_after_a_purge_is_named_by_its_successor(database: Database) -> None:
    kept = purged_trail(database)
    drop_trigger(database, "audit_no_delete")
    with database.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == kept[1]))
    assert verify(database, days_after(800)) == audit_verify.Break(
        kept[2], "it does not link to the row before it"
    )


def test_the_boundary_removed_too_is_named(database: Database) -> None:
    kept = purged_trail(database)
    drop_trigger(database, "audit_no_delete")
    with database.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == kept[0]))
    broken = verify(database, days_after(800))
    assert broken is not None
    assert broken.seq == kept[1]
    assert "the last purge removed the rows up to 3" in broken.why


def test_every_row_removed_after_a_purge_is_named(database: Database) -> None:
    kept = purged_trail(database)
    drop_trigger(database, "audit_no_delete")
    with database.session() as session:
        session.execute(delete(AuditRow))
    assert verify(database, days_after(800)) == audit_verify.Break(
        kept[0], "every row is gone, the last purge's own row too"
    )


def test_the_database_deletes_no_row_a_purge_does_not_cover(database: Database) -> None:
    kept = purged_trail(database)
    with pytest.raises(DBAPIError, match="append-only"), database.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == kept[0]))
    with pytest.raises(DBAPIError, match="append-only"), database.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == kept[-1]))
    assert kept_seqs(database) == kept


@pytest.mark.parametrize(
    "statement",
    [update(AuditPurgeRow).values(days=1), delete(AuditPurgeRow)],
    ids=["update", "delete"],
)
def test_the_database_keeps_the_purge_records_as_written(
    database: Database, statement: object
) -> None:
    purged_trail(database)
    with pytest.raises(DBAPIError, match="append-only"), database.session() as session:
        session.execute(statement)  # type: ignore[call-overload]


def drop_record_guards(database: Database) -> None:
    """Let the purge records be changed, as an intruder who can drop triggers would."""
    on_table = " ON audit_purges" if database.dialect == "postgresql" else ""
    with database.session() as session:
        for name in ("audit_purges_no_update", "audit_purges_no_delete"):
            session.execute(text(f"DROP TRIGGER {name}{on_table}"))


def test_a_changed_purge_record_is_named_at_the_purge_row(database: Database) -> None:
    kept = purged_trail(database)
    drop_record_guards(database)
    with database.session() as session:
        session.execute(update(AuditPurgeRow).values(days=DAYS + 1))
    assert verify(database, days_after(800)) == audit_verify.Break(
        kept[-1], "the record of this purge was changed"
    )
    with database.session() as session:
        session.execute(delete(AuditPurgeRow))
    broken = verify(database, days_after(800))
    assert broken is not None
    assert broken.seq == kept[0]  # without a record, the trail should begin at row 1


# --- A purge recorded by an intruder -----------------------------------------------------------


def forge_purge(
    database: Database,
    *,
    at: datetime,
    days: int,
    through: int,
    cutoff: datetime | None = None,
    row_at: datetime | None = None,
) -> None:
    """Record a purge of the rows up to ``through`` as the service would (the record, its row
    in the chain with the record's digest, dated ``row_at`` if given) and remove them: all the
    database lets through."""
    with database.session() as session:
        anchor = session.scalar(select(AuditRow.hash).where(AuditRow.seq == through))
        assert anchor is not None
        first = session.scalar(select(func.min(AuditRow.seq)))
        assert first is not None
        forged = Purge(
            at, days, cutoff or at - timedelta(days=days), through, anchor, through - first + 1
        )
        seq = _append_purge_row(session, forged, row_at or at)
        session.add(
            AuditPurgeRow(
                seq=seq,
                at=at,
                days=days,
                cutoff=forged.cutoff,
                through=through,
                anchor=anchor,
                removed=forged.removed,
            )
        )
        session.flush()
        session.execute(delete(AuditRow).where(AuditRow.seq <= through))


def _append_purge_row(session: Session, forged: Purge, at: datetime) -> int:
    return audit.append(
        session,
        [
            {
                "at": at,
                "actor": OPERATOR,
                "role": "console",
                "action": "purge",
                "object_type": "audit",
                "object_id": forged.digest(),
                "result": "ok",
                "request_id": "forged",
            }
        ],
    )


def test_recent_rows_removed_under_a_purge_of_the_period_set_are_found(
    database: Database,
) -> None:
    """Day 815: rows up to day 800 removed, as if they were past 730 days. The boundary kept,
    row 6 of day 810, is not older than the cutoff, and nothing older can be put after it."""
    seqs = a_year_of_reads(database)
    forge_purge(database, at=days_after(815), days=DAYS, through=seqs[4])
    broken = verify(database, days_after(815))
    assert broken is not None
    assert broken.seq == seqs[5]
    assert "removed rows that were not old enough" in broken.why


def test_a_purge_that_keeps_first_a_row_at_its_cutoff_exactly_is_found(database: Database) -> None:
    """A purge keeps first a row older than its cutoff: one of that very moment is not, as
    the purge itself keeps it (:func:`test_a_row_at_the_cutoff_exactly_is_not_old_enough`)."""
    seqs = a_year_of_reads(database)
    forge_purge(database, at=days_after(810 + DAYS), days=DAYS, through=seqs[4])
    broken = verify(database, days_after(810 + DAYS))
    assert broken is not None
    assert broken.seq == seqs[5]
    assert "removed rows that were not old enough" in broken.why


def test_recent_rows_removed_under_a_cutoff_later_than_the_period_are_found(
    database: Database,
) -> None:
    seqs = a_year_of_reads(database)
    forge_purge(database, at=days_after(815), days=DAYS, through=seqs[4], cutoff=days_after(811))
    broken = verify(database, days_after(815))
    assert broken is not None
    assert broken.why == "this purge's cutoff is later than its period allows"


def test_a_purge_under_a_shorter_period_than_set_is_found(database: Database) -> None:
    """Rows of days 800 and before removed on day 815 under 10 days: consistent in itself, but
    the period set is 730 days."""
    seqs = a_year_of_reads(database)
    forge_purge(database, at=days_after(815), days=10, through=seqs[3])
    assert verify(database, days_after(815), min_days=10) is None
    broken = verify(database, days_after(815))
    assert broken is not None
    assert broken.seq == seqs[-1] + 1
    assert "fewer than the 730 set" in broken.why


def test_a_purge_dated_ahead_is_found(database: Database) -> None:
    seqs = a_year_of_reads(database)
    forge_purge(database, at=days_after(1600), days=DAYS, through=seqs[4])
    assert verify(database, days_after(1600)) is None
    for now in (days_after(815), days_after(1600) - timedelta(microseconds=1)):
        broken = verify(database, now)
        assert broken is not None
        assert "after now" in broken.why


def test_a_purge_record_dated_apart_from_its_row_is_found(database: Database) -> None:
    """The purge's row is chained on day 815, among the rows it dates; its record says day
    1600, whose cutoff (day 870) would let the rows of day 800 go. Consistent in itself, and
    dated before the check's now: only the row's time shows the record is not its own."""
    seqs = a_year_of_reads(database)
    forge_purge(database, at=days_after(1600), days=DAYS, through=seqs[4], row_at=days_after(815))
    assert verify(database, days_after(1600)) == audit_verify.Break(
        seqs[-1] + 1, "the record of this purge was changed"
    )


def test_a_purge_recorded_for_the_first_row_kept_is_found(database: Database) -> None:
    """A record added for the boundary (row 4, a read), besides the real purge's: no purge's
    row binds it."""
    kept = purged_trail(database)
    with database.session() as session:
        real = session.scalars(select(AuditPurgeRow)).one()
        session.add(
            AuditPurgeRow(
                seq=kept[0],
                at=real.at,
                days=real.days,
                cutoff=real.cutoff,
                through=1,
                anchor=audit.GENESIS,
                removed=1,
            )
        )
    assert verify(database, days_after(800)) == audit_verify.Break(
        kept[0], "a purge is recorded for this row, which is no purge"
    )


def test_the_newest_rows_removed_under_a_record_alone_are_found(database: Database) -> None:
    """A record claiming the newest rows, without a row of its own in the chain: the trail
    should then begin after them."""
    seqs = a_year_of_reads(database)
    with database.session() as session:
        anchor = session.scalar(select(AuditRow.hash).where(AuditRow.seq == seqs[-1]))
        session.add(
            AuditPurgeRow(
                seq=seqs[-1] + 1,
                at=days_after(815),
                days=DAYS,
                cutoff=days_after(85),
                through=seqs[-1],
                anchor=anchor,
                removed=2,
            )
        )
        session.flush()
        session.execute(delete(AuditRow).where(AuditRow.seq > seqs[3]))
    broken = verify(database, days_after(815))
    assert broken is not None
    assert broken.seq == seqs[0]


def test_a_record_on_a_removed_row_does_not_cover_a_removal(database: Database) -> None:
    """The record of a purge names the ``seq`` of one of the rows it removed, so no row in the
    chain is there to bind it."""
    seqs = a_year_of_reads(database)
    with database.session() as session:
        anchor = session.scalar(select(AuditRow.prev_hash).where(AuditRow.seq == seqs[4]))
        session.add(
            AuditPurgeRow(
                seq=seqs[0],
                at=days_after(815),
                days=DAYS,
                cutoff=days_after(801),
                through=seqs[3],
                anchor=anchor,
                removed=4,
            )
        )
        session.flush()
        session.execute(delete(AuditRow).where(AuditRow.seq <= seqs[3]))
    broken = verify(database, days_after(815))
    assert broken is not None
    assert "the last purge's row is not in the trail" in broken.why


# --- Hashes kept outside the database ----------------------------------------------------------


def kept_state(database: Database, seq: int, kept: str) -> audit_verify.KeptState:
    with database.session() as session:
        return audit_verify.kept_state(session, seq, kept)


def test_kept_hashes_before_and_after_the_purge_point(database: Database) -> None:
    a_year_of_reads(database)
    before = hashes(database)
    assert purge(database, days_after(770)) is not None
    after = hashes(database)
    assert [kept_state(database, seq, before[seq]) for seq in sorted(before)] == [
        "purged",
        "purged",
        "purged",
        "held",
        "held",
        "held",
    ]
    assert kept_state(database, 7, after[7]) == "held"
    assert kept_state(database, 7, after[7].upper()) == "held"  # as hex is written, either case
    assert kept_state(database, 8, after[7]) == "missing"  # never written: the trail is shorter
    assert kept_state(database, 5, before[4]) == "differs"
    # The last row purged is the one whose hash the trail now begins from: a hash kept for it
    # is still checked.
    assert kept_state(database, 3, before[2]) == "differs"
    assert kept_state(database, 2, before[1]) == "purged"  # no hash left to check it against


def test_a_kept_hash_of_the_last_row_of_an_earlier_purge_is_still_checked(
    database: Database,
) -> None:
    """Row 3, the last the first purge removed, is checked against that purge's anchor, not
    against the later purge's, which removed more."""
    a_year_of_reads(database)
    before = hashes(database)
    assert purge(database, days_after(770)) is not None
    append(database, days_after(1000))
    assert purge(database, days_after(1750)) is not None
    assert kept_state(database, 3, before[3]) == "purged"
    assert kept_state(database, 3, before[2]) == "differs"


# --- The retention run: referrals, audit rows and scenario runs together ----------------------


def add_run(session: Session, run_id: str, ended: datetime) -> None:
    session.add(
        ScenarioRunRow(
            id=run_id,
            scenario="regional-shortage",
            state="done",
            done=1,
            total=1,
            replications=1,
            owner="o",
            started_at=ended - timedelta(hours=1),
            updated_at=ended,
        )
    )


def test_a_retention_run_purges_scenario_runs_past_their_period_only(
    database: Database,
) -> None:
    now = days_after(800)
    with database.session() as session:
        add_run(session, "old", now - timedelta(days=366))
        add_run(session, "exact", now - timedelta(days=365))
        add_run(session, "recent", now - timedelta(days=1))
    periods = retention.Periods(referrals=365, audit=DAYS, runs=365)
    with database.session() as session:
        done = retention.run(session, now=now, periods=periods, actor=OPERATOR)
    assert done.runs == 1
    with database.session() as session:
        assert set(session.scalars(select(ScenarioRunRow.id))) == {"exact", "recent"}


def test_a_retention_run_is_one_request_in_the_trail(database: Database) -> None:
    """The referrals it deletes and the audit rows it purges, under periods of the same
    length (the trail's may not be shorter, and need not be longer), found together by the
    run's request id."""
    a_year_of_reads(database)
    case_id = "C00000000000000aa"
    with database.session() as session:
        add_referral(session, victim(case_id), days_after(0))
        session.execute(
            update(ReferralRow)
            .where(ReferralRow.id == case_id)
            .values(status="closed", closed_at=days_after(1))
        )
    periods = retention.Periods(referrals=DAYS, audit=DAYS, runs=365)
    with database.session() as session:
        done = retention.run(session, now=days_after(800), periods=periods, actor=OPERATOR)
    assert done.referrals == 1
    assert done.trail is not None
    with database.session() as session:
        rows = session.execute(
            select(AuditRow.action, AuditRow.object_type, AuditRow.request_id).where(
                AuditRow.role == audit.CONSOLE
            )
        ).all()
    assert sorted((action, object_type) for action, object_type, _ in rows) == [
        ("delete", "referral"),
        ("purge", "audit"),
    ]
    assert len({request_id for *_, request_id in rows}) == 1


def test_a_scenario_run_is_kept_a_day_at_the_least(database: Database) -> None:
    with database.session() as session, pytest.raises(ValueError, match="at least one day"):
        retention.purge_runs(session, now=days_after(800), days=0)


def test_a_retention_run_refuses_an_audit_period_shorter_than_the_referrals(
    database: Database,
) -> None:
    a_year_of_reads(database)
    periods = retention.Periods(referrals=366, audit=365, runs=365)
    with (
        pytest.raises(ValueError, match=r"audit trail's period \(365 days\) is shorter"),
        database.session() as session,
    ):
        retention.run(session, now=days_after(900), periods=periods, actor=OPERATOR)
    assert len(kept_seqs(database)) == 6


def test_a_retention_run_keeps_a_broken_start_of_the_trail_and_purges_the_rest(
    database: Database,
) -> None:
    seqs = a_year_of_reads(database)
    drop_trigger(database, "audit_no_update")
    with database.session() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == seqs[1]).values(actor="x"))
        add_run(session, "old", days_after(0))
    periods = retention.Periods(referrals=365, audit=DAYS, runs=365)
    with database.session() as session:
        done = retention.run(session, now=days_after(900), periods=periods, actor=OPERATOR)
    assert (done.trail, done.trail_broken, done.runs) == (None, seqs[1], 1)
    assert kept_seqs(database) == seqs
    broken = verify(database, days_after(900))
    assert broken is not None
    assert broken.seq == seqs[1]


# --- Property: any appends and purges, against a plain model of the chain ---------------------


@dataclass(frozen=True)
class Append:
    """Rows ``after`` days from the last step, one per number in ``early``: so many seconds
    before that moment (a request's time comes before its commit, so times may go back)."""

    after: float
    early: list[int]


@dataclass(frozen=True)
class PurgeStep:
    after: float
    days: int


steps = st.lists(
    st.one_of(
        st.builds(Append, after=st.floats(0, 400), early=st.lists(st.integers(0, 5), max_size=4)),
        st.builds(PurgeStep, after=st.floats(0, 400), days=st.integers(1, 500)),
    ),
    max_size=12,
)


@contextmanager
def fresh_database(dialect: str) -> Iterator[Database]:
    """A migrated database of its own for one example."""
    with (
        TemporaryDirectory() as folder,
        contextmanager(empty_database)(dialect, Path(folder)) as url,
    ):
        database = Database.for_url(url)
        try:
            database.migrate()
            yield database
        finally:
            database.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=steps, tamper=st.integers(0, 1000))
def test_any_appends_and_purges_keep_a_chain_that_verifies_as_the_model_says(
    database: Database, plan: list[Append | PurgeStep], tamper: int
) -> None:
    """The model: a list of (seq, time). A purge at ``now`` finds the longest run of rows from
    the start older than ``now - days``; when it holds two rows or more, all but its last go,
    and a row of the purge's own is added at ``now``. After every step the database keeps the
    model's rows, the chain verifies, every hash ever written is held or purged as the model
    says, and an edit of any row kept is named at that row."""
    with fresh_database(database.dialect) as fresh:
        clock = START
        model: list[tuple[int, datetime]] = []
        written: dict[int, str] = {}
        purged = 0
        for step in plan:
            clock += timedelta(days=step.after)
            if isinstance(step, Append):
                moments = [clock - timedelta(seconds=early) for early in step.early]
                model.extend(zip(append(fresh, *moments), moments, strict=True))
            else:
                cutoff = clock - timedelta(days=step.days)
                old = 0
                while old < len(model) and model[old][1] < cutoff:
                    old += 1
                done = purge(fresh, clock, step.days)
                assert (done is not None) == (old >= 2)
                if old >= 2:
                    purged = model[old - 2][0]
                    model = [*model[old - 1 :], (model[-1][0] + 1, clock)]
            written |= hashes(fresh)
            assert kept_seqs(fresh) == [seq for seq, _ in model]
            assert verify(fresh, clock, min_days=1) is None
            kept = {seq for seq, _ in model}
            with fresh.session() as session:
                states = {
                    seq: audit_verify.kept_state(session, seq, digest)
                    for seq, digest in written.items()
                }
                begun = audit_verify.beginning(session)
            assert states == {seq: "held" if seq in kept else "purged" for seq in written}
            if model:
                assert begun is not None
                assert begun.seq == model[0][0]
                assert (0 if begun.purge is None else begun.purge.through) == purged
        if model:
            edited = model[tamper % len(model)][0]
            drop_trigger(fresh, "audit_no_update")
            with fresh.session() as session:
                session.execute(
                    update(AuditRow).where(AuditRow.seq == edited).values(result="forged")
                )
            broken = verify(fresh, clock, min_days=1)
            assert broken is not None
            assert broken.seq == edited
