"""The baseline: today's phone-around practice, one victim at a time, nearest open shelter first.

Victims are handled by priority (acute danger first), then in instance order, and each goes to the
nearest shelter that may take them and still has room for them and their children, skipping a
shelter where someone they must avoid was just placed. Ties go to the lower cost, then to the lower
shelter id. Nobody is ever moved to make room for someone else, which is exactly what an optimiser
adds: comparing the two shows what coordination gains.
"""

from __future__ import annotations

import numpy as np

from engine.arrays import IntArray
from engine.solvers.problem import Problem


def solve_greedy(problem: Problem) -> IntArray:
    """Greedy assignment (victim row -> shelter index, -1 when not placed)."""
    pairs = problem.pairs
    victims = problem.num_victims
    id_rank = np.argsort(np.argsort(np.array(pairs.shelters.ids, dtype=object), kind="stable"))
    neighbours: list[list[int]] = [[] for _ in range(victims)]
    for a, b in problem.avoid.tolist():
        neighbours[a].append(b)
        neighbours[b].append(a)

    left = problem.free.copy()
    demand = problem.demand
    assignment = np.full(victims, -1, dtype=np.int64)
    order = np.lexsort((np.arange(victims), -problem.priority))
    for v in order.tolist():
        options = np.flatnonzero(problem.compatible[v] & (left >= demand[v]))
        taken = [int(assignment[w]) for w in neighbours[v] if assignment[w] >= 0]
        if taken:
            options = options[~np.isin(options, taken)]
        if not len(options):
            continue
        cost = pairs.cost[v, options]
        # Without a location every shelter is equally near: the cost alone decides.
        distance = pairs.distance_km[v, options] if pairs.victims.has_location[v] else cost * 0
        best = int(options[np.lexsort((id_rank[options], cost, distance))[0]])
        assignment[v] = best
        left[best] -= demand[v]
    return assignment
