"""Confidence intervals, paired differences, and the capacity advice: its allocation of places,
and places that the people they are for can use."""

from __future__ import annotations

import dataclasses
import math
import statistics
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import reference
from engine.simulation.advice import advice_events, pro_rata_events, with_events
from engine.simulation.aggregate import aggregate, compare_with_greedy
from engine.simulation.kpis import WAIT_EDGES, ReplicationOutcome
from engine.simulation.network import added_shelter, build_network
from engine.simulation.run import prepare, simulate
from engine.simulation.stats import estimate, paired_difference, t95
from models import gazetteer
from models.codes import CONDITIONS, GENDERS
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario import AddPlacesEvent
from models.scenario_result import Estimate
from models.victim import Victim
from tests.scenario_helpers import PLAIN_MIX, busy, one_shelter, tiny


def test_t_quantiles() -> None:
    assert t95(1) == 12.706
    assert t95(19) == 2.093
    assert t95(200) == pytest.approx(1.972, abs=0.002)


def _t_quantile_975(degrees: int) -> float:
    """Slowly: the x where Student's t density, integrated from 0 (Simpson's rule), reaches
    0.475, found by bisection."""
    log_scale = (
        math.lgamma((degrees + 1) / 2)
        - math.lgamma(degrees / 2)
        - 0.5 * math.log(degrees * math.pi)
    )

    def cdf_above_half(x: float) -> float:
        grid = np.linspace(0.0, x, 4001)
        density = np.exp(log_scale - (degrees + 1) / 2 * np.log1p(grid**2 / degrees))
        step = x / 4000
        weights = np.ones(4001)
        weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
        return float(step / 3 * np.dot(weights, density))

    low, high = 0.0, 20.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf_above_half(middle) < 0.475 else (low, middle)
    return (low + high) / 2


@pytest.mark.parametrize("degrees", [*range(1, 36), 40, 50, 60, 100, 200, 1000])
def test_t_quantiles_are_student_s_to_their_three_decimals(degrees: int) -> None:
    """To three decimals: the table up to 30 degrees of freedom; the expansion beyond is closer
    still, within 0.00001 (a term short of it is not, just past the table)."""
    tolerance = 0.0005 if degrees <= 30 else 0.00001
    assert t95(degrees) == pytest.approx(_t_quantile_975(degrees), abs=tolerance)


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


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40))
def test_an_estimate_is_the_sample_mean_with_student_s_interval(values: list[float]) -> None:
    """Against the statistics module: the mean, and t(n - 1) times the sample standard deviation
    over the square root of n either side (none for one replication)."""
    e = estimate(values)
    assert e.n == len(values)
    assert e.mean == pytest.approx(statistics.fmean(values), abs=1e-9)
    half = (
        t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
        if len(values) > 1
        else 0.0
    )
    assert (e.low, e.high) == pytest.approx((e.mean - half, e.mean + half), abs=1e-7)


def test_a_paired_difference_is_significant_only_when_zero_is_outside() -> None:
    assert paired_difference([1, 2, 3, 4], [2, 3, 4, 5.5]).significant
    assert not paired_difference([1, 2, 3, 4], [2, 1, 4, 3]).significant
    assert not paired_difference([1.0], [9.0]).significant
    with pytest.raises(ValueError, match="same replications"):
        paired_difference([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="same replications"):
        paired_difference([], [])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(0, 500), min_size=2, max_size=20),
    st.integers(-3, 3),
)
def test_the_same_difference_in_every_replication_is_significant_unless_it_is_none(
    first: list[int], change: int
) -> None:
    """Without noise the interval is the difference itself: a change that moves no replication
    (the same KPI on both sides) is no difference at all, one that moves each alike is one."""
    difference = paired_difference(first, [value + change for value in first])
    assert (difference.mean, difference.low, difference.high) == (change, change, change)
    assert difference.significant == (change != 0)


def test_an_estimate_of_no_replications_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one replication"):
        estimate([])


def _outcome(seed: int, **values: float) -> ReplicationOutcome:
    empty = np.zeros((0, 0))
    return ReplicationOutcome(
        seed=seed,
        values=values,
        occupancy=empty,
        capacity=empty,
        wait_counts=np.zeros(0),
        unmet_by_profile={},
        unmet_by_reason={},
        nights_by_unit={},
        nights_by_cell={},
        holiday_arrivals=0.0,
        holiday_within_24h=0.0,
    )


def test_the_comparison_with_greedy_counts_in_the_policy_s_favour() -> None:
    """The policy placed 10 and 12 people where greedy placed 8 and 9, and spent 100 and 90
    unsuitable nights (60 and 50 in hotels) where greedy spent 130 and 150 (70 and 80): 2.5 more
    placed, 45 fewer nights, 20 fewer hotel nights per replication."""
    policy = [
        _outcome(1, placed=10, unsuitable_nights=100, hotel_nights=60),
        _outcome(2, placed=12, unsuitable_nights=90, hotel_nights=50),
    ]
    greedy = [
        _outcome(1, placed=8, unsuitable_nights=130, hotel_nights=70),
        _outcome(2, placed=9, unsuitable_nights=150, hotel_nights=80),
    ]
    comparison = compare_with_greedy("rank", policy, greedy)
    assert comparison.more_placed.mean == 2.5
    assert comparison.fewer_unsuitable_nights.mean == 45.0
    assert comparison.fewer_hotel_nights.mean == 20.0
    assert comparison.baseline_kpis["placed"].mean == 8.5


def test_a_kpi_a_replication_did_not_report_counts_as_zero_there() -> None:
    """An unmet profile seen in one replication of four is a mean of a quarter, not of one."""
    policy = [_outcome(1, placed=1, unsuitable_nights=0, hotel_nights=0, rare=4.0)]
    policy += [_outcome(s, placed=1, unsuitable_nights=0, hotel_nights=0) for s in (2, 3, 4)]
    kpis = compare_with_greedy("rank", policy, policy).baseline_kpis
    assert kpis["rare"] == estimate([4.0, 0.0, 0.0, 0.0])


def test_a_result_keeps_occupancy_and_places_apart_and_its_shelters_where_they_are() -> None:
    """Two replications of three days: the occupancy series is the mean of theirs, the places
    series the mean of theirs; the shelter in Utrecht is on the map at 52.1 N, 5.1 E."""
    scenario = tiny(horizon_days=3)
    network = build_network(scenario, one_shelter(capacity=4), {})
    occupied = [np.arange(30.0).reshape(3, 10), np.ones((3, 10))]
    outcomes = [
        dataclasses.replace(
            _outcome(seed, unmet=0.0),
            occupancy=occupied[seed],
            capacity=occupied[seed] + 10 * (seed + 1),
            wait_counts=np.zeros(len(WAIT_EDGES) - 1),
        )
        for seed in (0, 1)
    ]
    result = aggregate(scenario, network, outcomes)
    for u, unit in enumerate(gazetteer.POLICE_UNITS):
        mean = [(occupied[0][day, u] + occupied[1][day, u]) / 2 for day in range(3)]
        assert result.occupancy[unit] == pytest.approx(mean)
        assert result.capacity[unit] == pytest.approx([m + 15 for m in mean])
    [point] = result.shelters
    assert (point.id, point.capacity) == ("S1", 4)
    assert (round(point.lat, 1), round(point.lon, 1)) == (52.1, 5.1)


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


_CELLS = [f"{unit} | {gender} / none" for unit in ("Rotterdam", "Limburg") for gender in GENDERS]


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(0, 12), min_size=len(_CELLS), max_size=len(_CELLS)),
    st.integers(0, 40),
    st.sampled_from([7, 30, 365]),
)
def test_advice_spares_the_most_nights_and_no_place_is_left_unused(
    quarters: list[int], places: int, days: int
) -> None:
    """Nights in quarters of the measured days, so some cells come out exactly even. A cell gets
    no more places than it has nights to spare (a place spares one night a night), so none with
    no nights; all ``places`` are given while some cell still needs one; and a place never went
    to a cell while another was left with more nights unspared than that one had."""
    nights = {key: q * days / 4 for key, q in zip(_CELLS, quarters, strict=True)}
    events = advice_events({key: _nights(n) for key, n in nights.items()}, places, days)
    given = {f"{e.police_unit} | {e.gender} / none": e.places for e in events}
    assert all(count > 0 for count in given.values())
    needed = {key: math.ceil(n / days) for key, n in nights.items()}
    assert all(given[key] <= needed[key] for key in given)
    assert sum(given.values()) == min(places, sum(needed.values()))
    for key, count in given.items():
        last = nights[key] - (count - 1) * days  # what the cell had left for its last place
        for other, n in nights.items():
            if given.get(other, 0) < needed[other]:
                assert last >= n - given.get(other, 0) * days, (key, other)


def test_pro_rata_rounds_each_shelter_s_share_by_the_largest_remainders() -> None:
    """Each shelter gets its exact share rounded down or up, up for the largest remainders only,
    and the shares add up to the places (Hamilton's method)."""
    network = build_network(busy(), sample_shelters(), sample_shelter_kinds())
    capacity = [int(c) for c in network.base_capacity]
    for places in range(1, 120):
        events = pro_rata_events(network, places)
        got = {e.where.shelter: e.places for e in events}
        shares = [got.get(shelter.id, 0) for shelter in network.shelters]
        exact = [Fraction(places * c, sum(capacity)) for c in capacity]
        assert sum(shares) == places
        assert all(math.floor(x) <= n <= math.ceil(x) for n, x in zip(shares, exact, strict=True))
        up = [x - math.floor(x) for n, x in zip(shares, exact, strict=True) if n > math.floor(x)]
        down = [x - math.floor(x) for n, x in zip(shares, exact, strict=True) if n == math.floor(x)]
        assert not up or not down or min(up) >= max(down), places


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
