"""No double booking over HTTP: 50 desks post a hold for the last place at once, to a server with
two worker processes. Exactly one gets 201 and 49 get 409 ``no_room``, 100 times over, on each
database. Between rounds the ledger (not the API) releases the winner's hold.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path

import httpx2

from api import ledger
from api.db.session import Database
from tests.api import server
from tests.api.rows import add_referral, add_shelter, shelter, victim

DESKS = 50
ROUNDS = 100


def test_fifty_desks_one_place_one_hold_over_http(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    referrals = [f"C{number:02d}" for number in range(DESKS)]
    now = datetime.now(UTC)
    with database.session() as session:
        add_shelter(session, shelter("LAST", 1), now)
        for case_id in referrals:
            add_referral(session, victim(case_id), now)
    server.add_desk_user(database)

    with server.running(database_url, tmp_path / "var", workers=2) as running:
        headers = {"Authorization": f"Bearer {server.token(running)}"}
        limits = httpx2.Limits(max_connections=DESKS, max_keepalive_connections=DESKS)
        with (
            httpx2.Client(
                base_url=running.url, headers=headers, limits=limits, timeout=60
            ) as client,
            ThreadPoolExecutor(max_workers=DESKS) as desks,
        ):

            def post_hold(case_id: str, start: threading.Barrier) -> tuple[int, str]:
                start.wait()
                response = client.post(
                    "/api/v1/holds", json={"referral_id": case_id, "shelter_id": "LAST"}
                )
                body = response.json()
                return response.status_code, body["id"] if response.status_code == 201 else (
                    body.get("code", "")
                )

            for round_number in range(ROUNDS):
                start = threading.Barrier(DESKS)
                answers = list(desks.map(post_hold, referrals, repeat(start)))
                outcomes = Counter(answers_of(answers))
                assert outcomes == {"201": 1, "409 no_room": DESKS - 1}, (
                    f"round {round_number}: {outcomes}"
                )
                (winner,) = (detail for status, detail in answers if status == 201)
                with database.session() as session:
                    ledger.release_hold(session, winner, now=datetime.now(UTC))


def answers_of(answers: list[tuple[int, str]]) -> list[str]:
    """``201`` for a hold made, ``409 <code>`` for a refusal, anything else as it came."""
    return [str(status) if status == 201 else f"{status} {detail}" for status, detail in answers]
