"""A feasible plan near an LP solution: keep its placements that fit, fill the rest greedily.

CP-SAT finds good plans fastest from a good first solution, and the LP optimum is one in all but
a few victims (it is integral except around a handful of full shelters). Rounding keeps the LP's
surest placements first, drops any that would break a place count or meet an avoided person, and
then places the remaining victims, most urgent first, at their cheapest option that still fits.
"""

from __future__ import annotations

import numpy as np

from engine.arrays import FloatArray, IntArray
from engine.solvers.problem import Problem


def round_plan(problem: Problem, columns: IntArray, weight: FloatArray) -> IntArray:
    """A feasible assignment using only pairs ``columns``, preferring those of high ``weight``.

    ``weight`` (one per column, e.g. LP values) orders the first pass; ties go to the cheaper pair.
    """
    neighbours: list[set[int]] = [set() for _ in range(problem.num_victims)]
    for a, b in problem.avoid.tolist():
        neighbours[a].add(b)
        neighbours[b].add(a)
    left = problem.free.copy()
    demand = problem.demand
    assignment = np.full(problem.num_victims, -1, dtype=np.int64)
    guests: list[set[int]] = [set() for _ in range(problem.num_shelters)]

    def place(v: int, s: int) -> bool:
        if assignment[v] >= 0 or left[s] < demand[v] or neighbours[v] & guests[s]:
            return False
        assignment[v] = s
        left[s] -= demand[v]
        guests[s].add(v)
        return True

    first = np.lexsort((problem.cost[columns], -weight))
    for j in columns[first[weight[first] > 0.5]].tolist():
        place(int(problem.victim[j]), int(problem.shelter[j]))
    urgent = np.lexsort((problem.cost[columns], -problem.priority[problem.victim[columns]]))
    for j in columns[urgent].tolist():
        place(int(problem.victim[j]), int(problem.shelter[j]))
    return assignment
