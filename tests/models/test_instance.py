"""Contract documents: the examples parse, and every kind of bad input names its field path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings

from models.errors import InvalidInput
from models.instance import Instance, load_instance
from models.location import Location, distance_km
from models.plan import Plan
from models.ranking import Ranking
from tests.strategies import instances

CONTRACT_INSTANCE: dict[str, Any] = {
    "format": "safeplace.instance/1",
    "now": "2026-11-28T02:30:00+01:00",
    "shelters": [
        {
            "id": "S003",
            "location": {"municipality": "Zwolle"},
            "capacity": 4,
            "occupied": 2,
            "intake": [{"days": "mon-fri", "from": "09:00", "to": "17:00"}],
        }
    ],
    "victims": [
        {
            "id": "V001",
            "gender": "female",
            "age": 24,
            "location": {"lat": 52.37, "lon": 4.89},
            "danger_zones": [{"location": {"municipality": "Amsterdam"}, "min_km": 50}],
        }
    ],
    "objective": {"distance": 1.0, "specialisation": 25.0, "language": 10.0, "move": 100.0},
}


def problems(document: dict[str, Any] | str) -> list[str]:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(InvalidInput) as caught:
        load_instance(text)
    return [str(problem) for problem in caught.value.problems]


def edited(path: list[str | int], value: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(CONTRACT_INSTANCE))
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


def test_contract_instance_parses_with_the_contract_defaults() -> None:
    instance = load_instance(json.dumps(CONTRACT_INSTANCE))
    shelter, victim = instance.shelters[0], instance.victims[0]
    assert shelter.free == 2
    assert shelter.genders == ["female", "male", "x"]
    assert (shelter.min_age, shelter.max_age, shelter.children) == (18, 120, False)
    assert shelter.languages == ["nl"]
    assert shelter.programme is None
    assert victim.priority == 1
    assert victim.children == 0
    assert victim.current is None


def test_defaults_without_objective_and_now() -> None:
    document = dict(CONTRACT_INSTANCE)
    del document["objective"], document["now"]
    instance = load_instance(json.dumps(document))
    assert instance.now is None
    assert instance.objective.model_dump() == {
        "distance": 1.0,
        "specialisation": 25.0,
        "language": 10.0,
        "move": 100.0,
    }


# The contract's plan and ranking examples, as written there.
CONTRACT_PLAN: dict[str, Any] = {
    "format": "safeplace.plan/1",
    "status": "optimal",
    "assignments": [{"victim": "V001", "shelter": "S003", "cost": 42.1}],
    "unassigned": [{"victim": "V002", "blocked_by": {"gender": 12, "security": 3, "capacity": 5}}],
    "objective": {"priority_placed": 17, "cost": 1234.5},
    "solve_seconds": 0.12,
}
CONTRACT_RANKING: dict[str, Any] = {
    "format": "safeplace.ranking/1",
    "victim": "V001",
    "options": [{"shelter": "S003", "cost": 12.3, "distance_km": 12.3, "free": 2}],
    "excluded": [{"shelter": "S001", "reasons": ["gender", "condition:addiction"]}],
    "relaxations": [
        {
            "rule": "security",
            "detail": "danger zone 0 at 38.2 km instead of 50 km",
            "opens": ["S007"],
        }
    ],
}


def test_contract_plan_and_ranking_examples_parse_and_round_trip() -> None:
    plan = Plan.model_validate(CONTRACT_PLAN)
    assert plan.unassigned[0].blocked_by == {"gender": 12, "security": 3, "capacity": 5}
    assert plan.model_dump(mode="json", by_alias=True, exclude_none=True) == CONTRACT_PLAN
    ranking = Ranking.model_validate(CONTRACT_RANKING)
    assert ranking.excluded[0].reasons == ["gender", "condition:addiction"]
    assert ranking.model_dump(mode="json", by_alias=True, exclude_none=True) == CONTRACT_RANKING


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (["victims", 0, "conditons"], [], "victims[0].conditons: unknown field"),
        (
            ["victims", 0, "conditions"],
            ["adiction"],
            "victims[0].conditions[0]: unknown condition 'adiction' (did you mean 'addiction'?)",
        ),
        (
            ["victims", 0, "gender"],
            "femal",
            "victims[0].gender: unknown gender 'femal' (did you mean 'female'?)",
        ),
        (
            ["shelters", 0, "location"],
            {"municipality": "Zwole"},
            "shelters[0].location.municipality: unknown municipality 'Zwole' "
            "(did you mean 'Zwolle'",
        ),
        (["shelters", 0, "occupied"], 5, "shelters[0].occupied: 5 exceeds capacity 4"),
        (
            ["victims", 0, "current"],
            "S999",
            "victims[0].current: names no shelter of the instance: 'S999'",
        ),
        (["victims", 0, "age"], 121, "victims[0].age: Input should be less than or equal to 120"),
        (["victims", 0, "children"], "2", "victims[0].children: Input should be a valid integer"),
        (["victims", 0, "priority"], 4, "victims[0].priority: Input should be less than"),
        (
            ["victims", 0, "danger_zones", 0, "min_km"],
            0,
            "victims[0].danger_zones[0].min_km: Input should be greater than 0",
        ),
        (
            ["shelters", 0, "intake"],
            [{"days": "mon-vri", "from": "09:00", "to": "17:00"}],
            "shelters[0].intake[0].days: unknown day 'vri' (did you mean 'fri'?)",
        ),
        (
            ["shelters", 0, "intake"],
            [{"days": "mon", "from": "18:00", "to": "08:00"}],
            "shelters[0].intake[0].to: must be later than 'from'",
        ),
        (["shelters", 0, "intake"], "ofice", "shelters[0].intake: unknown intake 'ofice'"),
        (["shelters", 0, "languages"], ["dutch"], "shelters[0].languages[0]: 'dutch' is not"),
        (["now"], "2026-11-28T02:30:00", "now: Input should have timezone info"),
        (["format"], "safeplace.instance/2", "format: Input should be 'safeplace.instance/1'"),
        (["shelters", 0], 3, "shelters[0]: expected an object"),
        (["victims"], {}, "victims: expected a list"),
        (["shelters", 0, "languages"], "nl", "shelters[0].languages: expected a list"),
    ],
)
def test_bad_input_names_the_field(path: list[str | int], value: Any, expected: str) -> None:
    found = problems(edited(path, value))
    assert any(line.startswith(expected) for line in found), found


def test_a_document_that_is_no_object_says_so_plainly() -> None:
    assert problems("[]") == ["expected an object"]


def test_duplicate_ids_name_the_second_occurrence() -> None:
    document = edited(["victims"], [CONTRACT_INSTANCE["victims"][0]] * 2)
    document["shelters"].append(dict(CONTRACT_INSTANCE["shelters"][0]))
    assert problems(document) == [
        "shelters[1].id: duplicate shelter id 'S003' (also at shelters[0])",
        "victims[1].id: duplicate victim id 'V001' (also at victims[0])",
    ]


def test_location_needs_exactly_one_form() -> None:
    both = problems(
        edited(["victims", 0, "location"], {"lat": 52.0, "lon": 5.0, "municipality": "Zwolle"})
    )
    assert both == ["victims[0].location: give either lat and lon or a municipality, not both"]
    half = problems(edited(["victims", 0, "location"], {"lat": 52.0}))
    assert half == ["victims[0].location.lon: required field is missing"]


def test_every_key_given_twice_is_named_at_its_path() -> None:
    """A JSON reader keeps the last of two equal keys silently: each is refused where it is."""
    document = (
        '{"format": "safeplace.instance/1", "format": "safeplace.instance/1", "shelters": [], '
        '"victims": [{"id": "A", "gender": "female", "age": 30}, {"id": "B", "gender": "male", '
        '"age": 40, "location": {"lat": 52.0, "lon": 5.0, "lat": 53.0}, "age": 41, "avoid": []}]}'
    )
    assert problems(document) == [
        "format: given twice in one object",
        "victims[1].age: given twice in one object",
        "victims[1].location.lat: given twice in one object",
    ]


def test_broken_json_is_one_clear_problem() -> None:
    assert problems('{"format": ') == ["invalid JSON at line 1 column 12: Expecting value"]


def test_all_problems_are_reported_at_once() -> None:
    document = edited(["victims", 0, "conditions"], ["adiction"])
    document["victims"][0]["gendr"] = "female"
    assert problems(document) == [
        "victims[0].conditions[0]: unknown condition 'adiction' (did you mean 'addiction'?)",
        "victims[0].gendr: unknown field",
    ]


def test_municipality_names_are_forgiving() -> None:
    assert (
        Location(municipality="den bosch").point == Location(municipality="'s-Hertogenbosch").point
    )
    assert Location(municipality="'s-Gravenhage").point == Location(municipality="Den Haag").point


def test_haversine_matches_a_known_distance() -> None:
    amsterdam = Location(lat=52.3676, lon=4.9041)
    rotterdam = Location(lat=51.9244, lon=4.4777)
    # About 57.6 km as the crow flies.
    assert distance_km(amsterdam, rotterdam) == pytest.approx(57.6, abs=0.5)
    assert distance_km(amsterdam, amsterdam) == 0.0


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instances(max_victims=6, max_shelters=6))
def test_instances_round_trip_through_json(instance: Instance) -> None:
    text = instance.model_dump_json(exclude_none=True)
    assert load_instance(text) == instance


def test_a_bound_is_written_only_when_there_is_one() -> None:
    objective = {"priority_placed": 3, "cost": 12.5}
    plan = {
        "status": "optimal",
        "assignments": [],
        "unassigned": [],
        "objective": objective,
        "solve_seconds": 0.1,
    }
    assert "bound" not in json.loads(Plan.model_validate(plan).model_dump_json())["objective"]
    plan |= {"status": "feasible", "objective": objective | {"bound": {"priority_placed": 4}}}
    written = json.loads(Plan.model_validate(plan).model_dump_json())["objective"]
    assert written["bound"] == {"priority_placed": 4, "cost": None}


WEIGHTS = ("distance", "specialisation", "language", "move")


@pytest.mark.parametrize("weight", WEIGHTS)
@pytest.mark.parametrize("value", [0, 0.0, 1e-9, 1e6])
def test_an_objective_weight_from_zero_to_a_million_is_taken(weight: str, value: float) -> None:
    instance = load_instance(json.dumps(edited(["objective", weight], value)))
    assert getattr(instance.objective, weight) == value


@pytest.mark.parametrize("weight", WEIGHTS)
@pytest.mark.parametrize("value", [-1e-9, -1, 1e6 + 1e-3, 1e300, "1"])
def test_an_objective_weight_out_of_bounds_is_refused_by_name(weight: str, value: object) -> None:
    found = problems(edited(["objective", weight], value))
    assert len(found) == 1
    assert found[0].startswith(f"objective.{weight}: "), found
