"""No double booking under concurrency: 50 desks try to hold the last place at the same moment.

Exactly one hold succeeds and the other 49 are refused with ``no_room``, 30 times over, on each
database. Each thread uses its own session (its own connection and transaction), as concurrent
requests in the service do. The 100 rounds of the service's requirement run over HTTP against
two worker processes (``test_http_concurrency``); these rounds, in one process without HTTP in
between, find a race in the ledger itself sooner, and 30 of them keep ``make test`` within its
time on a slow machine (100 took 46-52 s per database there).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import repeat

from sqlalchemy import select

from api import ledger, referral_store
from api.db.session import Database
from api.db.tables import HoldRow, ReferralRow
from api.ledger import LedgerConflict
from api.problems import ProblemError
from tests.api.rows import add_referral, add_shelter, shelter, victim

DESKS = 50
ROUNDS = 30
NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)


def test_fifty_desks_one_place_one_hold(database: Database) -> None:
    referrals = [f"C{number:02d}" for number in range(DESKS)]
    with database.session() as session:
        add_shelter(session, shelter("LAST", 1), NOW)
        for case_id in referrals:
            add_referral(session, victim(case_id), NOW)

    def try_hold(case_id: str, start: threading.Barrier, now: datetime) -> str:
        start.wait()
        try:
            with database.session() as session:
                return ledger.create_hold(session, case_id, "LAST", now=now, minutes=90).id
        except LedgerConflict as refused:
            return refused.code

    with ThreadPoolExecutor(max_workers=DESKS) as desks:
        for round_number in range(ROUNDS):
            now = NOW + timedelta(seconds=round_number)
            start = threading.Barrier(DESKS)
            outcomes = list(desks.map(try_hold, referrals, repeat(start), repeat(now)))
            codes = Counter(outcome if outcome == "no_room" else "held" for outcome in outcomes)
            assert codes == {"held": 1, "no_room": DESKS - 1}, f"round {round_number}: {codes}"
            (winner,) = (outcome for outcome in outcomes if outcome != "no_room")
            with database.session() as session:
                assert ledger.taken_places(session, "LAST", now=now) == 1
                ledger.release_hold(session, winner, now=now)


def test_closing_and_holding_one_referral_at_once_never_leave_a_closed_referral_held(
    database: Database,
) -> None:
    """A desk closes a referral while another holds a place for it: either the close comes
    first (the hold is refused) or the hold does (the close releases it, or, when the hold came
    in between the close's look and its lock, is refused): never both."""
    rounds = 40
    with database.session() as session:
        add_shelter(session, shelter("ROOM", rounds), NOW)
        for number in range(rounds):
            add_referral(session, victim(f"R{number:02d}"), NOW)

    def close(case_id: str, start: threading.Barrier) -> str:
        start.wait()
        try:
            with database.session() as session:
                referral_store.close(session, case_id, "withdrawn", now=NOW)
                return "closed"
        except ProblemError as refused:
            return str(refused.code)

    def hold(case_id: str, start: threading.Barrier) -> str:
        start.wait()
        try:
            with database.session() as session:
                ledger.create_hold(session, case_id, "ROOM", now=NOW, minutes=90)
                return "held"
        except LedgerConflict as refused:
            return refused.code

    outcomes: Counter[tuple[str, str]] = Counter()
    with ThreadPoolExecutor(max_workers=2) as desks:
        for number in range(rounds):
            case_id, start = f"R{number:02d}", threading.Barrier(2)
            closing = desks.submit(close, case_id, start)
            holding = desks.submit(hold, case_id, start)
            outcome = (closing.result(), holding.result())
            outcomes[outcome] += 1
            with database.session() as session:
                row = session.get(ReferralRow, case_id)
                assert row is not None
                active = session.scalars(
                    select(HoldRow).where(
                        HoldRow.referral_id == case_id, HoldRow.status == "active"
                    )
                ).all()
                assert (row.status, len(active)) in {("closed", 0), ("held", 1)}, outcome
                assert outcome in {
                    ("closed", "referral_closed"),  # the close came first
                    ("closed", "held"),  # the hold came first, and the close released it
                    ("already_held", "held"),  # the hold came in between the close's steps
                }, outcome
    assert sum(outcomes.values()) == rounds


def test_closing_sweeps_a_hold_past_its_time_that_no_sweep_has_marked_yet(
    database: Database,
) -> None:
    """An expired hold still marked active must not block the close, nor stay active after it:
    a later sweep would send the closed referral back to waiting."""
    with database.session() as session:
        add_shelter(session, shelter("ROOM", 1), NOW)
        add_referral(session, victim("LATE"), NOW)
        hold_id = ledger.create_hold(session, "LATE", "ROOM", now=NOW, minutes=90).id
    later = NOW + timedelta(hours=2)
    with database.session() as session:
        _, released = referral_store.close(session, "LATE", "withdrawn", now=later)
        assert released is None
    with database.session() as session:
        assert ledger.expire_holds(session, later + timedelta(hours=1)) == 0
        row, stale = session.get(ReferralRow, "LATE"), session.get(HoldRow, hold_id)
        assert row is not None
        assert stale is not None
        assert (row.status, stale.status) == ("closed", "expired")
