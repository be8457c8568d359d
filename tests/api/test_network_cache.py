"""The cached live network is always the one the ledger would build now.

After every kind of change a ranking can see (a hold, its expiry, a release, a confirm, a
discharge, staff reporting places, an admin changing or closing a shelter, a new shelter), the
cache must answer exactly what :func:`api.ledger.live_network` answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from api import ledger
from api.network_cache import NetworkCache
from models.shelter import Shelter
from tests.api.helpers import Api, create_referral, hold, running_api


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

    def same_as_ledger(minutes_ahead: float = 0) -> None:
        moment = api.clock.now + timedelta(minutes=minutes_ahead)
        with api.database.session() as session:
            cached = cache.network(session, moment)
            fresh = ledger.live_network(session, moment)
        assert comparable(cached) == comparable(fresh)

    same_as_ledger()
    same_as_ledger()
    first, second, third = (create_referral(api) for _ in range(3))
    api.ok(api.patch("admin", "/api/v1/shelters/S023/availability", {"free": 2}))
    same_as_ledger()
    held = api.ok(hold(api, first, "S023"), 201)
    same_as_ledger()
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
