"""The large networks' search, held to the HiGHS oracle on small random instances.

Whatever the turns of flows and neighbourhoods reach, the plan must keep every hard rule (checked
by the slow reference rules), be no worse than the greedy plan it starts from, and carry bounds
that the true optimum does not break: no plan places more priority than the bound, and at the
optimum's level none costs less than the cost bound.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from engine.arrays import compile_instance
from engine.plans import build_plan
from engine.solvers.greedy import solve_greedy
from engine.solvers.large import solve_large
from engine.solvers.problem import build_problem
from engine.solvers.search import Clock
from engine.validation import plan_violations
from models.instance import Instance
from tests.engine.optimum import optimal_assignment
from tests.strategies import instances, random_instance


@settings(max_examples=30, deadline=None, derandomize=True)
@given(instances(max_victims=30, max_shelters=10))
def test_the_plan_is_valid_no_worse_than_greedy_and_its_bounds_hold(instance: Instance) -> None:
    _check(instance, seconds=5.0)


@pytest.mark.parametrize("seed", range(20))
def test_with_no_time_the_rounded_plan_and_the_priority_bound_still_hold(seed: int) -> None:
    """No time for the search: the plan is rounding's, short of the optimum on some of these
    instances (seeds 5, 7 and 16), which is where a priority bound that is too low would show."""
    _check(random_instance(seed, 40, 12), seconds=0.0)


def _check(instance: Instance, *, seconds: float) -> None:
    pairs = compile_instance(instance)
    problem = build_problem(instance, pairs)
    greedy = solve_greedy(problem)
    everyone = int(problem.priority[np.unique(problem.victim)].sum())

    outcome = solve_large(problem, greedy, everyone, Clock(seconds))

    plan = build_plan(instance, pairs, outcome.assignment, status="feasible")
    assert plan_violations(instance, plan) == []
    assert problem.order_key(outcome.assignment) <= problem.order_key(greedy)
    assert not outcome.optimal
    optimum, optimum_priority = optimal_assignment(instance, problem)
    placed = problem.placed_priority(outcome.assignment)
    assert placed <= optimum_priority <= outcome.priority_bound <= everyone
    if seconds:  # a few hundred pairs: the flows' cost bound always fits in the time
        assert outcome.cost_bound is not None
    if outcome.cost_bound is not None and placed == optimum_priority:
        assert (
            outcome.cost_bound
            <= problem.plan_cost(optimum)
            <= problem.plan_cost(outcome.assignment)
        )
