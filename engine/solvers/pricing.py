"""Reduced costs that prove a flow on a subset of the pairs optimal for all of them.

The flow on a restricted graph (each victim's cheapest options) is optimal for the full graph when
no pair left out has a negative reduced cost under node potentials of the restricted optimum, the
classic column-generation argument. OR-Tools does not expose the flow's potentials, so they are
recomputed here as shortest-path distances in the residual graph, which has no negative cycle at an
optimum.

The residual graph is condensed onto shelters and the sink: every victim has exactly one residual
arc in (from its shelter, or from the sink when not placed, at minus that arc's cost), so a path
through a victim from its "home" ``h`` to ``x`` costs ``cost(v, x) - home_cost(v)``, and the
victim's potential is ``d(h) - home_cost(v)``. Bellman-Ford on that graph of ``S + 1`` nodes is a
few vectorised passes.
"""

from __future__ import annotations

import numpy as np

from engine.arrays import IntArray
from engine.solvers.problem import Problem


class PricingError(RuntimeError):
    """Potentials did not converge: the restricted flow was not optimal (a bug)."""


def improving_pairs(problem: Problem, used: IntArray, assignment: IntArray, big_m: int) -> IntArray:
    """Pair indices whose reduced cost is negative for ``assignment`` (all outside ``used``).

    ``used`` are the pair indices of the restricted graph the assignment is optimal for, and
    ``big_m`` the cost per priority point of leaving a victim out (:mod:`engine.solvers.flow`).
    An empty result proves the assignment optimal over every compatible pair.
    """
    shelters = problem.num_shelters
    sink = shelters
    placed = assignment >= 0
    home = np.where(placed, assignment, sink)
    home_cost = big_m * problem.priority
    rows = np.flatnonzero(placed)
    home_cost[rows] = problem.cost[problem.pair_index(assignment)]
    load = np.bincount(assignment[placed], weights=problem.demand[placed], minlength=shelters)

    # Condensed residual arcs: through a victim, via the sink arcs, and a placed victim leaving.
    through = used[problem.shelter[used] != assignment[problem.victim[used]]]
    tails = [home[problem.victim[through]], np.arange(shelters)[load < problem.free]]
    heads = [problem.shelter[through], np.full(int(np.sum(load < problem.free)), sink)]
    weights = [
        problem.cost[through] - home_cost[problem.victim[through]],
        np.zeros(len(heads[1]), dtype=np.int64),
    ]
    tails.append(np.full(int(np.sum(load > 0)), sink))
    heads.append(np.flatnonzero(load > 0))
    weights.append(np.zeros(len(heads[2]), dtype=np.int64))
    tails.append(assignment[rows])
    heads.append(np.full(len(rows), sink))
    weights.append(big_m * problem.priority[rows] - home_cost[rows])
    distance = _shortest_distances(
        shelters + 1, np.concatenate(tails), np.concatenate(heads), np.concatenate(weights)
    )

    # Pairs of the restricted graph have non-negative reduced costs at its optimum, so scanning
    # every pair finds exactly the improving ones left out.
    v = problem.victim
    reduced = problem.cost - home_cost[v] + distance[home[v]] - distance[problem.shelter]
    return np.flatnonzero(reduced < 0)


def _shortest_distances(
    nodes: int, tails: IntArray, heads: IntArray, weights: IntArray
) -> IntArray:
    """Bellman-Ford from a virtual root joined to every node at zero length, vectorised."""
    order = np.argsort(heads, kind="stable")
    tails, heads, weights = tails[order], heads[order], weights[order]
    starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]]) if len(heads) else heads
    targets = heads[starts]
    distance = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes + 1):
        if not len(heads):
            return distance
        best = np.minimum.reduceat(distance[tails] + weights, starts)
        improved = best < distance[targets]
        if not improved.any():
            return distance
        distance[targets[improved]] = best[improved]
    raise PricingError("negative cycle in the residual graph of an optimal flow")
