"""The baseline behaves like the phone-around practice it models, and never beats the optimum."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from engine.solve import solve
from engine.validation import plan_violations
from models.instance import Instance
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
            shelter("S3", 5, capacity=1),
            shelter("S2", 50, capacity=1, languages=["pl"]),
            shelter("S1", 90, capacity=1, languages=["pl"]),
        ],
        [victim("V1", location=None, languages=["pl"])],
    )
    assert _placed(solve(instance, method="greedy")) == {"V1": "S1"}


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
