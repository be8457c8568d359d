"""``/scenario-runs``: a planner starts a scenario in the background and reads aggregates only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest

from api import accounts
from api.db.session import Database
from api.scenario_runner import ORPHAN_SECONDS
from models.scenario_result import KPI_DESCRIPTIONS
from tests.api import server
from tests.api.helpers import Api, running_api
from tests.api.rows import add_scenario_run
from tests.api.test_scenario_cli import DUTCH_TINY, write_tiny


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    tiny = write_tiny(folder)
    tiny.write_text(tiny.read_text().replace("name: Tiny\n", "name: Tiny\n" + DUTCH_TINY))
    with running_api(database_url, tmp_path / "var", scenarios_dir=folder) as running:
        yield running


def test_a_planner_runs_a_scenario_and_reads_its_kpis(api: Api) -> None:
    started = api.ok(api.post("planner", "/api/v1/scenario-runs", {"scenario": "tiny"}), 202)
    assert started["state"] in {"queued", "running", "done"}
    path = f"/api/v1/scenario-runs/{started['id']}"
    deadline = time.monotonic() + 120
    status = started
    while status["state"] not in {"done", "failed"} and time.monotonic() < deadline:
        time.sleep(0.2)
        status = api.ok(api.get("planner", path))
    assert status["state"] == "done", status
    result = api.ok(api.get("planner", f"{path}/result"))
    assert set(result["kpis"]) == set(KPI_DESCRIPTIONS)
    assert result["kpis"]["arrivals"]["n"] == result["replications"] == 2  # as tiny.yaml says
    # Planners never see where a shelter is.
    assert result["shelters"] == []
    # The API names the scenario as its file does, with the names in other languages as data.
    assert status["scenario"] == result["scenario"] == "Tiny"
    assert result["translations"] == {"nl": {"name": "Klein", "description": None}}


def test_an_unknown_scenario_names_the_shipped_ones(api: Api) -> None:
    response = api.post("planner", "/api/v1/scenario-runs", {"scenario": "nope"})
    assert response.status_code == 404
    assert "tiny" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"start: 2026-02-30\n", {"path": "start", "message": "Input should be a valid date or "
                                   "datetime, day value is outside expected range"}),
        (b"\xff\xfe", {"path": "", "message": "the file is not UTF-8 text"}),
    ],
    ids=["date", "not-utf-8"],
)  # fmt: skip
def test_a_broken_shipped_scenario_names_its_fields_and_not_the_server(
    api: Api, tmp_path: Path, content: bytes, expected: dict[str, str]
) -> None:
    path = tmp_path / "scenarios" / "tiny.yaml"
    path.write_bytes(path.read_bytes() + content if content.startswith(b"start") else content)
    response = api.post("planner", "/api/v1/scenario-runs", {"scenario": "tiny"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "scenario 'tiny' is invalid"
    assert response.json()["errors"] == [expected]
    assert str(tmp_path) not in response.text


def test_replications_asked_for_are_held_to_what_a_run_may_simulate(
    api: Api, tmp_path: Path
) -> None:
    path = tmp_path / "scenarios" / "tiny.yaml"
    # About 15,400 arrivals a replication.
    path.write_text(path.read_text().replace("Midden-Nederland: 9", "Midden-Nederland: 9000"))
    body = {"scenario": "tiny", "replications": 100}
    response = api.post("planner", "/api/v1/scenario-runs", body)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["path"] == "replications"
    assert error["message"].endswith("a run may simulate; at most 32")


def _stored_run(database: Database, run_id: str, state: str, silent_seconds: float) -> None:
    """A run as a worker stores it, last touched ``silent_seconds`` ago."""
    touched = datetime.now(UTC) - timedelta(seconds=silent_seconds)
    error = "stopped" if state == "failed" else None
    with database.session() as session:
        add_scenario_run(session, run_id, state, touched, error)


def test_a_result_before_the_end_or_of_no_run_is_refused(api: Api) -> None:
    assert api.get("planner", "/api/v1/scenario-runs/unknown").status_code == 404
    assert api.get("planner", "/api/v1/scenario-runs/unknown/result").status_code == 404
    _stored_run(api.database, "Rrunning", "running", silent_seconds=1)
    _stored_run(api.database, "Rfailed", "failed", silent_seconds=1)
    # A worker that stopped touching its run long ago has died: the run counts as failed.
    _stored_run(api.database, "Rorphan", "running", silent_seconds=10 * ORPHAN_SECONDS)
    for run_id, state in (("Rrunning", "running"), ("Rfailed", "failed"), ("Rorphan", "failed")):
        path = f"/api/v1/scenario-runs/{run_id}"
        assert api.ok(api.get("planner", path))["state"] == state
        refused = api.get("planner", f"{path}/result")
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == state
        assert refused.json()["detail"] == f"scenario run '{run_id}' is {state}, not done"


def test_only_planners_run_scenarios(api: Api) -> None:
    for user in ("desk", "auditor", "admin"):
        response = api.post(user, "/api/v1/scenario-runs", {"scenario": "tiny"})
        assert response.status_code == 403, user


def test_every_worker_answers_for_every_run(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against a server with two worker processes, each call on a new connection, so that both
    workers answer: a run started by one is followed to its result through either."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    tiny = write_tiny(folder)
    tiny.write_text(tiny.read_text().replace("name: Tiny\n", "name: Tiny\n" + DUTCH_TINY))
    monkeypatch.setenv("SAFEPLACE_SCENARIOS_DIR", str(folder))
    with server.running(database_url, tmp_path / "var", workers=2) as running:
        database = Database.for_url(database_url)
        try:
            with database.session() as session:
                accounts.add_user(
                    session,
                    name="planner",
                    role="planner",
                    shelter_id=None,
                    password=server.PASSWORD,
                    now=datetime.now(UTC),
                )
        finally:
            database.dispose()
        headers = {"Authorization": f"Bearer {server.token(running, 'planner')}"}
        url = f"{running.url}/api/v1/scenario-runs"
        started = httpx2.post(url, json={"scenario": "tiny"}, headers=headers, timeout=30)
        assert started.status_code == 202, started.text
        run_url = f"{url}/{started.json()['id']}"
        states = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            polled = httpx2.get(run_url, headers=headers, timeout=30)
            assert polled.status_code == 200, polled.text
            states.append(polled.json()["state"])
            if states[-1] in {"done", "failed"}:
                break
            time.sleep(0.1)
        assert states[-1] == "done", states
        for _ in range(4):
            result = httpx2.get(f"{run_url}/result", headers=headers, timeout=30)
            assert result.status_code == 200, result.text
            assert result.json()["shelters"] == []
