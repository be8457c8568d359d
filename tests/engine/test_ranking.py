"""The ranking agrees with the slow reference on every shelter and holds the contract's examples."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import reference
from engine.ranking import Ranker, UnknownVictim, rank
from models.instance import Instance, validate_instance
from models.location import Location, distance_km
from models.ranking import Ranking
from models.victim import Victim
from tests.strategies import instances


def brute_force(instance: Instance, victim: Victim) -> tuple[list[str], dict[str, list[str]]]:
    """Open shelters by (reference cost, id), and every closed shelter with its reasons."""
    weights = instance.objective.model_dump()
    fits: list[tuple[float, str]] = []
    closed: dict[str, list[str]] = {}
    for shelter in instance.shelters:
        why = reference.reasons(victim, shelter, instance.now)
        if why:
            closed[shelter.id] = why
        else:
            fits.append((reference.cost(victim, shelter, weights), shelter.id))
    return [shelter_id for _, shelter_id in sorted(fits)], closed


@settings(max_examples=150, deadline=None, derandomize=True)
@given(instances(max_victims=10, max_shelters=12), st.randoms(use_true_random=False))
def test_ranking_equals_brute_force(instance: Instance, rng: random.Random) -> None:
    """Against the shelters in any order (the random instances list them by id): options by cost
    then id, the excluded shelters by id."""
    shelters = list(instance.shelters)
    rng.shuffle(shelters)
    instance = instance.model_copy(update={"shelters": shelters})
    ranker = Ranker(instance.shelters, instance.now, instance.objective)
    weights = instance.objective.model_dump()
    for victim in instance.victims:
        ranking = ranker.rank(victim)
        order, closed = brute_force(instance, victim)
        assert ranking.victim == victim.id
        assert [option.shelter for option in ranking.options] == order
        for option in ranking.options:
            shelter = instance.shelter(option.shelter)
            assert option.cost == pytest.approx(reference.cost(victim, shelter, weights))
            assert option.free == shelter.free
            if victim.location is None:
                assert option.distance_km is None
            else:
                expected = distance_km(victim.location, shelter.location)
                assert option.distance_km == pytest.approx(expected)
        assert [(e.shelter, e.reasons) for e in ranking.excluded] == sorted(closed.items())
        if ranking.options:
            assert ranking.relaxations == []
        assert rank(instance, victim.id) == ranking


@settings(max_examples=150, deadline=None, derandomize=True)
@given(instances(max_victims=10, max_shelters=12))
def test_a_waiting_list_counts_the_shelters_each_victim_fits(instance: Instance) -> None:
    ranker = Ranker(instance.shelters, instance.now, instance.objective)
    counts = ranker.fitting(instance.victims)
    assert counts == [len(brute_force(instance, victim)[0]) for victim in instance.victims]
    assert ranker.fitting([]) == []


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances(max_victims=8, max_shelters=10), st.data())
def test_a_waiting_list_counts_the_shelters_each_victim_fits_among_some(
    instance: Instance, data: st.DataObject
) -> None:
    """Counted among some shelters only (on a public holiday, those that take intakes for sure),
    and among shelters the network lacks, which count for none."""
    ids = [shelter.id for shelter in instance.shelters]
    among = data.draw(st.sets(st.sampled_from(ids) | st.just("Z999")) if ids else st.just(set()))
    ranker = Ranker(instance.shelters, instance.now, instance.objective)
    counts = ranker.fitting(instance.victims, among)
    assert counts == [
        len([shelter for shelter in brute_force(instance, victim)[0] if shelter in among])
        for victim in instance.victims
    ]


def instance_of(
    shelters: list[dict[str, Any]], victims: list[dict[str, Any]], **extra: Any
) -> Instance:
    """An instance from JSON-shaped data, through the same validation as a document."""
    return validate_instance(
        {"format": "safeplace.instance/1", "shelters": shelters, "victims": victims, **extra}
    )


AMSTERDAM = {"lat": 52.37, "lon": 4.89}
CONTRACT_INSTANCE = instance_of(
    shelters=[
        {"id": "S001", "location": {"municipality": "Zwolle"}, "capacity": 8, "occupied": 8},
        {
            "id": "S002",
            "location": {"municipality": "Utrecht"},
            "capacity": 4,
            "occupied": 1,
            "genders": ["female", "x"],
            "accepts": ["addiction"],
            "specialisations": ["sexual"],
            "languages": ["nl", "en"],
        },
        {
            "id": "S003",
            "location": {"lat": 52.09, "lon": 5.12},
            "capacity": 2,
            "genders": ["male"],
            "intake": "office",
        },
    ],
    victims=[
        {
            "id": "V001",
            "gender": "female",
            "age": 24,
            "conditions": ["addiction"],
            "exploitation": "sexual",
            "languages": ["pl"],
            "location": AMSTERDAM,
        },
        {"id": "V002", "gender": "male", "age": 31},
    ],
    now="2026-11-28T02:30:00+01:00",
    objective={"distance": 1.0, "specialisation": 25.0, "language": 10.0, "move": 100.0},
)


def test_the_contract_example_has_the_contract_shape() -> None:
    ranking = rank(CONTRACT_INSTANCE, "V001")
    document = json.loads(ranking.model_dump_json(by_alias=True))
    assert list(document) == ["format", "victim", "options", "excluded", "relaxations"]
    assert document["format"] == "safeplace.ranking/1"
    [option] = document["options"]
    assert list(option) == ["shelter", "cost", "distance_km", "free"]
    utrecht = CONTRACT_INSTANCE.shelter("S002").location
    distance = distance_km(Location.model_validate(AMSTERDAM), utrecht)
    # Specialised in sexual exploitation (no 25), speaks no Polish (+ 10).
    assert option == {
        "shelter": "S002",
        "cost": pytest.approx(distance + 10.0),
        "distance_km": pytest.approx(distance),
        "free": 3,
    }
    assert document["excluded"] == [
        {"shelter": "S001", "reasons": ["condition:addiction", "capacity"]},
        {"shelter": "S003", "reasons": ["gender", "condition:addiction", "intake_hours"]},
    ]
    assert document["relaxations"] == []


def test_distance_is_null_in_json_for_a_victim_without_location() -> None:
    """V002 has no location; at night each shelter is closed to him for a single reason."""
    document = json.loads(rank(CONTRACT_INSTANCE, "V002").model_dump_json(by_alias=True))
    assert document["options"] == []
    assert document["relaxations"] == [
        {"rule": "gender", "detail": "S002 would need to take in male", "opens": ["S002"]},
        {
            "rule": "intake_hours",
            "detail": "intake from Mon 30 Nov 09:00 at S003",
            "opens": ["S003"],
        },
        {"rule": "capacity", "detail": "S001 would need 1 more free place", "opens": ["S001"]},
    ]
    daytime = CONTRACT_INSTANCE.model_copy(update={"now": None})
    [option] = json.loads(rank(daytime, "V002").model_dump_json())["options"]
    assert option == {"shelter": "S003", "cost": 0.0, "distance_km": None, "free": 2}


def one_shelter_at(now: str, intake: object) -> Ranking:
    """Rank one victim against one shelter with the given intake at ``now``."""
    instance = instance_of(
        shelters=[{"id": "S1", "location": AMSTERDAM, "capacity": 1, "intake": intake}],
        victims=[{"id": "V1", "gender": "female", "age": 30}],
        now=now,
    )
    return rank(instance, "V1")


@pytest.mark.parametrize(
    ("now", "is_open", "relaxation"),
    [
        # 2026-11-28 is a Saturday; office hours reopen on Monday.
        ("2026-11-28T02:30:00+01:00", False, "intake from Mon 30 Nov 09:00 at S1"),
        ("2026-11-30T09:00:00+01:00", True, None),
        ("2026-11-30T16:59:00+01:00", True, None),
        ("2026-11-30T17:00:00+01:00", False, "intake from Tue 01 Dec 09:00 at S1"),
        # The same wall-clock hours in UTC: 07:30 UTC is 09:30 in summer, 08:30 in winter.
        ("2026-07-01T07:30:00Z", True, None),
        ("2026-12-02T07:30:00Z", False, "intake from Wed 02 Dec 09:00 at S1"),
        ("2026-07-01T15:30:00Z", False, "intake from Thu 02 Jul 09:00 at S1"),
        ("2026-12-02T15:30:00Z", True, None),
    ],
)
def test_office_hours_at_night_by_day_and_across_daylight_saving(
    now: str, is_open: bool, relaxation: str | None
) -> None:
    ranking = one_shelter_at(now, "office")
    assert bool(ranking.options) == is_open
    assert [r.detail for r in ranking.relaxations] == ([relaxation] if relaxation else [])


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        ("2026-11-28T19:59:00+01:00", False),
        ("2026-11-28T20:00:00+01:00", True),
        ("2026-11-28T23:59:59+01:00", True),  # "to": "24:00" includes the last minute
        ("2026-11-29T00:00:00+01:00", False),  # and excludes midnight of the next day
    ],
)
def test_a_window_may_end_at_24_00(now: str, is_open: bool) -> None:
    ranking = one_shelter_at(now, [{"days": "sat", "from": "20:00", "to": "24:00"}])
    assert bool(ranking.options) == is_open


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        ("2026-11-27T12:00:00+01:00", True),  # Friday
        ("2026-11-28T12:00:00+01:00", True),  # Saturday
        ("2026-11-29T12:00:00+01:00", True),  # Sunday
        ("2026-11-30T12:00:00+01:00", True),  # Monday
        ("2026-12-01T12:00:00+01:00", False),  # Tuesday
        ("2026-12-03T12:00:00+01:00", False),  # Thursday
    ],
)
def test_a_day_range_may_wrap_around_the_week(now: str, is_open: bool) -> None:
    ranking = one_shelter_at(now, [{"days": "fri-mon", "from": "00:00", "to": "24:00"}])
    assert bool(ranking.options) == is_open
    if not is_open:
        assert ranking.relaxations[0].detail == "intake from Fri 04 Dec 00:00 at S1"


def test_equal_costs_are_ordered_by_shelter_id() -> None:
    same = {"location": AMSTERDAM, "capacity": 1}
    instance = instance_of(
        shelters=[{"id": "S2", **same}, {"id": "S10", **same}, {"id": "S1", **same}],
        victims=[
            {"id": "V1", "gender": "female", "age": 30, "location": {"lat": 52.0, "lon": 5.0}}
        ],
    )
    assert [o.shelter for o in rank(instance, "V1").options] == ["S1", "S10", "S2"]


def test_moving_away_from_the_current_shelter_costs_the_move_weight() -> None:
    instance = instance_of(
        shelters=[
            {"id": "S1", "location": AMSTERDAM, "capacity": 1},
            {"id": "S2", "location": {"municipality": "Groningen"}, "capacity": 1},
        ],
        victims=[
            {"id": "V1", "gender": "female", "age": 30, "location": AMSTERDAM, "current": "S2"}
        ],
    )
    options = {o.shelter: o for o in rank(instance, "V1").options}
    assert options["S1"].cost == pytest.approx(100.0)
    assert options["S2"].cost == pytest.approx(options["S2"].distance_km)


def test_unknown_victim_names_the_id_and_close_ids() -> None:
    with pytest.raises(UnknownVictim) as raised:
        rank(CONTRACT_INSTANCE, "V01")
    assert isinstance(raised.value, KeyError)
    assert str(raised.value) == "unknown victim 'V01' (did you mean 'V001'?)"


def test_a_current_shelter_outside_the_network_makes_every_option_a_move() -> None:
    victim = CONTRACT_INSTANCE.victim("V002")
    ranker = Ranker(CONTRACT_INSTANCE.shelters, None, CONTRACT_INSTANCE.objective)
    staying = {
        o.shelter: o.cost for o in ranker.rank(victim.model_copy(update={"current": None})).options
    }
    moved = ranker.rank(victim.model_copy(update={"current": "S999"}))
    assert staying
    for option in moved.options:
        assert option.cost == pytest.approx(
            staying[option.shelter] + CONTRACT_INSTANCE.objective.move
        )


def test_an_empty_network_has_nothing_to_offer_or_relax() -> None:
    ranking = Ranker([], None).rank(CONTRACT_INSTANCE.victim("V001"))
    assert (ranking.options, ranking.excluded, ranking.relaxations) == ([], [], [])


# Saturday night, Monday morning (office hours open) and no moment at all.
MOMENTS = (
    datetime(2026, 11, 28, 1, 30, tzinfo=UTC),
    datetime(2026, 11, 30, 9, 30, tzinfo=UTC),
    None,
)


def test_unknown_victim_names_at_most_three_close_ids_and_none_when_nothing_is_close() -> None:
    close = UnknownVictim("V001", ["V0010", "V0011", "V0012", "V0013", "X"])
    assert str(close).startswith("unknown victim 'V001' (did you mean ")
    assert sorted(re.findall(r"'(V001\d)'", str(close))) == ["V0011", "V0012", "V0013"]
    assert str(UnknownVictim("ZZZ", ["V001", "V002"])) == "unknown victim 'ZZZ'"


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instances(max_victims=4, max_shelters=10), st.sampled_from(MOMENTS))
def test_a_ranker_moved_to_another_moment_ranks_like_one_compiled_then(
    instance: Instance, moment: datetime | None
) -> None:
    compiled = Ranker(instance.shelters, instance.now, instance.objective)
    moved = compiled.at(moment)
    fresh = Ranker(instance.shelters, moment, instance.objective)
    for victim in instance.victims:
        assert moved.rank(victim) == fresh.rank(victim)
    # Moving is no change to the ranker it started from (asked before moving it back, which
    # would hide one).
    assert [compiled.rank(v) for v in instance.victims] == [
        Ranker(instance.shelters, instance.now, instance.objective).rank(v)
        for v in instance.victims
    ]
    assert compiled.at(instance.now) is compiled
