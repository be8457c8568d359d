"""The result's estimates as far as a figure can reach, and its scenario's names."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from models.scenario import ScenarioTranslation
from models.scenario_result import Estimate, ScenarioResult


@given(
    st.floats(-1e6, 1e6),
    st.floats(0, 1e6),
    st.floats(0, 1e6),
    st.booleans(),
)
def test_an_interval_stops_where_a_count_or_share_stops(
    mean: float, below: float, above: float, share: bool
) -> None:
    estimate = Estimate(mean=mean, low=mean - below, high=mean + above, n=2)
    low, high = estimate.within(share=share)
    assert low == max(estimate.low, 0.0)
    assert high == (min(estimate.high, 1.0) if share else estimate.high)
    assert low >= 0.0
    if share:
        assert high <= 1.0


def test_a_count_from_two_replications_does_not_go_below_nobody() -> None:
    assert Estimate(mean=5.8, low=-29.2, high=40.7, n=2).within(share=False) == (0.0, 40.7)
    assert Estimate(mean=0.9, low=0.7, high=1.3, n=2).within(share=True) == (0.7, 1.0)


# A result as stored before translations were kept: no ``translations`` key at all.
STORED_BEFORE = {
    "format": "safeplace.scenario-result/1", "scenario": "Raid in Rotterdam",
    "description": "Thirty victims.", "policy": "rank", "replications": 1, "seed": 1,
    "horizon_days": 10, "warmup_days": 0, "give_up_days": 28,
    "kpis": {"placed_share": {"mean": 0.5, "low": 0.5, "high": 0.5, "n": 1}},
    "per_replication": [{"seed": 1, "values": {"placed_share": 0.5}}],
    "occupancy": {}, "capacity": {}, "waiting_hours": {"edges": [0.0, 1.0], "counts": [1.0]},
    "unmet_by_profile": {}, "unmet_by_reason": {}, "unsuitable_nights_by_unit": {},
    "unsuitable_nights_by_cell": {}, "shelters": [],
}  # fmt: skip


def test_a_result_stored_before_translations_loads_with_its_own_name() -> None:
    result = ScenarioResult.model_validate_json(json.dumps(STORED_BEFORE))
    assert result.translations == {}
    assert result.titles("nl") == ("Raid in Rotterdam", "Thirty victims.")


def test_a_result_keeps_its_translations_through_json() -> None:
    dutch = ScenarioTranslation(name="Inval in Rotterdam", description="Dertig slachtoffers.")
    result = ScenarioResult.model_validate({**STORED_BEFORE, "translations": {"nl": dutch}})
    again = ScenarioResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert again.scenario == "Raid in Rotterdam"
    assert again.titles("nl") == ("Inval in Rotterdam", "Dertig slachtoffers.")
    assert again.titles("en") == ("Raid in Rotterdam", "Thirty victims.")


def test_a_result_stored_before_holidays_were_counted_loads_without_them() -> None:
    assert ScenarioResult.model_validate_json(json.dumps(STORED_BEFORE)).public_holidays is None


def test_the_public_holidays_keep_their_dates_through_json() -> None:
    count = {"mean": 2.0, "low": 1.0, "high": 3.0, "n": 2}
    holidays = {"intake": "closed", "days": ["2026-12-25", "2026-12-26"], "arrivals": count,
                "within_24h": {**count, "mean": 0.0}}  # fmt: skip
    result = ScenarioResult.model_validate({**STORED_BEFORE, "public_holidays": holidays})
    again = ScenarioResult.model_validate_json(result.model_dump_json())
    assert again == result
    assert again.public_holidays is not None
    assert again.public_holidays.days == [date(2026, 12, 25), date(2026, 12, 26)]
