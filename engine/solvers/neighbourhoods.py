"""Large-neighbourhood search: free the shelters around someone left out and re-plan them exactly.

Why: on networks with millions of pairs the plan comes from rounding the flow relaxation
(:mod:`engine.solvers.relaxed_flow`), which splits families over shelters. Rounding then leaves
out urgent families that a different packing of a few shelters would take in, and CP-SAT over
tens of thousands of pairs does not find those moves in its time (on the 5,000 x 2,000 benchmark
with families, ten seconds of it raised the priority placed by nothing and lowered the cost by
0.01 %; in the same time this search raises the priority from rounding's 7,660 to 7,666 of a
bound of 7,669 and lowers the cost as well).

The first pass starts a neighbourhood from each victim who is not placed, most urgent first; the
passes after it from each victim placed above the cost of their cheapest option, furthest above
first (the same moves, now making the plan cheaper). A neighbourhood is the seed's cheapest
shelters, everyone placed there and the other unplaced victims who could go there. Everyone else
stays where they are; the victims of the neighbourhood are re-planned over their candidate pairs
with the places the others leave, by CP-SAT, to the contract's order (priority placed first, then
cost: one weighted objective, exact because the weight of a priority point exceeds the cost of
every pair in the model). The current plan is the hint, so a neighbourhood never makes the plan
worse; a plan found better on both levels in that order is kept.

Each neighbourhood is solved deterministically (:func:`engine.solvers.cpmodel.run`), but how many
are tried is up to the wall clock: on a busier machine the same input can end with another plan.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from engine.arrays import IntArray
from engine.solvers import cpmodel
from engine.solvers.problem import Problem, meets_someone_avoided

log = logging.getLogger(__name__)

# Cheapest shelters of the victim a neighbourhood starts from that it frees.
SHELTERS = 6
# Most other victims left out that a neighbourhood may take in besides the one it starts from.
OTHERS = 50
# Longest search per neighbourhood (they are small: a few hundred pairs at most).
SECONDS_EACH = 1.0


def improve(
    problem: Problem, assignment: IntArray, candidates: IntArray, *, seconds: float
) -> IntArray:
    """A plan at least as good as ``assignment``, searching neighbourhoods for ``seconds``.

    ``candidates`` are the pairs (indices into the problem's, sorted) a neighbourhood may use;
    ``assignment``'s own pairs must be among them. The first pass starts a neighbourhood from
    each victim left out, in order of priority (highest first), then of places needed (fewest
    first), then of row; the passes after it from each victim placed, furthest above their
    cheapest option first, until a pass improves nothing or the time is up.
    """
    end = time.monotonic() + seconds
    options = _Options(candidates, problem)
    order = np.lexsort((problem.demand, -problem.priority))
    seeds = [v for v in order.tolist() if assignment[v] < 0 and len(options.of(v))]
    best, improved = _search(problem, assignment, options, seeds, end)
    passes = 1
    while time.monotonic() < end:
        seeds = _displaced(problem, best, options)
        best, improved_now = _search(problem, best, options, seeds, end)
        improved += improved_now
        passes += 1
        if not improved_now:
            break
    log.debug(
        "neighbourhoods: %d passes, %d improvements; priority placed %d -> %d, cost %d -> %d",
        passes,
        improved,
        problem.placed_priority(assignment),
        problem.placed_priority(best),
        problem.plan_cost(assignment),
        problem.plan_cost(best),
    )
    return best


def _search(
    problem: Problem, assignment: IntArray, options: _Options, seeds: list[int], end: float
) -> tuple[IntArray, int]:
    """One pass over ``seeds`` until ``end``: the best plan found, and how often it improved."""
    best = assignment
    improved = 0
    for seed in seeds:
        left = end - time.monotonic()
        if left <= 0:
            break
        if assignment[seed] < 0 <= best[seed]:
            continue  # left out when the pass began, placed by a neighbourhood since
        members = _neighbourhood(problem, best, options, seed)
        found = _replan(problem, best, options, members, seconds=min(left, SECONDS_EACH))
        if found is not None:
            best = found
            improved += 1
    return best, improved


def _displaced(problem: Problem, assignment: IntArray, options: _Options) -> list[int]:
    """Victims placed above the cost of their cheapest option, the furthest above first."""
    placed = np.flatnonzero(assignment >= 0)
    above = problem.cost[problem.pair_index(assignment)] - options.cheapest[placed]
    order = np.lexsort((placed, -above))
    return [int(v) for v in placed[order[above[order] > 0]]]


class _Options:
    """Each victim's candidate pairs (indices into the problem's pairs)."""

    def __init__(self, candidates: IntArray, problem: Problem) -> None:
        self.pairs = candidates
        rows = np.arange(problem.num_victims + 1)
        self.starts = np.searchsorted(problem.victim[candidates], rows)
        # Each victim's cheapest candidate cost (0 without candidates); the victims' pairs are
        # consecutive, so one reduction per victim that has any does it.
        has = np.diff(self.starts) > 0
        self.cheapest = np.zeros(problem.num_victims, dtype=np.int64)
        if has.any():
            cost = problem.cost[candidates]
            self.cheapest[has] = np.minimum.reduceat(cost, self.starts[:-1][has])

    def of(self, victim: int) -> IntArray:
        """The candidate pairs of ``victim``."""
        found: IntArray = self.pairs[self.starts[victim] : self.starts[victim + 1]]
        return found


def _neighbourhood(
    problem: Problem, assignment: IntArray, options: _Options, seed: int
) -> IntArray:
    """The victims re-planned around ``seed``: it, everyone at its cheapest shelters, and the
    most urgent others left out who could go there."""
    own = options.of(seed)
    shelters = problem.shelter[own[np.argsort(problem.cost[own], kind="stable")[:SHELTERS]]]
    placed_there = np.flatnonzero(np.isin(assignment, shelters))
    near = options.pairs[np.isin(problem.shelter[options.pairs], shelters)]
    waiting = np.unique(problem.victim[near])
    waiting = waiting[(assignment[waiting] < 0) & (waiting != seed)]
    waiting = waiting[np.lexsort((waiting, -problem.priority[waiting]))[:OTHERS]]
    members: IntArray = np.unique(np.r_[seed, placed_there, waiting])
    return members


def _replan(
    problem: Problem, assignment: IntArray, options: _Options, members: IntArray, *, seconds: float
) -> IntArray | None:
    """``assignment`` with ``members`` re-planned best over their candidate pairs, everyone else
    where they are; None unless that is better (in the contract's order) than ``assignment``.

    The weighted objective orders plans of the neighbourhood as the contract orders whole plans
    (everyone else is the same in both), so comparing it with the hint's value decides."""
    inside = np.zeros(problem.num_victims, dtype=np.bool_)
    inside[members] = True
    fixed = np.flatnonzero((assignment >= 0) & ~inside)
    taken = np.bincount(assignment[fixed], problem.demand[fixed], problem.num_shelters)
    free = problem.free - taken.astype(np.int64)

    pairs = np.concatenate([options.of(v) for v in members.tolist()])
    pairs = pairs[problem.demand[problem.victim[pairs]] <= free[problem.shelter[pairs]]]
    pairs = pairs[~meets_someone_avoided(problem, assignment, inside, pairs)]
    if not len(pairs):
        return None

    pair_victim = problem.victim[pairs]
    cost = problem.cost[pairs]
    point = int(cost.sum()) + 1  # a priority point outweighs every cost the model can add
    objective = cost - point * problem.priority[pair_victim]
    current = (assignment[pair_victim] == problem.shelter[pairs]).astype(np.int64)
    model = cpmodel.build_model(problem, pairs, free)
    cpmodel.set_objective(model, objective)
    cpmodel.set_hint(model, current)
    run = cpmodel.run(model, seconds)
    if run.values is None or int(objective @ run.values) >= int(objective @ current):
        return None
    found = assignment.copy()
    found[members] = -1
    chosen = pairs[run.values > 0]
    found[problem.victim[chosen]] = problem.shelter[chosen]
    return found
