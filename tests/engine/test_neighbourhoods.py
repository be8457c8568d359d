"""The neighbourhood search only ever improves a plan, keeps it valid, and finds the moves rounding
misses; its plans never beat the exact optimum of the HiGHS oracle."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from engine.arrays import IntArray, compile_instance
from engine.plans import build_plan
from engine.solvers.greedy import solve_greedy
from engine.solvers.neighbourhoods import improve
from engine.solvers.problem import Problem, build_problem
from engine.validation import plan_violations
from models.instance import Instance
from tests.engine.documents import KM, shelter, victim
from tests.oracle import cost_tolerance, solve_oracle
from tests.strategies import instances


def _key(problem: Problem, assignment: IntArray) -> tuple[int, int]:
    priority = int(problem.priority[assignment >= 0].sum())
    return -priority, int(problem.cost[problem.pair_index(assignment)].sum())


def test_a_family_left_out_gets_the_places_two_singles_can_leave() -> None:
    instance = Instance.model_validate(
        {
            "format": "safeplace.instance/1",
            "shelters": [
                shelter("NEAR", 5, capacity=3, children=True),
                shelter("FAR", 40, capacity=2, children=False),
            ],
            "victims": [
                victim("SINGLE-1"),
                victim("SINGLE-2"),
                victim("FAMILY", children=2, priority=3),
            ],
        }
    )
    problem = build_problem(instance, compile_instance(instance))
    # The plan a rounding could leave: both singles at the near shelter, the family nowhere.
    left_out = np.array([0, 0, -1], dtype=np.int64)

    improved = improve(problem, left_out, np.arange(len(problem.victim)), seconds=10.0)

    assert improved.tolist() == [1, 1, 0]


def test_a_victim_placed_far_away_swaps_into_a_near_shelter_when_nobody_is_left_out() -> None:
    instance = Instance.model_validate(
        {
            "format": "safeplace.instance/1",
            "shelters": [
                shelter("NEAR", 5, capacity=1),
                shelter("MIDDLE", 12, capacity=1),
                shelter("FAR", 60, capacity=1),
            ],
            "victims": [
                victim("SOUTH"),
                victim("NORTH", location={"lat": 52.0 + 10 * KM, "lon": 5.0}),
            ],
        }
    )
    problem = build_problem(instance, compile_instance(instance))
    # SOUTH 60 km away while NORTH takes the shelter 5 km from SOUTH (and 5 km from NORTH).
    start = np.array([2, 0], dtype=np.int64)

    improved = improve(problem, start, np.arange(len(problem.victim)), seconds=10.0)

    assert improved.tolist() == [0, 1]


def test_nobody_moves_in_with_someone_they_avoid_who_stays_put() -> None:
    instance = Instance.model_validate(
        {
            "format": "safeplace.instance/1",
            "shelters": [
                shelter("NEAR", 5, capacity=1, genders=["female", "male"]),
                shelter("WOMEN", 20, capacity=2, genders=["female"]),
            ],
            "victims": [
                victim("STAYS"),
                victim("AVOIDS", avoid=["STAYS"]),
                victim("URGENT", gender="male", priority=3),
            ],
        }
    )
    problem = build_problem(instance, compile_instance(instance))
    # URGENT fits only NEAR, where AVOIDS is; AVOIDS could only move in with STAYS.
    start = np.array([1, 0, -1], dtype=np.int64)

    improved = improve(problem, start, np.arange(len(problem.victim)), seconds=10.0)

    assert improved.tolist() == [1, -1, 0]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instances(max_victims=30, max_shelters=10))
def test_improving_the_greedy_plan_keeps_it_valid_and_never_beats_the_optimum(
    instance: Instance,
) -> None:
    pairs = compile_instance(instance)
    problem = build_problem(instance, pairs)
    greedy = solve_greedy(problem)

    improved = improve(problem, greedy, np.arange(len(problem.victim)), seconds=10.0)

    plan = build_plan(instance, pairs, improved, status="feasible")
    assert plan_violations(instance, plan) == []
    assert _key(problem, improved) <= _key(problem, greedy)
    optimum = solve_oracle(instance)
    assert plan.objective.priority_placed <= optimum.priority_placed
    if plan.objective.priority_placed == optimum.priority_placed:
        assert plan.objective.cost >= optimum.cost - cost_tolerance(
            len(plan.assignments), optimum.cost
        )


@pytest.mark.parametrize("seconds", [0.0, -1.0])
def test_no_time_leaves_the_plan_as_it_was(seconds: float) -> None:
    instance = Instance.model_validate(
        {
            "format": "safeplace.instance/1",
            "shelters": [shelter("S1", 5, capacity=1)],
            "victims": [victim("V1"), victim("V2", priority=3)],
        }
    )
    problem = build_problem(instance, compile_instance(instance))
    start = np.array([0, -1], dtype=np.int64)

    assert improve(problem, start, np.arange(len(problem.victim)), seconds=seconds).tolist() == [
        0,
        -1,
    ]
