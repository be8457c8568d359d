"""Contract documents: the examples parse, and every kind of bad input names its field path."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from models import gazetteer
from models.errors import InvalidInput
from models.instance import Instance, load_instance
from models.location import Location, distance_km
from models.plan import Plan
from models.ranking import Ranking
from models.shelter import MOST_PLACES
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


def _problems_or_none(document: dict[str, Any]) -> list[str]:
    try:
        load_instance(json.dumps(document))
    except InvalidInput as exc:
        return [str(problem) for problem in exc.problems]
    return []


def _edited_all(edits: dict[tuple[str | int, ...], Any]) -> dict[str, Any]:
    """The contract's instance (a copy) with a value set at each path."""
    document: dict[str, Any] = json.loads(json.dumps(CONTRACT_INSTANCE))
    for path, value in edits.items():
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return document


def _path(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


# Every bounded number of the contract, with the lowest and the highest value it takes (and
# what else the document needs so that only this field is at stake).
INTEGER_BOUNDS: list[tuple[tuple[str | int, ...], int, int, dict[tuple[str | int, ...], Any]]] = [
    (("shelters", 0, "capacity"), 0, MOST_PLACES, {("shelters", 0, "occupied"): 0}),
    (("shelters", 0, "occupied"), 0, 4, {}),
    (("shelters", 0, "min_age"), 0, 120, {}),
    (("shelters", 0, "max_age"), 18, 120, {}),  # from the default min_age of 18
    (("victims", 0, "age"), 0, 120, {}),
    (("victims", 0, "children"), 0, 20, {}),
    (("victims", 0, "priority"), 1, 3, {}),
]
FLOAT_BOUNDS: list[tuple[tuple[str | int, ...], float, float]] = [
    (("victims", 0, "danger_zones", 0, "min_km"), math.nextafter(0.0, 1.0), 2000.0),
    (("victims", 0, "location", "lat"), -90.0, 90.0),
    (("victims", 0, "location", "lon"), -180.0, 180.0),
]


@pytest.mark.parametrize(("path", "lowest", "highest", "also"), INTEGER_BOUNDS)
def test_an_integer_is_taken_exactly_within_its_contract_bounds(
    path: tuple[str | int, ...], lowest: int, highest: int, also: dict[Any, Any]
) -> None:
    for value in (lowest, highest):
        assert _problems_or_none(_edited_all({**also, path: value})) == [], value
    for value in (lowest - 1, highest + 1):
        found = _problems_or_none(_edited_all({**also, path: value}))
        assert len(found) == 1, (value, found)
        assert found[0].startswith(f"{_path(path)}: "), (value, found)


@pytest.mark.parametrize(("path", "lowest", "highest"), FLOAT_BOUNDS)
def test_a_number_is_taken_exactly_within_its_contract_bounds(
    path: tuple[str | int, ...], lowest: float, highest: float
) -> None:
    for value in (lowest, highest):
        assert _problems_or_none(_edited_all({path: value})) == [], value
    for value in (math.nextafter(lowest, -math.inf), math.nextafter(highest, math.inf)):
        found = _problems_or_none(_edited_all({path: value}))
        assert len(found) == 1, (value, found)
        assert found[0].startswith(f"{_path(path)}: "), (value, found)


@pytest.mark.parametrize(
    "path",
    [
        ("shelters", 0, "id"),
        ("victims", 0, "id"),
        ("shelters", 0, "residents", 0),
        ("victims", 0, "avoid", 0),
    ],
)
def test_an_id_has_one_to_64_characters(path: tuple[str | int, ...]) -> None:
    def with_id(length: int) -> dict[str, Any]:
        value = "y" * length
        if isinstance(path[-1], int):  # a list of ids: this one alone
            return _edited_all({path[:-1]: [value]})
        return _edited_all({path: value})

    for length in (1, 64):
        assert _problems_or_none(with_id(length)) == [], length
    for length in (0, 65):
        found = _problems_or_none(with_id(length))
        assert len(found) == 1, (length, found)
        assert found[0].startswith(f"{_path(path)}: "), (length, found)


@pytest.mark.parametrize("who", ["shelters", "victims"])
@pytest.mark.parametrize("code", ["NL", "nld", "n", "n1", " nl", "nl\n"])
def test_a_language_is_two_lower_case_letters(who: str, code: str) -> None:
    assert _problems_or_none(_edited_all({(who, 0, "languages"): ["nl", "en"]})) == []
    found = _problems_or_none(_edited_all({(who, 0, "languages"): ["nl", code]}))
    assert found == [
        f"{who}[0].languages[1]: '{code}' is not an ISO 639-1 language code "
        "(two lower-case letters)"
    ]


def test_a_programme_is_never_empty_text() -> None:
    assert problems(edited(["shelters", 0, "programme"], ""))[0].startswith(
        "shelters[0].programme: String should have at least 1 character"
    )
    assert problems(edited(["victims", 0, "programmes"], ["cosm", ""]))[0].startswith(
        "victims[0].programmes[1]: String should have at least 1 character"
    )


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("shelters", 0, "genders"),
            ["female", "x", "female"],
            "shelters[0].genders[2]: duplicate gender 'female' (also at genders[0])",
        ),
        (
            ("shelters", 0, "accepts"),
            ["lvb", "lvb"],
            "shelters[0].accepts[1]: duplicate condition 'lvb' (also at accepts[0])",
        ),
        (
            ("shelters", 0, "specialisations"),
            ["labour", "sexual", "labour"],
            "shelters[0].specialisations[2]: duplicate specialisation 'labour' "
            "(also at specialisations[0])",
        ),
        (
            ("shelters", 0, "residents"),
            ["R1", "R1"],
            "shelters[0].residents[1]: duplicate resident 'R1' (also at residents[0])",
        ),
        (
            ("victims", 0, "conditions"),
            ["medical", "medical"],
            "victims[0].conditions[1]: duplicate condition 'medical' (also at conditions[0])",
        ),
        (
            ("victims", 0, "avoid"),
            ["V7", "V7"],
            "victims[0].avoid[1]: duplicate id 'V7' (also at avoid[0])",
        ),
        (("victims", 0, "avoid"), ["V7", "V001"], "victims[0].avoid[1]: a victim cannot avoid"),
        (("shelters", 0, "max_age"), 17, "shelters[0].max_age: 17 is below min_age 18"),
        (
            ("victims", 0, "location"),
            {},
            "victims[0].location: give either lat and lon or a municipality",
        ),
        (
            ("victims", 0, "location"),
            {"lon": 4.89, "municipality": "Amsterdam"},
            "victims[0].location: give either lat and lon or a municipality, not both",
        ),
    ],
)
def test_what_no_single_field_can_know_is_refused_at_its_field(
    path: tuple[str | int, ...], value: Any, expected: str
) -> None:
    """Lists without repeats, an age range that is one, a victim who avoids someone else, and a
    location in one form; the problem stands at the field that makes it one."""
    found = _problems_or_none(_edited_all({path: value}))
    assert len(found) == 1, found
    assert found[0].startswith(expected), found


def test_a_shelter_s_single_age_is_a_range() -> None:
    document = _edited_all({("shelters", 0, "min_age"): 30, ("shelters", 0, "max_age"): 30})
    assert _problems_or_none(document) == []
    document = _edited_all({("shelters", 0, "min_age"): 31, ("shelters", 0, "max_age"): 30})
    assert _problems_or_none(document) == ["shelters[0].max_age: 30 is below min_age 31"]


def test_a_victim_takes_a_place_and_one_for_each_child() -> None:
    assert load_instance(json.dumps(CONTRACT_INSTANCE)).victims[0].places_needed == 1
    with_children = edited(["victims", 0, "children"], 3)
    assert load_instance(json.dumps(with_children)).victims[0].places_needed == 4


def test_a_contract_document_once_read_cannot_change() -> None:
    instance = load_instance(json.dumps(CONTRACT_INSTANCE))
    with pytest.raises(ValidationError, match="frozen"):
        instance.shelters[0].occupied = 0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        instance.victims[0].priority = 3  # type: ignore[misc]


def test_shelters_and_victims_are_found_by_id_and_only_by_theirs() -> None:
    instance = load_instance(json.dumps(edited(["victims", 0, "id"], "V002")))
    assert instance.shelter("S003") is instance.shelters[0]
    assert instance.victim("V002") is instance.victims[0]
    with pytest.raises(KeyError):
        instance.shelter("S004")
    with pytest.raises(KeyError):
        instance.victim("V001")


def _chord_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance another way: the angle between the two points' unit vectors, from
    the straight chord between them, on the contract's sphere of 6371.0 km."""

    def unit(lat: float, lon: float) -> tuple[float, float, float]:
        phi, lmb = math.radians(lat), math.radians(lon)
        return (math.cos(phi) * math.cos(lmb), math.cos(phi) * math.sin(lmb), math.sin(phi))

    chord = math.dist(unit(*a), unit(*b))
    return 6371.0 * 2 * math.asin(min(1.0, chord / 2))


LATITUDES = st.floats(-90.0, 90.0)
LONGITUDES = st.floats(-180.0, 180.0)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(LATITUDES, LONGITUDES, LATITUDES, LONGITUDES)
# Antipodes, where rounding takes the haversine's term just above 1.
@example(69.51232454868148, 86.5812282599507, -69.51232454868148, -93.4187717400493)
@example(0.0, 0.0, 0.0, 180.0)
@example(90.0, 0.0, -90.0, 0.0)
def test_the_distance_is_the_great_circle_on_the_contract_s_sphere(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    a, b = Location(lat=lat1, lon=lon1), Location(lat=lat2, lon=lon2)
    expected = _chord_km((lat1, lon1), (lat2, lon2))
    assert distance_km(a, b) == pytest.approx(expected, rel=1e-9, abs=1e-3)
    assert distance_km(b, a) == pytest.approx(distance_km(a, b), rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("name", ["Zwolle", "Maastricht", "Den Haag", "den bosch"])
def test_a_municipality_stands_at_its_gazetteer_point(name: str) -> None:
    place = gazetteer.resolve(name)
    at = Location(municipality=name)
    assert at.point == (place.lat, place.lon)
    assert distance_km(at, Location(lat=place.lat, lon=place.lon)) == 0.0


def test_a_bad_field_and_a_bad_reference_are_reported_in_one_round() -> None:
    """A field that fails keeps the instance from being built; the ids given twice and the
    ``current`` naming no shelter are still found, in the document as it came."""
    document = edited(["victims"], [CONTRACT_INSTANCE["victims"][0]] * 2)
    document["victims"][1] = {**document["victims"][1], "age": -1, "current": "S999"}
    assert problems(document) == [
        "victims[1].age: Input should be greater than or equal to 0",
        "victims[1].id: duplicate victim id 'V001' (also at victims[0])",
        "victims[1].current: names no shelter of the instance: 'S999'",
    ]


def test_an_entry_that_is_no_object_keeps_the_others_at_their_index() -> None:
    shelter = CONTRACT_INSTANCE["shelters"][0]
    document = edited(["shelters"], ["S003", shelter, shelter])
    assert problems(document) == [
        "shelters[0]: expected an object",
        "shelters[2].id: duplicate shelter id 'S003' (also at shelters[1])",
    ]
