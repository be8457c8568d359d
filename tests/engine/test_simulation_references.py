"""Names a scenario uses must be in its network: a typo or an emergency bed is refused, never
simulated as if the event or setting were not there."""

from __future__ import annotations

from typing import Any

import pytest

from engine.simulation.references import network_problems
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario import validate_scenario
from tests.scenario_helpers import one_shelter

BASE: dict[str, Any] = {"name": "x", "demand": {"arrivals_per_week": {"Amsterdam": 2}}}
EMERGENCY_BED = "S025"  # an emergency bed in Amsterdam in the sample network


def on_sample(**changes: Any) -> list[str]:
    scenario = validate_scenario({**BASE, **changes})
    found = network_problems(scenario, sample_shelters(), sample_shelter_kinds())
    return [str(problem) for problem in found]


def cut(where: dict[str, str]) -> dict[str, Any]:
    return {"type": "capacity", "where": where, "percent": -100}


def test_a_scenario_naming_what_the_network_has_passes() -> None:
    assert on_sample(
        network={"share_open": {"women": 0.3, "cosm": 1.0}},
        length_of_stay={"default": {"distribution": "fixed", "days": 9},
                        "men": {"distribution": "fixed", "days": 5},
                        "youth": {"distribution": "fixed", "days": 5}},
        fallback={"emergency_kind": "emergency"},
        events=[cut({"kind": "women"}), cut({"programme": "cosm"}),
                {"type": "closure", "shelter": "S059"},
                {"type": "intake", "where": {"shelter": "S001"}, "intake": "office"}],
    ) == []  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"events": [cut({"kind": "woman"})]},
         "events[0].where.kind: no placement shelter of kind 'woman' (did you mean 'women'?); "
         "the kinds: cosm, men, omm, women, young_adult, youth"),
        ({"events": [cut({"programme": "coms"})]},
         "events[0].where.programme: no placement shelter of programme 'coms' (did you mean "
         "'cosm'?); the programmes: cosm, youth"),
        ({"length_of_stay": {"default": {"distribution": "fixed", "days": 9},
                             "cosmm": {"distribution": "fixed", "days": 1}}},
         "length_of_stay.cosmm: no placement shelter of kind or programme 'cosmm' (did you mean "
         "'cosm'?)"),
        ({"network": {"share_open": {"woman": 0.0}}},
         "network.share_open.woman: no placement shelter of kind 'woman' (did you mean 'women'?)"),
        ({"fallback": {"emergency_kind": "emergancy"}},
         "fallback.emergency_kind: no shelter of kind 'emergancy' in the network (did you mean "
         "'emergency'?)"),
        ({"events": [{"type": "closure", "shelter": EMERGENCY_BED}]},
         "events[0].shelter: 'S025' is only emergency beds, where the desk places no one: the "
         "event would change nothing"),
        ({"events": [{"type": "closure", "shelter": "S999"}]},
         "events[0].shelter: no shelter 'S999' in the network"),
        ({"events": [cut({"kind": "emergency"})]},
         "events[0].where.kind: 'emergency' is only emergency beds"),
        ({"network": {"share_open": {"emergency": 0.0}}},
         "network.share_open.emergency: emergency beds are no placement places"),
        ({"length_of_stay": {"default": {"distribution": "fixed", "days": 9},
                             "emergency": {"distribution": "fixed", "days": 1}}},
         "length_of_stay.emergency: emergency beds are no placement"),
    ],
)  # fmt: skip
def test_a_name_that_selects_nothing_is_refused_at_its_field(
    changes: dict[str, Any], expected: str
) -> None:
    found = on_sample(**changes)
    assert any(problem.startswith(expected) for problem in found), found


def test_a_region_without_a_placement_shelter_is_refused() -> None:
    scenario = validate_scenario(
        {
            **BASE,
            "events": [{"type": "intake", "where": {"police_unit": "Limburg"}, "intake": "office"}],
        }
    )
    found = network_problems(scenario, one_shelter(), {})
    assert [str(p) for p in found] == [
        "events[0].where.police_unit: no placement shelter of the network is in Limburg: the "
        "event would change nothing"
    ]


def test_defaults_a_network_file_lacks_are_not_held_against_it() -> None:
    """The default stays name COSM and the default fallback names emergency beds; a network
    without either is still a network."""
    scenario = validate_scenario(BASE)
    assert network_problems(scenario, one_shelter(), {}) == []


def test_added_places_can_be_named_by_their_kind_and_programme() -> None:
    added = {"type": "add_places", "police_unit": "Limburg", "gender": "female", "places": 2,
             "youth": True}  # fmt: skip
    scenario = validate_scenario(
        {**BASE, "events": [added, cut({"kind": "added"}), cut({"programme": "youth"})],
         "length_of_stay": {"default": {"distribution": "fixed", "days": 9},
                            "added": {"distribution": "fixed", "days": 3}}}
    )  # fmt: skip
    assert network_problems(scenario, one_shelter(), {}) == []


def test_a_network_with_no_place_to_be_placed_in_is_refused() -> None:
    """Everyone unplaced would say nothing about a shortage: the network is empty, or full."""
    scenario = validate_scenario(BASE)
    assert [str(p) for p in network_problems(scenario, [], {})] == [
        "network: the network has no placement shelter with a place open"
    ]
    assert network_problems(scenario, one_shelter(capacity=0), {}) != []
    assert network_problems(scenario, one_shelter(capacity=1), {}) == []
    added = validate_scenario(
        {
            **BASE,
            "events": [
                {"type": "add_places", "police_unit": "Midden-Nederland", "gender": "female",
                 "places": 3, "from_day": 0, "to_day": 30}
            ],
        }
    )  # fmt: skip
    assert network_problems(added, [], {}) == []


def test_a_stay_may_be_named_by_a_programme_of_the_network() -> None:
    """Stays are looked up by kind, then programme: a programme no kind is named after is a
    key in use."""
    youth = one_shelter()[0].model_copy(update={"programme": "youth", "min_age": 12})
    stays = {"default": {"distribution": "fixed", "days": 9},
             "youth": {"distribution": "fixed", "days": 30}}  # fmt: skip
    scenario = validate_scenario({**BASE, "length_of_stay": stays})
    assert network_problems(scenario, [youth], {"S1": "girls"}) == []


def test_a_percentage_or_a_cut_opens_no_place_in_a_network_without_any() -> None:
    """Only an event adding places makes up for a network without any: a cut does not, nor a
    percentage of no places."""
    full = one_shelter(capacity=0)
    for change in ({"percent": -50.0}, {"places": -1}, {"percent": 50.0}):
        event = {"type": "capacity", "where": {"shelter": "S1"}, **change}
        scenario = validate_scenario({**BASE, "events": [event]})
        assert [str(p) for p in network_problems(scenario, full, {})] == [
            "network: the network has no placement shelter with a place open"
        ], change
    grown = validate_scenario(
        {**BASE, "events": [{"type": "capacity", "where": {"shelter": "S1"}, "places": 1}]}
    )
    assert network_problems(grown, full, {}) == []
