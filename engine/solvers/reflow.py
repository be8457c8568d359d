"""Re-plan everyone who needs one place by min-cost flow, with the families left where they are.

Why: on networks with millions of pairs the neighbourhood search (:mod:`engine.solvers.
neighbourhoods`) moves a few shelters at a time, so it cannot find a chain of moves that runs
across the country: victim A to shelter 2, B from 2 to 7, C from 7 to 12, and so someone left out
gets a place. With every family fixed at its shelter, the single victims alone form a
transportation problem over the places the families leave, which min-cost flow solves exactly
(the contract's order, priority placed first, then cost, as in :mod:`engine.solvers.flow`) in
about two seconds at 5,000 x 2,000. On that benchmark one such flow after the neighbourhood search
placed two more priority points (7,668 of a bound of 7,669 against 7,666) and cost 0.19 % less.

Avoid pairs are what keeps this from being exact: the flow does not see them. A single victim is
never offered a shelter where someone it avoids stays (a family, or anyone not re-planned), and
when the flow puts two single victims who avoid each other at one shelter, the one placed there
at the higher cost loses that option and the flow runs again, a few times at most. The result is
kept only when it breaks no avoid pair and is better in the contract's order.
"""

from __future__ import annotations

import numpy as np

from engine.arrays import IntArray
from engine.solvers.flow import solve_restricted
from engine.solvers.problem import Problem, meets_someone_avoided

# Flows run at most this often to part single victims who avoid each other.
REPAIR_ROUNDS = 4


def reflow_singles(problem: Problem, assignment: IntArray, candidates: IntArray) -> IntArray:
    """``assignment`` with every single victim re-planned over its ``candidates`` pairs (indices
    into the problem's pairs), families where they are; ``assignment`` itself unless that is
    better in the contract's order and keeps every avoid pair apart."""
    single = problem.demand == 1
    stays = (assignment >= 0) & ~single
    taken = np.bincount(assignment[stays], problem.demand[stays], problem.num_shelters)
    free = problem.free - taken.astype(np.int64)
    pairs = candidates[single[problem.victim[candidates]]]
    pairs = pairs[~meets_someone_avoided(problem, assignment, single, pairs)]
    for _ in range(REPAIR_ROUNDS):
        found = solve_restricted(problem, pairs, free)
        found[stays] = assignment[stays]
        clashes = _clashes(problem, found)
        if not len(clashes):
            better = problem.order_key(found) < problem.order_key(assignment)
            return found if better else assignment
        pairs = np.setdiff1d(pairs, clashes)
    return assignment


def _clashes(problem: Problem, assignment: IntArray) -> IntArray:
    """Pairs of victims placed with someone they avoid: of each clash, the dearer of the two."""
    a, b = problem.avoid[:, 0], problem.avoid[:, 1]
    meet = (assignment[a] >= 0) & (assignment[a] == assignment[b])
    if not meet.any():
        return np.zeros(0, dtype=np.int64)
    keys = problem.pair_keys
    pair_a = np.searchsorted(keys, a[meet] * problem.num_shelters + assignment[a[meet]])
    pair_b = np.searchsorted(keys, b[meet] * problem.num_shelters + assignment[b[meet]])
    dearer = np.where(problem.cost[pair_a] >= problem.cost[pair_b], pair_a, pair_b)
    return np.unique(dearer)
