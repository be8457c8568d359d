"""A planner runs a scenario on the live network: the shelters the service stores, read when the
run starts, with aggregates only in the result."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api import ledger, live
from models.scenario_result import ScenarioResult
from tests.api.helpers import Api, audit_rows, create_referral, hold, running_api
from tests.api.test_scenario_cli import app
from tests.live_network import (
    CLOSED_ID,
    LIVE_YAML,
    OFFICE_ID,
    WITHHELD,
    bodies,
    leaks,
    reference,
)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "live.yaml").write_text(LIVE_YAML)
    with running_api(database_url, tmp_path / "var", scenarios_dir=folder) as running:
        for body in bodies():
            running.ok(running.post("admin", "/api/v1/shelters", body), 201)
        yield running


def finished(api: Api, run_id: str) -> dict[str, Any]:
    path = f"/api/v1/scenario-runs/{run_id}"
    deadline = time.monotonic() + 120
    status: dict[str, Any] = api.ok(api.get("planner", path))
    while status["state"] not in {"done", "failed"} and time.monotonic() < deadline:
        time.sleep(0.2)
        status = api.ok(api.get("planner", path))
    assert status["state"] == "done", status
    return status


def test_a_live_run_equals_a_run_on_a_file_of_the_same_shelters(api: Api, tmp_path: Path) -> None:
    started = api.ok(api.post("planner", "/api/v1/scenario-runs", {"scenario": "live"}), 202)
    finished(api, started["id"])
    response = api.get("planner", f"/api/v1/scenario-runs/{started['id']}/result")
    result = ScenarioResult.model_validate(api.ok(response))

    stored = api.ok(api.get("admin", "/api/v1/shelters", limit=500))
    assert {OFFICE_ID, CLOSED_ID} <= {item["id"] for item in stored}
    expected = reference(tmp_path / "reference", stored)
    assert result.model_dump(exclude=WITHHELD) == expected.model_dump(exclude=WITHHELD)
    # The shelter keeping its office hours on Christmas Day matters to these numbers.
    ignored = reference(tmp_path / "ignored", stored, holidays=False)
    assert result.model_dump(exclude=WITHHELD) != ignored.model_dump(exclude=WITHHELD)
    # When the network was read: the run's start, by the service's clock.
    assert result.live_network_at == api.clock.now

    # Nothing names or places a shelter, nor counts one's places.
    assert leaks(response.text) == []
    assert (result.shelters, result.capacity, result.occupancy) == ([], {}, {})
    # The keys stay, empty, as the README shows them: a client reads one shape for every run.
    for empty in ('"shelters":[]', '"capacity":{}', '"occupancy":{}'):
        assert empty in response.text

    # Who read the network, and when, is on the trail.
    assert audit_rows(api, actor="planner") == [("read", "network", None, "ok")]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "closure", "shelter": "{id}"}, "events[2].shelter"),
        ({"type": "capacity", "where": {"shelter": "{id}"}, "places": 2},
         "events[2].where.shelter"),
        ({"type": "intake", "where": {"shelter": "{id}"}, "intake": "24/7"},
         "events[2].where.shelter"),
    ],
    ids=["closure", "capacity", "intake"],
)  # fmt: skip
def test_events_selecting_one_shelter_are_refused_alike_for_any_id(
    api: Api, tmp_path: Path, event: dict[str, Any], field: str
) -> None:
    answers = []
    for shelter_id in (OFFICE_ID, CLOSED_ID, "NOSUCHSHELTER"):
        line = str(event).replace("'", '"').replace("{id}", shelter_id)
        text = LIVE_YAML + f"  - {line}\n"
        (tmp_path / "scenarios" / "live.yaml").write_text(text)
        response = api.post("planner", "/api/v1/scenario-runs", {"scenario": "live"})
        assert response.status_code == 422, response.text
        answers.append(response.json()["errors"])
    assert answers[0] == answers[1] == answers[2]
    assert [error["path"] for error in answers[0]] == [field]
    assert "single shelter" in answers[0][0]["message"]
    # Refused before the network was read: nothing read, nothing on the trail.
    assert audit_rows(api, actor="planner") == []


def test_the_command_line_refuses_the_live_network_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "live.yaml"
    path.write_text(LIVE_YAML)
    result = CliRunner().invoke(app(), ["scenario", "run", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith(
        f"{path}: network.live: the live network is read by the service"
    )


def test_the_live_network_is_read_as_staff_and_the_service_count_it_with_nobody_in_it(
    api: Api,
) -> None:
    """Each shelter's places as the admin sees them: reported in use plus held and placed by
    the service, none at all at a closed one; its kind and holiday hours as stored; and no
    resident's or referral's id anywhere, held or placed, at an open or a closed shelter."""
    for _ in range(2):
        api.ok(hold(api, create_referral(api), OFFICE_ID), 201)
    api.ok(api.patch("admin", "/api/v1/shelters/S001/availability", {"free": 1}))
    held = api.ok(hold(api, create_referral(api, programmes=["cosm"]), "S001"), 201)
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    api.ok(api.patch("admin", "/api/v1/shelters/S001/availability", {"closed": True}))
    api.ok(api.patch("admin", "/api/v1/shelters/S002", {"kind": None}))  # a kind nobody said
    stored = {item["id"]: item for item in api.ok(api.get("admin", "/api/v1/shelters", limit=500))}
    assert (stored[OFFICE_ID]["held"], stored["S001"]["placed"]) == (2, 1)
    assert stored["S002"]["kind"] is None

    with Session(api.database.engine) as session:
        network = live.snapshot(session, api.clock.now)
        residents = {s.id: s.residents for s in ledger.live_network(session, api.clock.now)}
    assert len(residents[OFFICE_ID]) == 2
    assert len(residents["S001"]) > 1  # the sample network's residents and the one placed
    assert network.read_at == api.clock.now
    assert [shelter.id for shelter in network.shelters] == sorted(stored)
    for shelter in network.shelters:
        item = stored[shelter.id]
        in_use = min(item["capacity"], item["occupied"] + item["held"] + item["placed"])
        places = (0, 0) if item["closed"] else (item["capacity"], in_use)
        assert (shelter.capacity, shelter.occupied, shelter.residents) == (*places, []), item
    assert network.kinds == {i: item["kind"] for i, item in stored.items() if item["kind"]}
    assert network.holiday_intake == {i for i, item in stored.items() if item["holiday_intake"]}
    assert {CLOSED_ID, "S001"} <= {i for i, item in stored.items() if item["closed"]}


def test_a_live_run_refused_once_the_network_was_read_is_on_record_as_invalid(
    api: Api, tmp_path: Path
) -> None:
    """A kind the network lacks is known only once the network was read: the refusal is on the
    trail as an invalid read of the network, and no read that went well."""
    text = LIVE_YAML + "  - {type: capacity, where: {kind: nosuchkind}, percent: 50, from_day: 3}\n"
    (tmp_path / "scenarios" / "live.yaml").write_text(text)
    response = api.post("planner", "/api/v1/scenario-runs", {"scenario": "live"})
    assert response.status_code == 422, response.text
    assert [error["path"] for error in response.json()["errors"]] == ["events[2].where.kind"]
    assert audit_rows(api, actor="planner") == [("read", "network", None, "invalid")]
