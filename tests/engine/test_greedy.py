"""The baseline behaves like the phone-around practice it models, and never beats the optimum."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import reference
from engine.solve import solve
from engine.validation import plan_violations
from models.instance import Instance
from models.location import distance_km
from models.plan import Plan
from tests.engine.documents import shelter, victim
from tests.oracle import cost_tolerance
from tests.strategies import instances


def _instance(shelters: list[dict[str, Any]], victims: list[dict[str, Any]]) -> Instance:
    return Instance.model_validate(
        {"format": "safeplace.instance/1", "shelters": shelters, "victims": victims}
    )


def _placed(plan: Plan) -> dict[str, str]:
    return {a.victim: a.shelter for a in plan.assignments}


def test_most_urgent_victim_goes_first_whatever_the_order() -> None:
    instance = _instance(
        [shelter("S1", 10, capacity=1)],
        [victim("V1", priority=1), victim("V2", priority=3)],
    )
    assert _placed(solve(instance, method="greedy")) == {"V2": "S1"}


def test_nearest_shelter_wins_even_when_a_farther_one_is_cheaper() -> None:
    instance = _instance(
        [
            shelter("NEAR", 5, capacity=1),
            shelter("FAR", 20, capacity=1, specialisations=["labour"]),
        ],
        [victim("V1", exploitation="labour")],
    )
    greedy = solve(instance, method="greedy")
    optimal = solve(instance)
    assert _placed(greedy) == {"V1": "NEAR"}
    assert _placed(optimal) == {"V1": "FAR"}
    assert greedy.objective.cost > optimal.objective.cost
    assert greedy.status == "feasible"


def test_without_a_location_the_cost_then_the_shelter_id_decide() -> None:
    instance = _instance(
        [
            shelter("S1", 5, capacity=1),
            shelter("S3", 50, capacity=1, languages=["pl"]),
            shelter("S2", 90, capacity=1, languages=["pl"]),
        ],
        [victim("V1", location=None, languages=["pl"])],
    )
    # S1 has the lowest id, but no Polish: of the two that speak it, the lower id.
    assert _placed(solve(instance, method="greedy")) == {"V1": "S2"}


def test_a_full_shelter_is_skipped_and_nobody_is_moved() -> None:
    instance = _instance(
        [shelter("S1", 5, capacity=1), shelter("S2", 30, capacity=1)],
        [victim("V1", priority=3), victim("V2", priority=2, children=1)],
    )
    greedy = solve(instance, method="greedy")
    # V1 takes the nearest place; the family needs two places and finds none left.
    assert _placed(greedy) == {"V1": "S1"}
    assert greedy.unassigned[0].blocked_by == {"capacity": 2, "children": 2}


def test_a_shelter_where_someone_avoided_was_placed_is_skipped_both_ways() -> None:
    instance = _instance(
        [shelter("S1", 5, capacity=4), shelter("S2", 30, capacity=4)],
        [victim("V1", priority=2), victim("V2", avoid=["V1"]), victim("V3")],
    )
    assert _placed(solve(instance, method="greedy")) == {"V1": "S1", "V2": "S2", "V3": "S1"}


def test_a_shelter_is_skipped_where_someone_this_victim_avoids_was_placed_first() -> None:
    instance = _instance(
        [shelter("S1", 5, capacity=4), shelter("S2", 30, capacity=4)],
        [victim("V1", avoid=["V2"]), victim("V2", priority=2)],
    )
    assert _placed(solve(instance, method="greedy")) == {"V1": "S2", "V2": "S1"}


def phone_around(instance: Instance) -> dict[str, str]:
    """The baseline written the obvious way, with the reference rules: by priority, then in
    instance order, each victim to the nearest shelter the rules allow with the places left,
    where nobody they avoid (either way) was placed; ties to the lower cost, then the lower id."""
    weights = instance.objective.model_dump()
    free = {s.id: s.free for s in instance.shelters}
    placed: dict[str, str] = {}
    order = sorted(enumerate(instance.victims), key=lambda row: (-row[1].priority, row[0]))
    for _, person in order:
        avoided = {
            other.id
            for other in instance.victims
            if other.id in person.avoid or person.id in other.avoid
        }
        options = [
            (
                0.0 if person.location is None else distance_km(person.location, place.location),
                reference.cost(person, place, weights),
                place.id,
            )
            for place in instance.shelters
            if not reference.reasons(person, place, instance.now, free=free[place.id])
            and not any(placed.get(other) == place.id for other in avoided)
        ]
        if options:
            best = min(options)[2]
            placed[person.id] = best
            free[best] -= person.places_needed
    return placed


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances(max_victims=15, max_shelters=8), st.randoms(use_true_random=False))
def test_greedy_places_everyone_as_the_phone_around_does(
    instance: Instance, rng: random.Random
) -> None:
    """Against the shelters in any order: the random instances list them by id."""
    shelters = list(instance.shelters)
    rng.shuffle(shelters)
    instance = instance.model_copy(update={"shelters": shelters})
    assert _placed(solve(instance, method="greedy")) == phone_around(instance)


def _not_better(greedy: Plan, optimal: Plan) -> bool:
    g, o = greedy.objective, optimal.objective
    if g.priority_placed != o.priority_placed:
        return g.priority_placed < o.priority_placed
    return g.cost >= o.cost - cost_tolerance(len(optimal.assignments), o.cost)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(instances(max_victims=25, max_shelters=10))
def test_greedy_is_valid_and_never_better_than_the_optimum(instance: Instance) -> None:
    greedy = solve(instance, method="greedy")
    optimal = solve(instance)
    assert plan_violations(instance, greedy) == []
    assert optimal.status == "optimal"
    assert _not_better(greedy, optimal)
