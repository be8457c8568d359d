"""Exact plans by min-cost flow, for the transportation case (one place each, no avoid pairs).

Network: every victim supplies one unit, which flows either through an arc to a compatible shelter
(capacity 1, the pair's scaled cost) and on to the sink (capacity = free places, cost 0), or
straight to the sink as "not placed" (cost ``big_m * priority``). Minimising

    sum of placed costs + big_m * (sum of priorities of victims not placed)

is the lexicographic objective exactly, in integers: with ``big_m`` larger than the scaled cost of
any plan (every victim at its dearest option, plus one), one priority point more always outweighs
any cost difference, and among plans with the same priority the cost decides. The flow polytope is
integral, so the optimum is a plan, proven optimal for the rounded costs
(:mod:`engine.solvers.problem`). :func:`engine.solvers.problem.choose_scale` keeps ``3 * big_m``
times the number of nodes within int64, which the cost-scaling algorithm requires.

Large networks (millions of compatible pairs) are solved on each victim's cheapest options first;
pairs left out that have a negative reduced cost are then added until none is left
(:mod:`engine.solvers.pricing`), which proves the optimum over all pairs at a fraction of the
memory and time. Arcs are added in bulk from numpy arrays, never one by one.
"""

from __future__ import annotations

import logging

import numpy as np
from ortools.graph.python import min_cost_flow

from engine.arrays import IntArray
from engine.solvers.pricing import improving_pairs
from engine.solvers.problem import Problem

log = logging.getLogger(__name__)

# Options per victim in the first restricted graph; below this many pairs per victim on average
# the whole graph is solved at once.
CANDIDATES = 12


class FlowError(RuntimeError):
    """The flow solver did not report an optimum (a bug: the network is always feasible)."""


def big_m(problem: Problem) -> int:
    """Cost of one priority point: more than the scaled cost of any plan."""
    return problem.cost_bound + 1


def solve_flow(problem: Problem) -> IntArray:
    """Optimal assignment (victim row -> shelter index, -1 when not placed) of a transport case."""
    if not problem.is_transport:
        raise ValueError("min-cost flow needs single places and no avoid pairs that can meet")
    if len(problem.victim) <= 2 * CANDIDATES * problem.num_victims:
        return solve_restricted(problem, np.arange(len(problem.victim)))
    used = cheapest_options(problem, CANDIDATES)
    for round_ in range(1, problem.num_shelters + 2):
        assignment = solve_restricted(problem, used)
        missing = improving_pairs(problem, used, assignment, big_m(problem))
        log.debug("flow round %d: %d pairs, %d improving", round_, len(used), len(missing))
        if not len(missing):
            return assignment
        used = np.sort(np.concatenate([used, missing]))
    raise FlowError("column generation did not converge")


def cheapest_options(problem: Problem, count: int) -> IntArray:
    """Pair indices of each victim's ``count`` cheapest options (a partial sort per victim)."""
    shelters = problem.num_shelters
    dense = np.full((problem.num_victims, shelters), np.iinfo(np.int64).max, dtype=np.int64)
    dense[problem.victim, problem.shelter] = problem.cost
    count = min(count, shelters)
    best = np.argpartition(dense, count - 1, axis=1)[:, :count]
    rows = np.repeat(np.arange(problem.num_victims), count)
    cols = best.ravel()
    keep = problem.compatible[rows, cols]
    keys = problem.victim * shelters + problem.shelter
    return np.sort(np.searchsorted(keys, rows[keep] * shelters + cols[keep]))


def solve_restricted(problem: Problem, used: IntArray, free: IntArray | None = None) -> IntArray:
    """Optimal assignment using only the pairs ``used`` (indices into the problem's pairs), with
    ``free`` places per shelter (default: the shelters' own).

    Every pair in ``used`` must ask one place; victims without such a pair are left out.
    """
    victims, shelters = problem.num_victims, problem.num_shelters
    sink = victims + shelters
    tails, heads, costs = problem.victim[used], victims + problem.shelter[used], problem.cost[used]

    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.ones(len(used), np.int64), costs
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        victims + np.arange(shelters, dtype=np.int64),
        np.full(shelters, sink, np.int64),
        problem.free if free is None else free,
        np.zeros(shelters, np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(victims, dtype=np.int64),
        np.full(victims, sink, np.int64),
        np.ones(victims, np.int64),
        big_m(problem) * problem.priority,
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:victims] = 1
    supplies[sink] = -victims
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)

    status = flow.solve()
    if status != flow.OPTIMAL:
        raise FlowError(f"min-cost flow returned status {status}")
    chosen = used[flow.flows(pair_arcs) > 0]
    assignment = np.full(victims, -1, dtype=np.int64)
    assignment[problem.victim[chosen]] = problem.shelter[chosen]
    return assignment
