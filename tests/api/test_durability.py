"""Durability: a server killed with SIGKILL in the middle of a burst of holds and confirms loses no
acknowledged write, leaves SQLite's file intact, and its places still add up after a restart."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api import ledger
from api.db.session import Database
from api.db.tables import HoldRow, PlacementRow, ShelterRow
from tests.api import server
from tests.api.rows import add_referral, add_shelter, shelter, victim

SHELTERS = [f"D{number}" for number in range(6)]
REFERRALS = [f"K{number:03d}" for number in range(400)]
CLIENTS = 8
# Acknowledged writes to wait for before the kill: enough that the kill lands mid-burst.
BEFORE_KILL = 40


def test_acknowledged_writes_survive_sigkill(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with database.session() as session:
        for shelter_id in SHELTERS:
            add_shelter(session, shelter(shelter_id, 30), now)
        for case_id in REFERRALS:
            add_referral(session, victim(case_id), now)
    server.add_desk_user(database)

    holds: set[str] = set()
    placements: set[str] = set()
    running = server.start(database_url, tmp_path / "var")
    try:
        burst(running, holds, placements)
    finally:
        running.kill()
    assert len(holds) + len(placements) >= BEFORE_KILL

    with server.running(database_url, tmp_path / "var", workers=1) as restarted:
        headers = {"Authorization": f"Bearer {server.token(restarted)}"}
        with httpx2.Client(base_url=restarted.url, headers=headers, timeout=30) as client:
            for hold_id in sorted(holds):
                assert client.get(f"/api/v1/holds/{hold_id}").status_code == 200, hold_id
            for placement_id in sorted(placements):
                assert client.get(f"/api/v1/placements/{placement_id}").status_code == 200

    with database.session() as session:
        stored_holds = set(session.scalars(select(HoldRow.id)))
        stored_placements = set(session.scalars(select(PlacementRow.id)))
        if database.dialect == "sqlite":
            assert session.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        assert_places_add_up(session, datetime.now(UTC))
    assert holds <= stored_holds
    assert placements <= stored_placements


def burst(running: server.Server, holds: set[str], placements: set[str]) -> None:
    """Holds and confirms from several clients until SIGKILL cuts them off mid-flight."""
    headers = {"Authorization": f"Bearer {server.token(running)}"}
    cases: Iterator[str] = iter(REFERRALS)
    lock = threading.Lock()
    enough = threading.Event()

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx2.Client(base_url=running.url, headers=headers, timeout=30) as client:
            while True:
                with lock:
                    case_id = next(cases, None)
                if case_id is None:
                    return
                try:
                    made = client.post(
                        "/api/v1/holds",
                        json={"referral_id": case_id, "shelter_id": rng.choice(SHELTERS)},
                    )
                    if made.status_code != 201:
                        continue
                    hold_id = made.json()["id"]
                    with lock:
                        holds.add(hold_id)
                    if rng.random() < 0.5:
                        confirmed = client.post(f"/api/v1/holds/{hold_id}/confirm")
                        if confirmed.is_success:
                            with lock:
                                placements.add(confirmed.json()["id"])
                except httpx2.TransportError:
                    return  # the server is gone
                with lock:
                    if len(holds) + len(placements) >= BEFORE_KILL:
                        enough.set()

    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
        for seed in range(CLIENTS):
            clients.submit(client_loop, seed)
        enough.wait(timeout=60)
        running.kill()


def assert_places_add_up(session: Session, now: datetime) -> None:
    """Counted straight from the tables: no shelter over capacity, no referral in two places,
    and the ledger's live free places equal capacity minus everything that takes a place."""
    taken: dict[str, int] = dict.fromkeys(SHELTERS, 0)
    per_referral: dict[str, int] = {}
    active_holds = session.execute(
        select(HoldRow.shelter_id, HoldRow.referral_id, HoldRow.places).where(
            HoldRow.status == "active", HoldRow.expires_at > now
        )
    )
    active_placements = session.execute(
        select(PlacementRow.shelter_id, PlacementRow.referral_id, PlacementRow.places).where(
            PlacementRow.status == "active"
        )
    )
    for row in itertools.chain(active_holds, active_placements):
        taken[row.shelter_id] += row.places
        per_referral[row.referral_id] = per_referral.get(row.referral_id, 0) + 1
    assert all(count == 1 for count in per_referral.values())
    network = {s.id: s for s in ledger.live_network(session, now)}
    for shelter_id in SHELTERS:
        stored = session.get(ShelterRow, shelter_id)
        assert stored is not None
        assert stored.occupied + taken[shelter_id] <= stored.capacity
        assert network[shelter_id].free == stored.capacity - stored.occupied - taken[shelter_id]
