"""Confidence intervals, paired differences, and the capacity advice's allocation of places."""

from __future__ import annotations

import pytest

from engine.simulation.advice import advice_events, pro_rata_events
from engine.simulation.network import build_network
from engine.simulation.stats import estimate, paired_difference, t95
from models.codes import CONDITIONS
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario_result import Estimate
from tests.scenario_helpers import busy


def test_t_quantiles() -> None:
    assert t95(1) == 12.706
    assert t95(19) == 2.093
    assert t95(200) == pytest.approx(1.972, abs=0.002)


def test_an_estimate_is_the_mean_with_a_t_interval() -> None:
    e = estimate([1.0, 2.0, 3.0])
    assert e.mean == 2.0
    assert e.high - e.mean == pytest.approx(4.303 * 1.0 / 3**0.5)
    assert estimate([5.0]) == Estimate(mean=5.0, low=5.0, high=5.0, n=1)


def test_a_paired_difference_is_significant_only_when_zero_is_outside() -> None:
    assert paired_difference([1, 2, 3, 4], [2, 3, 4, 5.5]).significant
    assert not paired_difference([1, 2, 3, 4], [2, 1, 4, 3]).significant
    assert not paired_difference([1.0], [9.0]).significant
    with pytest.raises(ValueError, match="same replications"):
        paired_difference([1.0], [1.0, 2.0])


def _nights(mean: float) -> Estimate:
    return Estimate(mean=mean, low=mean, high=mean, n=1)


def test_advice_gives_each_place_to_the_cell_with_most_nights_left() -> None:
    cells = {
        "Rotterdam | male / none": _nights(800.0),
        "Amsterdam | female / addiction": _nights(500.0),
        "Limburg | x / lvb": _nights(0.0),
    }
    events = advice_events(cells, 4, measured_days=365)
    placed = {(e.police_unit, e.gender): e.places for e in events}
    # 800 -> 435 -> 70 and 500 -> 135: places go 800, 500, 435, 135.
    assert placed == {("Rotterdam", "male"): 2, ("Amsterdam", "female"): 2}
    amsterdam = next(e for e in events if e.police_unit == "Amsterdam")
    assert amsterdam.conditions == list(CONDITIONS[CONDITIONS.index("addiction") :])
    rotterdam = next(e for e in events if e.police_unit == "Rotterdam")
    assert rotterdam.conditions == []


def test_advice_stops_when_no_nights_are_left_to_spare() -> None:
    events = advice_events({"Limburg | male / none": _nights(10.0)}, 5, measured_days=365)
    assert sum(e.places for e in events) == 1


def test_pro_rata_spreads_exactly_k_places_by_size() -> None:
    network = build_network(busy(), sample_shelters(), sample_shelter_kinds())
    events = pro_rata_events(network, 25)
    assert sum(e.places for e in events) == 25
    largest = max(range(len(network)), key=lambda s: int(network.base_capacity[s]))
    assert any(e.where.shelter == network.shelters[largest].id for e in events)
