"""The planner's page runs a scenario on the live network: the report and the JSON result show
aggregates only, never a stored shelter, and the run's read of the network is audited."""

from __future__ import annotations

from pathlib import Path

from models.scenario_result import ScenarioResult
from tests.live_network import LIVE_YAML, OFFICE_ID, WITHHELD, bodies, leaks, reference
from tests.web.site import Site, text
from tests.web.test_planner import finished, start


def test_a_planner_runs_the_live_network_and_sees_no_shelter(site: Site, tmp_path: Path) -> None:
    for body in bodies():
        site.api("admin", "POST", "/api/v1/shelters", body)
    planner = site.visitor("planner")
    response = start(planner, LIVE_YAML.encode(), replications="3", compare="yes")
    assert response.status_code == 303, text(response)
    run = response.headers["location"].rsplit("/", 1)[1]
    assert finished(planner, run)["state"] == "done"

    raw = planner.get(f"/planner/runs/{run}/result.json").text
    result = ScenarioResult.model_validate_json(raw)
    stored = site.api("admin", "GET", "/api/v1/shelters?limit=500")
    expected = reference(tmp_path / "reference", stored)
    assert result.model_dump(exclude=WITHHELD) == expected.model_dump(exclude=WITHHELD)

    report = planner.get(f"/planner/runs/{run}/report")
    page = planner.get(f"/planner/runs/{run}")
    for output in (raw, report.text, page.text):
        assert leaks(output) == []
    shown = text(report)
    assert "Gemiddeld bezette plaatsen" not in shown
    assert "Niet getoond bij het live netwerk" in shown
    assert "live netwerk" in shown, shown

    assert ("read", "network", None, "ok") in site.audit()


def test_the_page_refuses_a_live_scenario_closing_one_shelter(site: Site) -> None:
    site.api("admin", "POST", "/api/v1/shelters", bodies()[0])
    planner = site.visitor("planner")
    closing = LIVE_YAML + f"  - {{type: closure, shelter: {OFFICE_ID}}}\n"
    response = start(planner, closing.encode())
    assert response.status_code == 422
    assert "events[2].shelter" in text(response)
    assert ("read", "network", None, "ok") not in site.audit()
