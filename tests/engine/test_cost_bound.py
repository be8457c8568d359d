"""The flow-only cost bound never exceeds the exact optimum, and given the time it is as strong as
the pair LP's bound (both are the same relaxation); with no time one flow still gives a bound.

Bounds are in the solvers' rounded integer cost units; the oracle's optimal plan, priced in those
units, places the floor, so no valid bound may exceed its cost.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from engine.arrays import compile_instance
from engine.solvers.cost_bound import cost_bound
from engine.solvers.greedy import solve_greedy
from engine.solvers.lp import Floor, relax
from engine.solvers.problem import build_problem
from models.instance import Instance
from tests.engine.optimum import optimal_assignment
from tests.strategies import instances, random_instance

# Float noise the LP solver may leave in its bound, in scaled cost units.
NOISE = 1e-4


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instances(max_victims=25, max_shelters=8))
def test_the_bound_holds_against_the_optimum_and_matches_the_pair_lp(instance: Instance) -> None:
    problem = build_problem(instance, compile_instance(instance))
    assignment, floor = optimal_assignment(instance, problem)

    bound = cost_bound(problem, floor, seconds=60.0)

    assert bound is not None
    assert bound <= problem.plan_cost(assignment)
    if not len(problem.victim):
        return  # nobody can be placed: no LP to compare with
    weights = problem.priority[problem.victim].astype(np.float64)
    pairs = relax(
        problem,
        problem.cost.astype(np.float64),
        np.arange(len(problem.victim)),
        floor=Floor(weights, float(floor)),
    )
    # Whole multipliers reach the LP optimum to within one unit per priority point.
    assert bound >= pairs.bound - int(problem.priority.sum()) - 1 - NOISE


def test_without_time_one_flow_still_gives_a_bound_below_a_plan_and_more_time_tightens_it() -> None:
    instance = random_instance(11, 40, 12)
    problem = build_problem(instance, compile_instance(instance))
    plan = solve_greedy(problem)
    floor = problem.placed_priority(plan)

    first = cost_bound(problem, floor, seconds=0.0)
    best = cost_bound(problem, floor, seconds=60.0)

    assert first is not None
    assert best is not None
    # The greedy plan reaches the floor, so no valid bound lies above its cost.
    assert first <= best <= problem.plan_cost(plan)
