"""Re-planning the single victims by flow finds chains of moves across the network, keeps families
where they are and avoid pairs apart, never makes a plan worse, and never beats the HiGHS oracle;
without families and avoid pairs it reaches the oracle's optimum from any plan."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings

from engine.arrays import IntArray, compile_instance
from engine.plans import build_plan
from engine.solvers.greedy import solve_greedy
from engine.solvers.problem import Problem, build_problem
from engine.solvers.reflow import reflow_singles
from engine.validation import plan_violations
from models.instance import Instance
from tests.engine.documents import KM, shelter, victim
from tests.oracle import cost_tolerance, solve_oracle
from tests.strategies import instances


def _problem(shelters: list[dict[str, Any]], victims: list[dict[str, Any]]) -> Problem:
    instance = Instance.model_validate(
        {"format": "safeplace.instance/1", "shelters": shelters, "victims": victims}
    )
    return build_problem(instance, compile_instance(instance))


def _everything(problem: Problem) -> IntArray:
    return np.arange(len(problem.victim))


def test_a_chain_of_moves_makes_room_for_someone_left_out() -> None:
    # URGENT fits only A; the woman at A could go to B, the man at B to C: three moves at once.
    problem = _problem(
        [
            shelter("A", 5, capacity=1, genders=["female", "male", "x"]),
            shelter("B", 10, capacity=1, genders=["female", "male", "x"]),
            shelter("C", 15, capacity=1, genders=["male"]),
        ],
        [
            victim("AT-A"),
            victim("AT-B", gender="male"),
            victim("URGENT", gender="x", priority=3, location={"lat": 52.0 - 10 * KM, "lon": 5.0}),
        ],
    )
    # URGENT is ruled out of B and C by gender, so only the chain places them.
    assert set(problem.shelter[problem.victim == 2].tolist()) == {0, 1}
    start = np.array([0, 1, -1], dtype=np.int64)

    assert reflow_singles(problem, start, _everything(problem)).tolist() == [1, 2, 0]


def test_a_family_stays_where_it_is_and_nobody_moves_in_with_someone_they_avoid_there() -> None:
    problem = _problem(
        [
            shelter("NEAR", 5, capacity=4, children=True),
            shelter("FAR", 40, capacity=1),
        ],
        [
            victim("FAMILY", children=2),
            victim("AVOIDS", avoid=["FAMILY"]),
            victim("OTHER"),
        ],
    )
    # The family takes three of NEAR's four places; AVOIDS must not join it there.
    start = np.array([0, -1, -1], dtype=np.int64)

    assert reflow_singles(problem, start, _everything(problem)).tolist() == [0, 1, 0]


def test_two_single_victims_who_avoid_each_other_are_parted() -> None:
    problem = _problem(
        [shelter("NEAR", 5, capacity=2), shelter("FAR", 40, capacity=1)],
        [victim("ONE", avoid=["TWO"]), victim("TWO")],
    )
    # The flow alone would put both at NEAR, the cheapest; one of them must go to FAR.
    start = np.array([-1, -1], dtype=np.int64)

    found = reflow_singles(problem, start, _everything(problem))

    assert sorted(found.tolist()) == [0, 1]


def test_a_plan_that_is_no_better_is_not_taken() -> None:
    problem = _problem(
        [shelter("NEAR", 5, capacity=1), shelter("FAR", 40, capacity=1)],
        [victim("ONE"), victim("TWO")],
    )
    # Both places are taken, and swapping the two costs the same: the start stands.
    start = np.array([1, 0], dtype=np.int64)

    found = reflow_singles(problem, start, _everything(problem))

    assert found is start


def _assert_no_better_than_the_oracle(instance: Instance, found: IntArray) -> None:
    plan = build_plan(instance, compile_instance(instance), found, status="feasible")
    assert plan_violations(instance, plan) == []
    optimum = solve_oracle(instance)
    assert plan.objective.priority_placed <= optimum.priority_placed
    if plan.objective.priority_placed == optimum.priority_placed:
        tolerance = cost_tolerance(len(plan.assignments), optimum.cost)
        assert plan.objective.cost >= optimum.cost - tolerance


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instances(max_victims=30, max_shelters=10))
def test_reflowing_the_greedy_plan_keeps_it_valid_and_families_in_place(
    instance: Instance,
) -> None:
    problem = build_problem(instance, compile_instance(instance))
    greedy = solve_greedy(problem)

    found = reflow_singles(problem, greedy, _everything(problem))

    assert problem.order_key(found) <= problem.order_key(greedy)
    families = problem.demand > 1
    assert found[families].tolist() == greedy[families].tolist()
    _assert_no_better_than_the_oracle(instance, found)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instances(max_victims=30, max_shelters=10, children=False, avoid=False))
def test_without_families_or_avoid_pairs_it_reaches_the_optimum_from_the_empty_plan(
    instance: Instance,
) -> None:
    problem = build_problem(instance, compile_instance(instance))
    empty = np.full(problem.num_victims, -1, dtype=np.int64)

    found = reflow_singles(problem, empty, _everything(problem))

    plan = build_plan(instance, compile_instance(instance), found, status="feasible")
    assert plan_violations(instance, plan) == []
    optimum = solve_oracle(instance)
    assert plan.objective.priority_placed == optimum.priority_placed
    tolerance = cost_tolerance(len(plan.assignments), optimum.cost)
    assert abs(plan.objective.cost - optimum.cost) <= tolerance
