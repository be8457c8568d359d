"""The network as the simulation sees it: the places open to the flow, the locations events add,
and where a new place could take someone in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.simulation.network import build_network, nearest_safe_unit
from engine.simulation.run import prepare, simulate
from models.location import Location
from models.shelter import Shelter
from models.victim import DangerZone, Victim
from tests.scenario_helpers import PLAIN_MIX, tiny

SHARES = st.sampled_from([0.0, 0.3, 0.5, 1.0])


@st.composite
def shelters(draw: st.DrawFn) -> Shelter:
    """A shelter in Utrecht with some of its places taken."""
    capacity = draw(st.integers(0, 20))
    occupied = draw(st.integers(0, capacity))
    return Shelter(
        id="S1", location=Location(municipality="Utrecht"), capacity=capacity, occupied=occupied
    )


@settings(max_examples=60, deadline=None)
@given(shelter=shelters(), share=SHARES, other=SHARES)
def test_share_open_scales_the_places_and_the_residents_of_its_kind_only(
    shelter: Shelter, share: float, other: float
) -> None:
    """Of a kind with share ``share`` open to the flow, that share of the places counts, and of
    the residents the same share; a share given for another kind changes nothing."""
    for kind, expected in (("women", share), ("men", 1.0)):
        scenario = tiny(network={"share_open": {"women": share, "youth": other}})
        network = build_network(scenario, [shelter], {"S1": kind})
        assert network.base_capacity.tolist() == [round(shelter.capacity * expected)]
        assert network.initial_occupied.tolist() == [round(shelter.occupied * expected)]


def found_in_utrecht(*zones: tuple[str, float]) -> Victim:
    """A woman found in Utrecht, with danger zones ``(municipality, km)``."""
    return Victim(
        id="A1",
        gender="female",
        age=30,
        location=Location(municipality="Utrecht"),
        danger_zones=[
            DangerZone(location=Location(municipality=place), min_km=km) for place, km in zones
        ],
    )


@pytest.mark.parametrize(
    ("zones", "unit"),
    [
        ((), "Midden-Nederland"),  # Utrecht itself
        ((("Utrecht", 10.0),), "Amsterdam"),  # Amsterdam, 35 km away
        ((("Utrecht", 40.0),), "Noord-Holland"),  # Haarlem, 46 km
        ((("Utrecht", 50.0),), "Oost-Nederland"),  # Arnhem, 55 km; Rotterdam is 48 km away
        ((("Groningen", 50.0),), "Midden-Nederland"),  # a zone far away changes nothing
        ((("Utrecht", 40.0), ("Haarlem", 10.0)), "Rotterdam"),
    ],
)
def test_the_safe_unit_is_the_one_with_the_nearest_main_city_outside_the_danger_zones(
    zones: tuple[tuple[str, float], ...], unit: str
) -> None:
    assert nearest_safe_unit(found_in_utrecht(*zones)) == unit


def test_places_added_for_women_take_women_with_children_and_people_of_gender_x() -> None:
    # No shelter but three places added in Midden-Nederland for women. A woman with a child (two
    # places) and someone of gender x are found in Utrecht on day 1, when the places are there:
    # both are placed at once.
    child = {"share_female": 1.0, "share_male": 0.0, "count_weights": [1.0]}  # one child each
    mother = {**PLAIN_MIX, "children": child}
    x = {**PLAIN_MIX, "gender": {"x": 1.0}}
    scenario = tiny(
        events=[
            {"type": "add_places", "police_unit": "Midden-Nederland", "gender": "female",
             "places": 3, "from_day": 1},
            {"type": "surge", "day": 1, "hour": 10, "municipality": "Utrecht", "victims": 1,
             "mix": mother},
            {"type": "surge", "day": 1, "hour": 10, "municipality": "Utrecht", "victims": 1,
             "mix": x},
        ]
    )  # fmt: skip
    outcome = simulate(prepare(scenario, [], {}), 1, check=True)
    assert outcome.values["arrivals"] == 2.0
    assert outcome.values["within_24h_share"] == 1.0
