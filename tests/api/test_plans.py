"""Plans over HTTP: the contract's plan for the waiting referrals against the live places, with
holds respected and nothing reserved; and the latency histograms that time them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api import matching
from engine.solve import Method, solve
from models.codes import CONDITIONS
from models.instance import Instance
from models.plan import Plan
from tests.api.helpers import Api, audit_rows, create_referral, hold, running_api


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def everyone(plan: dict[str, Any]) -> list[str]:
    """Case ids of a plan, placed or not."""
    return [a["victim"] for a in plan["assignments"]] + [u["victim"] for u in plan["unassigned"]]


def test_a_plan_covers_every_waiting_referral_once(api: Api) -> None:
    cases = [create_referral(api, priority=1 + n % 3) for n in range(6)]
    closed = create_referral(api)
    api.ok(api.post("desk", f"/api/v1/referrals/{closed}/close", {"reason": "withdrawn"}))

    plan = api.ok(api.post("desk", "/api/v1/plans"))
    assert plan["format"] == "safeplace.plan/1"
    assert plan["status"] in ("optimal", "feasible")
    assert sorted(everyone(plan)) == sorted(cases)
    placed = {a["victim"] for a in plan["assignments"]}
    priorities = {case: 1 + n % 3 for n, case in enumerate(cases)}
    assert plan["objective"]["priority_placed"] == sum(priorities[c] for c in placed)


def test_a_plan_for_chosen_referrals(api: Api) -> None:
    first, second, _third = (create_referral(api) for _ in range(3))
    plan = api.ok(api.post("desk", "/api/v1/plans", {"referral_ids": [second, first]}))
    assert sorted(everyone(plan)) == sorted([first, second])


def test_a_plan_names_every_referral_it_read_in_the_audit_trail(api: Api) -> None:
    cases = [create_referral(api) for _ in range(3)]
    api.ok(api.post("desk", "/api/v1/plans", {"referral_ids": [cases[2], cases[0]]}))
    api.ok(api.post("desk", "/api/v1/plans"))
    rows = audit_rows(api, action="search", object_type="referral")
    assert sorted(rows[:2]) == sorted(("search", "referral", c, "ok") for c in cases[::2])
    assert sorted(rows[2:]) == sorted(("search", "referral", c, "ok") for c in cases)


def add_the_one_shelter_for_every_condition(api: Api, **extra: Any) -> dict[str, Any]:
    """Add T001, one place in Utrecht, the only shelter to accept every condition (with
    ``extra``), and return the referral fields that fit nowhere else."""
    shelter = {
        "id": "T001",
        "location": {"municipality": "Utrecht"},
        "capacity": 1,
        "accepts": list(CONDITIONS),
        **extra,
    }
    api.ok(api.post("admin", "/api/v1/shelters", shelter), 201)
    return {"conditions": list(CONDITIONS)}


def test_only_waiting_referrals_can_be_chosen(api: Api) -> None:
    case = create_referral(api)
    response = api.post("desk", "/api/v1/plans", {"referral_ids": [case, "Cnobody"]})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["referral_ids[1]"]
    response = api.post("desk", "/api/v1/plans", {"referral_ids": [case, case]})
    assert [e["path"] for e in response.json()["errors"]] == ["referral_ids[1]"]
    for limit in (0, 301):
        response = api.post("desk", "/api/v1/plans", {"time_limit": limit})
        assert [e["path"] for e in response.json()["errors"]] == ["time_limit"]


def test_held_places_are_respected_and_nothing_is_reserved(api: Api) -> None:
    only_here = add_the_one_shelter_for_every_condition(api)
    first, second = create_referral(api, **only_here), create_referral(api, **only_here)

    before = api.ok(api.post("desk", "/api/v1/plans"))
    assert [a["shelter"] for a in before["assignments"]] == ["T001"]
    assert api.ok(api.get("admin", "/api/v1/shelters/T001"))["free"] == 1
    assert api.ok(api.get("desk", "/api/v1/holds")) == []

    api.ok(hold(api, first, "T001"), 201)
    plan = api.ok(api.post("desk", "/api/v1/plans"))
    assert plan["assignments"] == []
    assert [u["victim"] for u in plan["unassigned"]] == [second]
    assert plan["unassigned"][0]["blocked_by"]["capacity"] >= 1


def test_latency_is_measured_by_route_template(api: Api) -> None:
    case = create_referral(api)
    api.ok(api.post("desk", f"/api/v1/referrals/{case}/ranking"))
    api.ok(api.post("desk", "/api/v1/plans"))
    metrics = api.client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'safeplace_solver_duration_seconds_count{kind="ranking"}' in text
    assert 'safeplace_solver_duration_seconds_count{kind="plan"}' in text
    assert 'route="/api/v1/referrals/{referral_id}/ranking"' in text
    assert case not in text


def test_a_plan_searches_at_most_as_long_as_asked_and_the_service_allows(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request's ``time_limit`` bounds the search, as does the service's own limit, the
    smaller of the two winning; without one, the service's."""
    given: list[float] = []

    def timed(instance: Instance, *, time_limit: float, method: Method) -> Plan:
        given.append(time_limit)
        return solve(instance, time_limit=time_limit, method=method)

    monkeypatch.setattr(matching, "solve", timed)
    with running_api(database_url, tmp_path / "var", solve_time_limit=2.0) as api:
        create_referral(api)
        for body in ({"time_limit": 0.5}, {"time_limit": 30}, None):
            api.ok(api.post("desk", "/api/v1/plans", body))
    assert given == [0.5, 2.0, 2.0]


def test_a_plan_is_for_an_intake_now(api: Api) -> None:
    """A shelter taking intakes in office hours only is planned in them, and not after."""
    only_here = add_the_one_shelter_for_every_condition(
        api, intake=[{"days": "mon-fri", "start": "09:00", "end": "17:00"}]
    )
    case = create_referral(api, **only_here)
    assert api.clock.now.hour == 10
    morning = api.ok(api.post("desk", "/api/v1/plans"))
    assert [(a["victim"], a["shelter"]) for a in morning["assignments"]] == [(case, "T001")]
    api.clock.advance(8 * 60)  # 18:00
    evening = api.ok(api.post("desk", "/api/v1/plans"))
    assert evening["assignments"] == []
    assert [u["victim"] for u in evening["unassigned"]] == [case]
