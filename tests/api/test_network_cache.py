"""The cached live network is always the one the ledger would build now.

After every kind of change a ranking can see (a hold, its expiry, a release, a confirm, a
discharge, staff reporting places, an admin changing or closing a shelter, a new shelter), the
cache must answer exactly what :func:`api.ledger.live_network` answers, and its compiled ranker
must rank exactly as one compiled afresh. A change written past the service (plain SQL) is seen as
well, and so is a change made through another worker process (another app on the same database,
with a cache of its own): the network version is read from the database on every request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text, update

from api import ledger
from api.db.tables import ShelterRow
from api.deps import get_now
from api.main import create_app
from api.network_cache import NetworkCache, network_version
from engine.ranking import Ranker
from models.shelter import Shelter
from tests.api.helpers import (
    Api,
    bearer,
    create_referral,
    hold,
    referral,
    running_api,
    set_free,
    settings_for,
)
from tests.api.rows import add_shelter, shelter


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def comparable(network: list[Shelter]) -> list[dict[str, object]]:
    """The network with residents as sets (their order follows the database's)."""
    return [
        {**shelter.model_dump(exclude={"residents"}), "residents": set(shelter.residents)}
        for shelter in network
    ]


def test_the_cache_follows_every_change(api: Api) -> None:
    cache = NetworkCache()

    victims = [api.ok(api.get("desk", f"/api/v1/referrals/{create_referral(api)}"))]
    victims.append(api.ok(api.get("desk", f"/api/v1/referrals/{create_referral(api, age=15)}")))

    def same_as_ledger(minutes_ahead: float = 0) -> None:
        moment = api.clock.now + timedelta(minutes=minutes_ahead)
        # A later moment in the same transaction too (as rankings sharing one ask): the
        # places taken are read once per transaction, and must still be each moment's own.
        for at_moment in (moment, moment + timedelta(minutes=100)):
            with api.database.session() as session:
                cache.network(session, moment)
                cached = cache.network(session, at_moment)
                ranker = cache.ranker(session, at_moment)
                fresh = ledger.live_network(session, at_moment)
                waiting = [ledger.waiting_victim(session, victim["id"]) for victim in victims]
            assert comparable(cached) == comparable(fresh)
            for victim in waiting:
                for at in (at_moment, at_moment + timedelta(hours=9), None):
                    assert ranker.at(at).rank(victim) == Ranker(fresh, at).rank(victim)

    same_as_ledger()
    same_as_ledger()
    first, second, third = (create_referral(api) for _ in range(3))
    api.ok(api.patch("admin", "/api/v1/shelters/S023/availability", {"free": 2}))
    same_as_ledger()
    held = api.ok(hold(api, first, "S023"), 201)
    same_as_ledger()
    same_as_ledger(minutes_ahead=120)
    until = {"until": (api.clock.now + timedelta(hours=3)).isoformat()}
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/extend", until))
    same_as_ledger(minutes_ahead=120)
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/release"))
    same_as_ledger()
    held = api.ok(hold(api, second, "S023"), 201)
    placement = api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    same_as_ledger()
    api.ok(hold(api, third, "S023"), 201)
    api.clock.advance(91)
    same_as_ledger()
    api.ok(api.post("desk", f"/api/v1/placements/{placement['id']}/discharge"))
    same_as_ledger()
    api.ok(api.patch("admin", "/api/v1/shelters/S023", {"accepts": ["addiction"]}))
    same_as_ledger()
    api.ok(api.patch("shelter", "/api/v1/shelters/S001/availability", {"closed": True}))
    same_as_ledger()
    new = {"id": "T001", "location": {"municipality": "Utrecht"}, "capacity": 3}
    api.ok(api.post("admin", "/api/v1/shelters", new), 201)
    same_as_ledger()


def test_a_change_past_the_service_bumps_the_network_version(api: Api) -> None:
    """Triggers count every insert, update and delete of a shelter, whoever writes it."""
    with api.database.session() as session:
        before = network_version(session)
    with api.database.session() as session:
        session.execute(update(ShelterRow).where(ShelterRow.id == "S023").values(occupied=0))
    with api.database.session() as session:
        session.execute(text("UPDATE shelters SET closed = closed"))
    with api.database.session() as session:
        add_shelter(session, shelter("T001", 2), api.clock.now)
    with api.database.session() as session:
        session.execute(delete(ShelterRow).where(ShelterRow.id == "T001"))
    with api.database.session() as session:
        assert network_version(session) >= before + 4


def test_the_cache_sees_a_shelter_changed_by_hand(api: Api) -> None:
    cache = NetworkCache()
    with api.database.session() as session:
        first = {s.id: s for s in cache.network(session, api.clock.now)}
    # An update that bumps neither ``version`` nor ``updated_at``, as a hand-made fix would.
    occupied = 0 if first["S023"].occupied else first["S023"].capacity
    with api.database.session() as session:
        session.execute(update(ShelterRow).where(ShelterRow.id == "S023").values(occupied=occupied))
    with api.database.session() as session:
        cached = cache.network(session, api.clock.now)
        assert comparable(cached) == comparable(ledger.live_network(session, api.clock.now))
    assert {s.id: s for s in cached}["S023"].occupied == occupied


def free_at(ranking: dict[str, Any], shelter_id: str) -> int | None:
    """The free places a ranking offers at a shelter (None: not offered)."""
    return next((o["free"] for o in ranking["options"] if o["shelter"] == shelter_id), None)


def test_a_change_through_another_worker_reaches_this_workers_rankings(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    """Two apps on one database stand for the two worker processes, each with its own cache."""
    other = create_app(settings_for(database_url, tmp_path / "var"))
    other.dependency_overrides[get_now] = api.clock
    with TestClient(other) as client:

        def rank_here(case: str) -> dict[str, Any]:
            ranking: dict[str, Any] = api.ok(api.post("desk", f"/api/v1/referrals/{case}/ranking"))
            return ranking

        def there(method: str, path: str, body: dict[str, Any]) -> Any:
            """A call through the other worker: the admin's for shelters, the desk's else."""
            user = "admin" if path.startswith("/api/v1/shelters") else "desk"
            response = client.request(method, path, headers=bearer(user), json=body)
            assert response.status_code in (200, 201), response.text
            return response.json()

        asking, held = create_referral(api), create_referral(api)
        there("PATCH", "/api/v1/shelters/S023/availability", {"free": 3})
        assert free_at(rank_here(asking), "S023") == 3
        hold_row = there("POST", "/api/v1/holds", {"referral_id": held, "shelter_id": "S023"})
        assert free_at(rank_here(asking), "S023") == 2
        there("POST", f"/api/v1/holds/{hold_row['id']}/confirm", {})
        assert free_at(rank_here(asking), "S023") == 2
        there("PATCH", "/api/v1/shelters/S023/availability", {"closed": True})
        assert free_at(rank_here(asking), "S023") is None
        there("PATCH", "/api/v1/shelters/S023/availability", {"closed": False, "free": 1})
        assert free_at(rank_here(asking), "S023") == 1
        third = there("POST", "/api/v1/referrals", referral())["id"]
        there("POST", "/api/v1/holds", {"referral_id": third, "shelter_id": "S023"})
        assert free_at(rank_here(asking), "S023") is None
        api.clock.advance(91)  # the hold expires: its place is free again, nobody wrote
        assert free_at(rank_here(asking), "S023") == 1


def test_a_hold_leaves_the_cached_network_at_the_very_moment_it_expires(api: Api) -> None:
    """The ledger counts a hold up to its ``expires_at`` and not at it; a cache that still
    counted it then would rank a free place as taken."""
    cache = NetworkCache()
    set_free(api, "S023", 1)
    held = api.ok(hold(api, create_referral(api), "S023"), 201)
    expiry = datetime.fromisoformat(held["expires_at"])
    free: list[int] = []
    for moment in (expiry - timedelta(microseconds=1), expiry):
        with api.database.session() as session:
            cached = cache.network(session, moment)
            assert comparable(cached) == comparable(ledger.live_network(session, moment))
        free.append(next(s.free for s in cached if s.id == "S023"))
    assert free == [0, 1]


def test_the_places_taken_are_read_again_in_the_sessions_next_transaction(api: Api) -> None:
    """Read once per transaction, not once per session: a request's session may commit on its
    way (:func:`api.deps.get_session`), and one that ranks again after must see what others
    changed in between."""
    cache = NetworkCache()
    case = create_referral(api)
    set_free(api, "S023", 1)
    with api.app.state.sessions() as session:
        before = cache.network(session, api.clock.now)
        session.commit()
        api.ok(hold(api, case, "S023"), 201)
        after = cache.network(session, api.clock.now)
        assert comparable(after) == comparable(ledger.live_network(session, api.clock.now))
    assert [next(s.free for s in network if s.id == "S023") for network in (before, after)] == [
        1,
        0,
    ]


def test_what_did_not_change_is_not_built_again(api: Api) -> None:
    """The reason for the cache: while nothing changed, every ranking gets the same compiled
    ranker; a hold builds again only the shelter it takes places at (closed shelters are built
    for each network, they are few), not the stored shelters the network is made of."""
    cache = NetworkCache()
    case = create_referral(api)
    with api.database.session() as session:
        ranker = cache.ranker(session, api.clock.now)
        network = cache.network(session, api.clock.now)
        closed = set(session.scalars(select(ShelterRow.id).where(ShelterRow.closed)))
    with api.database.session() as session:
        assert cache.ranker(session, api.clock.now) is ranker
    api.ok(hold(api, case, "S023"), 201)
    with api.database.session() as session:
        assert cache.ranker(session, api.clock.now) is not ranker
        after = cache.network(session, api.clock.now)
    kept = {new.id for old, new in zip(network, after, strict=True) if new is old}
    assert kept == {s.id for s in network} - closed - {"S023"}
