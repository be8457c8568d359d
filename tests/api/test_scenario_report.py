"""The HTML report: self-contained and offline, every section present, free text escaped."""

from __future__ import annotations

import re

import pytest

from api.report import render_report
from engine.simulation.runner import run_scenario
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario_result import ScenarioResult
from tests.scenario_helpers import busy


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    scenario = busy(horizon_days=25).model_copy(
        update={"name": "Shortage <script>alert(1)</script>", "description": 'R&D "test"'}
    )
    return run_scenario(
        scenario, sample_shelters(), sample_shelter_kinds(), replications=2, compare=False
    )


def test_the_report_references_nothing_outside_itself(result: ScenarioResult) -> None:
    html = render_report(result)
    assert not re.search(r"https?://", html)
    assert not re.search(r"<script|<link|<img|<iframe|\bsrc=", html, flags=re.IGNORECASE)


def test_the_report_has_every_plot(result: ScenarioResult) -> None:
    html = render_report(result)
    for heading in (
        "Shelters and regional shortage",
        "Occupancy per police unit",
        "Waiting time until placed or leaving the queue",
        "Never placed, by profile",
        "Never placed, by the single change",
        "Engine against today's phone-around",
    ):
        assert heading in html
    assert html.count("<svg") >= 14  # map, 10 units, waiting, two unmet charts, nights by unit
    assert "Noord-Holland" in html


def test_free_text_is_escaped(result: ScenarioResult) -> None:
    html = render_report(result)
    assert "<script>" not in html
    assert "Shortage &lt;script&gt;" in html
    assert "R&amp;D &quot;test&quot;" in html
