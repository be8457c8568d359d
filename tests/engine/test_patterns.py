"""The pattern LP's bounds hold against the exact optimum and are never weaker than the pair LP's.

Bounds are in the solvers' rounded integer cost units; the oracle's optimal plan, priced in those
units, is a plan that reaches the priority floor, so no valid bound may exceed its cost. The
knapsack behind the pricing is checked against brute force.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.arrays import compile_instance
from engine.solvers.lp import Floor, relax
from engine.solvers.patterns import _knapsack, pattern_bound
from engine.solvers.problem import build_problem
from models.instance import Instance
from tests.engine.optimum import optimal_assignment
from tests.strategies import instances, random_instance

# Float noise the LP solvers may leave in a bound, in scaled cost units.
NOISE = 1e-4


def _check_bounds(instance: Instance) -> tuple[float, float]:
    """Pair LP and pattern LP bounds, after checking both against the optimal plan."""
    problem = build_problem(instance, compile_instance(instance))
    assignment, priority = optimal_assignment(instance, problem)
    floor = Floor(problem.priority[problem.victim].astype(np.float64), float(priority))
    pairs = relax(
        problem, problem.cost.astype(np.float64), np.arange(len(problem.victim)), floor=floor
    )
    patterns = pattern_bound(problem, floor, assignment, pairs, seconds=30.0)
    used = problem.pair_index(assignment)
    optimum = float(problem.cost[used].sum())
    assert patterns.converged
    assert pairs.bound - NOISE <= patterns.bound <= optimum + NOISE
    assert np.all(patterns.pair_bound[used] <= optimum + NOISE)
    return pairs.bound, patterns.bound


@settings(max_examples=40, deadline=None, derandomize=True)
@given(instances(max_victims=25, max_shelters=8))
def test_pattern_bounds_never_exceed_the_optimum_nor_fall_below_the_pair_lp(
    instance: Instance,
) -> None:
    problem = build_problem(instance, compile_instance(instance))
    if not len(problem.victim):
        return  # nobody can be placed: there is nothing to bound
    _check_bounds(instance)


@pytest.mark.parametrize("seed", [3, 7, 11])
def test_pattern_bound_is_tighter_than_the_pair_lp_where_families_crowd_small_shelters(
    seed: int,
) -> None:
    instance = random_instance(seed, 80, 30, density=0.6)
    pairs_bound, patterns_bound = _check_bounds(instance)
    assert patterns_bound > pairs_bound + 1.0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.tuples(st.integers(-50, 20), st.integers(1, 4)), max_size=8),
    st.integers(0, 9),
)
def test_knapsack_finds_the_least_weight_within_every_capacity(
    items: list[tuple[int, int]], capacity: int
) -> None:
    weight = np.array([w for w, _ in items], dtype=np.float64)
    size = np.array([d for _, d in items], dtype=np.int64)
    best, chosen = _knapsack(weight, size, capacity)
    for c in range(capacity + 1):
        brute = min(
            (
                float(weight[list(subset)].sum())
                for r in range(len(items) + 1)
                for subset in itertools.combinations(range(len(items)), r)
                if int(size[list(subset)].sum()) <= c
            ),
        )
        assert best[c] == pytest.approx(brute)
    assert int(size[chosen].sum()) <= capacity
    assert float(weight[chosen].sum()) == pytest.approx(best[capacity])
