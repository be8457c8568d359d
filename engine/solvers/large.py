"""Networks with millions of pairs: the flow relaxation, its rounding, then search in turns.

Why not the LP-guided CP-SAT search (:mod:`engine.solvers.cpsat`): above
:data:`engine.solvers.cpsat.LARGE` pairs GLOP alone needs longer than the time limit, and CP-SAT
over each victim's cheapest options (30k pairs on the 5,000 x 2,000 benchmark) lowered the cost by
0.01 % in 12 s. Min-cost flows, which take a few seconds over every pair, do the heavy lifting
here instead: they bound the priority, give the first plan, re-plan the single victims and bound
the cost (:mod:`engine.solvers.cost_bound`).
"""

from __future__ import annotations

import math
import time

import numpy as np

from engine.arrays import IntArray
from engine.solvers import neighbourhoods
from engine.solvers.cost_bound import cost_bound
from engine.solvers.flow import cheapest_options
from engine.solvers.problem import Problem
from engine.solvers.reflow import reflow_singles
from engine.solvers.relaxed_flow import fix_and_round, relax_by_flow
from engine.solvers.search import MIN_SECONDS, Clock, Outcome, better

# Options per victim the rounding may choose from.
ROUND_OPTIONS = 12
# Time kept for the cost bound (:mod:`engine.solvers.cost_bound`): three flows (the first is
# within 0.01 % of the best bound on the 5,000 x 2,000 benchmark), but at most this share of the
# time left after rounding, so that a short limit leaves it all to the search.
BOUND_FLOWS = 3
BOUND_SHARE = 0.25


def solve_large(problem: Problem, best: IntArray, priority_bound: int, clock: Clock) -> Outcome:
    """The best plan found within ``clock``, from ``best`` (the greedy plan) on, with the bounds
    proven; ``priority_bound`` is the bound known before (everyone with an option placed).

    The flow relaxation (families may split) bounds the priority and its fix-and-round gives a
    plan that is whole for nearly everyone; the neighbourhood search
    (:mod:`engine.solvers.neighbourhoods`) raises the priority placed where rounding packed
    families badly, then lowers the cost, a few shelters at a time; re-planning every single
    victim by flow (:mod:`engine.solvers.reflow`) makes the moves that run across the whole
    network. Each finds what the other cannot, so they take turns while the time lasts and
    either still improves. The flows' cost bound, as strong as the pair LP's, comes last.
    """
    every_pair = np.arange(len(problem.victim))
    started = time.monotonic()
    relaxation = relax_by_flow(problem, every_pair)
    # One flow over every pair: what a single-victim flow will cost, near enough.
    flow_seconds = time.monotonic() - started
    used = cheapest_options(problem, ROUND_OPTIONS)
    if relaxation is not None:
        priority_bound = math.floor(relaxation.priority + 1e-6)
        used = np.union1d(relaxation.used[relaxation.x > 0], used)
        rounded = fix_and_round(problem, used)
        if rounded is not None:
            best = better(problem, best, rounded)
    used = np.union1d(used, problem.pair_index(best))
    # The cost bound's flows come last, in a share of the time that leaves the search the most
    # (with room for a search step running over its time: on small networks a flow takes
    # milliseconds); a share too short for one flow in it is left to the search.
    reserve = min(max(BOUND_FLOWS * flow_seconds, MIN_SECONDS), BOUND_SHARE * clock.left())
    if reserve < 2 * flow_seconds:
        reserve = 0.0
    while True:
        left = clock.left() - reserve
        if left <= flow_seconds + MIN_SECONDS:  # no time for another flow
            best = neighbourhoods.improve(problem, best, used, seconds=max(left, 0.0))
            break
        reflowed = reflow_singles(problem, best, every_pair)
        used = np.union1d(used, problem.pair_index(reflowed))
        # Half of what is left after another flow, so that the turns go on while they pay.
        seconds = max((clock.left() - reserve - flow_seconds) / 2, 0.0)
        improved = neighbourhoods.improve(problem, reflowed, used, seconds=seconds)
        if problem.order_key(improved) == problem.order_key(best):
            break
        best = improved
    placed = problem.placed_priority(best)
    lower = None
    # The time kept is for this, even when a search step ran over into it; without it, only a
    # flow that still fits runs.
    if reserve or clock.left() > flow_seconds + MIN_SECONDS:
        lower = cost_bound(problem, placed, seconds=clock.left() - flow_seconds)
    return Outcome(best, False, max(priority_bound, placed), lower)
