"""A proven lower bound on the cost of reaching a priority, from min-cost flows alone.

Why: on networks with millions of pairs the pair LP (:mod:`engine.solvers.lp`) takes minutes
(102 s on the 5,000 x 2,000 benchmark), so those plans used to come without any cost bound. The
same bound is a Lagrangian of the priority row over the flow relaxation
(:mod:`engine.solvers.relaxed_flow`: families may split, avoid pairs are dropped): for any
``lam >= 0``, charging ``lam`` per priority point left out,

    cost(x) >= cost(x) - lam * (priority(x) - floor) >= min_y [cost(y) - lam * priority(y)]
               + lam * floor = flow optimum - lam * (total priority - floor)

for every plan ``x`` placing at least ``floor``, since every plan is a flow. So every flow gives a
valid bound, whatever ``lam``; the best is where the flow's placed priority crosses ``floor`` (the
bound is concave in ``lam`` with slope ``floor - placed``), found by bisection. On that benchmark
the first flow comes within 0.01 % of the pair LP's bound, 2.06 % below the plan.
"""

from __future__ import annotations

import time

import numpy as np

from engine.solvers.flow import big_m
from engine.solvers.problem import Problem
from engine.solvers.relaxed_flow import relax_by_flow


def cost_bound(problem: Problem, floor: int, *, seconds: float) -> int | None:
    """The highest lower bound found on the scaled cost of any plan placing at least ``floor``
    priority, by one flow and then as many more as start within ``seconds``; None when the
    costs do not fit in 64 bits.

    A flow started runs to its end, the first one whatever ``seconds`` says: the caller leaves
    the time of one flow at least.
    """
    end = time.monotonic() + seconds
    every_pair = np.arange(len(problem.victim))
    total = int(problem.priority.sum())
    low, high = 0, big_m(problem)  # at the big-M the flow places the most priority there is
    # A priority point is worth about one placement at the floor, so the dearest pair is where
    # to start: on the 5,000 x 2,000 benchmark the best multiplier lies within 4 % of it.
    probe = min(int(problem.cost.max(initial=0)), high)
    best: int | None = None
    while best is None or (time.monotonic() < end and high - low > 1):
        relaxation = relax_by_flow(problem, every_pair, penalty=probe)
        if relaxation is None:
            return best
        numerator = relaxation.objective - probe * relaxation.multiple * (total - floor)
        bound = -(-numerator // relaxation.multiple)  # plans cost whole units: round up
        best = bound if best is None else max(best, bound)
        if relaxation.priority >= floor - 1e-9:  # placed is a sum of shares: float noise
            high = probe
        else:
            low = probe
        probe = (low + high) // 2
    return best
