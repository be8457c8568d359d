"""No double booking under concurrency: 50 desks try to hold the last place at the same moment.

Exactly one hold succeeds and the other 49 are refused with ``no_room``, 100 times over, on each
database. Each thread uses its own session (its own connection and transaction), as concurrent
requests in the service do.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import repeat

from api import ledger
from api.db.session import Database
from api.ledger import LedgerConflict
from tests.api.rows import add_referral, add_shelter, shelter, victim

DESKS = 50
ROUNDS = 100
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
