"""The LP relaxation of the general case as a min-cost flow: fast at any size, and a plan to round.

Dropping the avoid pairs and letting a family's places spread over shelters leaves a flow problem:
victim ``v`` supplies ``d_v`` units (1 + children), each unit costs ``cost / d_v`` at a shelter and
``big_m * priority / d_v`` when not placed, and shelters take at most their free places. Its
optimum is the lexicographic LP optimum (``x = units / d_v``), so over all pairs it bounds the
priority placed from above. Unit costs are made integer by scaling with the least common multiple
of the demands.

The relaxation is integral for everyone it places whole; only families get split over the places
left over. :func:`fix_and_round` turns it into a plan by fixing families where the relaxation puts
(most of) them and solving again, so that single victims re-optimise around every family fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from engine.arrays import FloatArray, IntArray
from engine.solvers.flow import FlowError, big_m
from engine.solvers.problem import INT_LIMIT, Problem
from engine.solvers.rounding import round_plan

# Rounds of fixing families before the rest is rounded greedily.
FIX_ROUNDS = 12


@dataclass(frozen=True, eq=False)
class FlowRelaxation:
    """Share ``x`` (units / demand) of each pair in ``used``, the priority placed, and the
    optimum: ``objective / multiple`` is the placed cost plus ``penalty`` per priority point
    left out."""

    used: IntArray
    x: FloatArray
    priority: float
    objective: int
    multiple: int


def relax_by_flow(
    problem: Problem, used: IntArray, free: IntArray | None = None, penalty: int | None = None
) -> FlowRelaxation | None:
    """The relaxation over pairs ``used`` with ``free`` places (default: the shelters' own),
    charging ``penalty`` per priority point left out (default: the big-M of the lexicographic
    objective, :func:`engine.solvers.flow.big_m`; at most that).

    None when its scaled costs would not fit in 64 bits.
    """
    victims, shelters = problem.num_victims, problem.num_shelters
    free = problem.free if free is None else free
    demand = problem.demand
    multiple = math.lcm(*np.unique(demand).tolist()) if victims else 1
    per_unit = multiple // demand  # scale of one unit's share of its victim's cost
    penalty = big_m(problem) if penalty is None else penalty
    if (3 * big_m(problem) * multiple + 1) * (victims + shelters + 2) >= INT_LIMIT:
        return None
    sink = victims + shelters
    victim = problem.victim[used]
    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        victim,
        victims + problem.shelter[used],
        demand[victim],
        problem.cost[used] * per_unit[victim],
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        victims + np.arange(shelters, dtype=np.int64),
        np.full(shelters, sink, np.int64),
        free,
        np.zeros(shelters, np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(victims, dtype=np.int64),
        np.full(victims, sink, np.int64),
        demand,
        penalty * problem.priority * per_unit,
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:victims] = demand
    supplies[sink] = -int(demand.sum())
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise FlowError(f"min-cost flow returned status {status}")
    x = np.asarray(flow.flows(pair_arcs) / demand[victim], dtype=np.float64)
    return FlowRelaxation(
        used=used,
        x=x,
        priority=float(x @ problem.priority[victim]),
        objective=int(flow.optimal_cost()),
        multiple=multiple,
    )


def fix_and_round(problem: Problem, used: IntArray) -> IntArray | None:
    """A plan from the relaxation over ``used``: fix families round by round, then round the rest.

    Each round fixes every family the relaxation places whole, and each split family at the shelter
    holding most of it while it still fits; the next round's relaxation no longer sees them
    (their pairs are dropped, their places taken). None when the costs do not scale.
    """
    free = problem.free.copy()
    fixed = np.full(problem.num_victims, -1, dtype=np.int64)
    family = problem.demand > 1
    relaxation = relax_by_flow(problem, used, free)
    for _ in range(FIX_ROUNDS):
        if relaxation is None:
            return None
        open_pairs = relaxation.used
        shared = (relaxation.x > 1e-9) & family[problem.victim[open_pairs]]
        if not shared.any():
            break
        order = np.lexsort((open_pairs[shared], -relaxation.x[shared]))
        for j in open_pairs[shared][order].tolist():
            v, s = int(problem.victim[j]), int(problem.shelter[j])
            if fixed[v] < 0 and free[s] >= problem.demand[v]:
                fixed[v] = s
                free[s] -= problem.demand[v]
        relaxation = relax_by_flow(problem, used[fixed[problem.victim[used]] < 0], free)
    if relaxation is None:
        return None
    # Everyone else as the last relaxation places them, then avoid pairs and leftovers by rounding.
    weight = np.zeros(len(used))
    weight[np.searchsorted(used, relaxation.used)] = relaxation.x
    weight[fixed[problem.victim[used]] == problem.shelter[used]] = 2.0
    return round_plan(problem, used, weight)
