"""Confidence intervals, paired differences, and the capacity advice: its allocation of places,
and places that the people they are for can use."""

from __future__ import annotations

import pytest

from engine import reference
from engine.simulation.advice import advice_events, pro_rata_events, with_events
from engine.simulation.network import added_shelter, build_network
from engine.simulation.run import prepare, simulate
from engine.simulation.stats import estimate, paired_difference, t95
from models.codes import CONDITIONS
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario import AddPlacesEvent
from models.scenario_result import Estimate
from models.victim import Victim
from tests.scenario_helpers import PLAIN_MIX, busy, one_shelter, tiny


def test_t_quantiles() -> None:
    assert t95(1) == 12.706
    assert t95(19) == 2.093
    assert t95(200) == pytest.approx(1.972, abs=0.002)


def test_an_estimate_is_the_mean_with_a_t_interval() -> None:
    e = estimate([1.0, 2.0, 3.0])
    assert e.mean == 2.0
    assert e.high - e.mean == pytest.approx(4.303 * 1.0 / 3**0.5)
    assert estimate([5.0]) == Estimate(mean=5.0, low=5.0, high=5.0, n=1)


def test_a_paired_difference_is_the_second_minus_the_first_with_a_t_interval() -> None:
    # Differences 1, 1, 1, 1.5: mean 1.125, standard deviation 0.25, t(3) = 3.182.
    up = paired_difference([1, 2, 3, 4], [2, 3, 4, 5.5])
    assert up.mean == pytest.approx(1.125)
    assert (up.low, up.high) == pytest.approx((1.125 - 3.182 * 0.125, 1.125 + 3.182 * 0.125))
    down = paired_difference([2, 3, 4, 5.5], [1, 2, 3, 4])
    assert (down.mean, down.low, down.high) == pytest.approx((-up.mean, -up.high, -up.low))
    assert down.significant


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


def test_advice_for_minors_opens_youth_places_they_can_use() -> None:
    """Three girls of 12-17 and only adult places: they spend their nights unsuitably, the advice
    asks for youth places where they were found, and those places take them in (adult places
    for the same profile would not)."""
    minors = {**PLAIN_MIX, "minor_share": 1.0}
    surge = {"type": "surge", "day": 0, "hour": 10, "municipality": "Utrecht", "victims": 3}
    scenario = tiny(events=[{**surge, "mix": minors}])
    before = simulate(prepare(scenario, one_shelter(capacity=3), {}), 7, check=True)
    assert before.values["placed"] == 0.0
    cells = {key: _nights(nights) for key, nights in before.nights_by_cell.items()}
    assert list(cells) == ["Midden-Nederland | female / none / youth"]

    advice = advice_events(cells, 3, measured_days=scenario.measured_days)
    assert [(e.police_unit, e.gender, e.youth) for e in advice] == [
        ("Midden-Nederland", "female", True)
    ]
    after = simulate(prepare(with_events(scenario, advice), one_shelter(), {}), 7, check=True)
    assert after.values["placed"] > 0
    assert after.values["unsuitable_nights"] < before.values["unsuitable_nights"]
    adult = [event.model_copy(update={"youth": False}) for event in advice]
    unused = simulate(prepare(with_events(scenario, adult), one_shelter(), {}), 7, check=True)
    assert unused.values["placed"] == 0.0


def test_a_youth_location_takes_minors_and_no_adults() -> None:
    event = AddPlacesEvent(
        type="add_places", police_unit="Rotterdam", gender="male", places=2, youth=True
    )
    youth, adult = (
        added_shelter(1, event),
        added_shelter(2, event.model_copy(update={"youth": False})),
    )
    boy = Victim(id="V1", gender="male", age=15, programmes=["youth"])
    man = Victim(id="V2", gender="male", age=30)
    assert reference.reasons(boy, youth, None) == []
    assert reference.reasons(man, youth, None) != []
    assert "age" in reference.reasons(boy, adult, None)
