"""A stronger cost bound: every shelter takes a whole set of people that fits its free places.

Why: the pair LP (:mod:`engine.solvers.lp`) may split a family over two shelters, or fill a
shelter with half a family. When families are many and places few, that LP lies 1 % or more
below the true optimum: too weak to prove a plan optimal, and too weak to leave pairs out of the
exact search. Here each shelter picks one *pattern* (a set of victims whose places fit); the LP
over patterns (the Dantzig-Wolfe reformulation of the shelter rows) is as strong as solving every
shelter's knapsack exactly. On the 500 x 200 benchmark with families it closes the gap to the
optimum from 1.1 % to 0.2 %.

Column generation: the master LP (HiGHS) over the patterns found so far; its duals price one new
pattern per shelter, an exact 0/1 knapsack over the shelter's few free places (dynamic
programming over places). As in the pair LP, the bound is not the master's objective but is
recomputed from the duals as a Lagrangian bound, valid at every round whatever GLOP's
tolerances: for any ``pi <= 0`` (victim rows) and ``lam >= 0`` (the priority floor),

    cost(x) >= sum(pi) + lam * floor + sum_s K_s(free_s),
    K_s(c) = min(0, least sum of w_j over patterns at s within c places),
    w_j = cost_j - pi_v(j) - lam * priority_v(j).

It bounds each pair too: a plan that uses pair ``j`` at shelter ``s`` costs at least
``bound + w_j + K_s(free_s - places_j) - K_s(free_s)``, which leaves most pairs out of the exact
search. Avoid pairs are left out of the patterns (a relaxation: the bound stays valid).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from highspy._core import _Highs

from engine.arrays import FloatArray, IntArray
from engine.solvers.lp import Floor, LpError, Relaxation
from engine.solvers.problem import Problem

# A new pattern must improve the master by more than this (scaled cost units) to be added.
TOLERANCE = 1e-6
MAX_ROUNDS = 300
# Weight of the best duals so far in the point priced each round (Wentges smoothing).
SMOOTHING = 0.8


@dataclass(frozen=True, eq=False)
class PatternBound:
    """Lower bounds on the cost: of every plan, and of every plan that uses a given pair."""

    bound: float
    pair_bound: FloatArray  # (P,) no plan using pair j costs less
    rounds: int
    converged: bool  # no pattern left to price in: the bound is the Dantzig-Wolfe optimum


@dataclass(frozen=True, eq=False)
class _Pricing:
    """Each shelter's best pattern under one set of duals, and the bounds those duals give."""

    pi: FloatArray
    lam: float
    patterns: list[IntArray]  # per shelter, the pairs of its best pattern within all its places
    bound: float
    pair_bound: FloatArray


def pattern_bound(
    problem: Problem,
    floor: Floor,
    plan: IntArray,
    start: Relaxation,
    *,
    seconds: float,
) -> PatternBound:
    """Column generation from the patterns of ``plan`` and the pair LP ``start``.

    ``plan`` must reach ``floor``, so that the master LP has a solution from the first round
    (:class:`LpError` when not even the first round is solved). Pricing starts at the pair
    LP's duals, so the bound is never weaker than the pair LP's, and is smoothed towards the
    best duals seen (Wentges), which cuts the rounds of plain column generation here. Stops
    when no pattern prices in, after ``seconds``, or after :data:`MAX_ROUNDS`; the bounds are
    the best seen in any round.
    """
    end = time.monotonic() + seconds
    patterns = _Patterns(problem, floor)
    for s, members in _plan_patterns(problem, plan):
        patterns.add(s, members)
    for j in start.support.tolist():
        patterns.add(int(problem.shelter[j]), np.array([j], dtype=np.int64))

    centre = _price(problem, floor, start.victim_dual, start.floor_dual)
    bound, pair_bound = centre.bound, centre.pair_bound
    for s, members in enumerate(centre.patterns):
        patterns.add(s, members)
    rounds = 0
    converged = False
    while rounds < MAX_ROUNDS and time.monotonic() < end:
        try:
            pi, mu, lam = patterns.duals(end - time.monotonic())
        except LpError:
            if not rounds:
                raise
            break  # out of time mid-solve: the bounds of the rounds before stand
        rounds += 1
        smoothed = _price(
            problem,
            floor,
            SMOOTHING * centre.pi + (1 - SMOOTHING) * pi,
            SMOOTHING * centre.lam + (1 - SMOOTHING) * lam,
        )
        priced = [smoothed]
        added = patterns.add_improving(smoothed, pi, mu, lam)
        if not added:  # the smoothed point may misprice: the master's own duals decide
            priced.append(_price(problem, floor, pi, lam))
            added = patterns.add_improving(priced[-1], pi, mu, lam)
        for pricing in priced:
            pair_bound = np.maximum(pair_bound, pricing.pair_bound)
            if pricing.bound > bound:
                bound, centre = pricing.bound, pricing
        if not added:
            converged = True
            break
    return PatternBound(bound, pair_bound, rounds, converged)


class _Patterns:
    """The master LP and its columns: distinct (shelter, set of pairs) patterns.

    HiGHS solves it, warm-started from the previous round's basis as columns come in: this
    master is highly degenerate, and GLOP, solving each round afresh, needed more than ten times
    as long on the 500 x 200 benchmark (18 s against 1.4 s).
    """

    def __init__(self, problem: Problem, floor: Floor) -> None:
        self.problem = problem
        self.floor = floor
        self.seen: set[tuple[int, ...]] = set()
        # The bare binding: highspy.Highs() prints a banner to standard output on construction,
        # which would corrupt a plan written there; this one stays silent once told before use.
        self.highs = _Highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("threads", 1)
        rows = problem.num_victims + problem.num_shelters
        empty = np.zeros(rows + 1, dtype=np.int32)
        lower = np.r_[np.full(rows, -highspy.kHighsInf), floor.value]
        upper = np.r_[np.ones(rows), highspy.kHighsInf]
        self.highs.addRows(rows + 1, lower, upper, 0, empty, empty[:0], np.zeros(0))

    def add(self, s: int, members: IntArray) -> int:
        """Add a pattern unless it is empty or known; 1 when added, else 0."""
        key = (s, *sorted(members.tolist()))
        if not len(members) or key in self.seen:
            return 0
        self.seen.add(key)
        problem = self.problem
        victims, shelters = problem.num_victims, problem.num_shelters
        rows = np.r_[problem.victim[members], victims + s, victims + shelters].astype(np.int32)
        values = np.r_[np.ones(len(members)), 1.0, self.floor.weights[members].sum()]
        cost = float(problem.cost[members].sum())
        self.highs.addCol(cost, 0.0, 1.0, len(rows), rows, values)
        return 1

    def add_improving(self, pricing: _Pricing, pi: FloatArray, mu: FloatArray, lam: float) -> int:
        """Add the priced patterns that improve the master at its duals; how many were added."""
        problem = self.problem
        added = 0
        for s, members in enumerate(pricing.patterns):
            if not len(members):
                continue
            reduced = float(
                (problem.cost[members] - pi[problem.victim[members]]).sum()
                - lam * self.floor.weights[members].sum()
                - mu[s]
            )
            if reduced < -TOLERANCE:
                added += self.add(s, members)
        return added

    def duals(self, seconds: float) -> tuple[FloatArray, FloatArray, float]:
        """Duals of the master LP: per victim (<= 0), per shelter (<= 0) and of the floor (>= 0)."""
        self.highs.setOptionValue("time_limit", max(seconds, 0.01))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise LpError(f"pattern LP not solved: {self.highs.modelStatusToString(status)}")
        dual = np.asarray(self.highs.getSolution().row_dual, dtype=np.float64)
        victims, shelters = self.problem.num_victims, self.problem.num_shelters
        pi = np.minimum(dual[:victims], 0.0)
        mu = np.minimum(dual[victims : victims + shelters], 0.0)
        return pi, mu, max(float(dual[-1]), 0.0)


def _plan_patterns(problem: Problem, plan: IntArray) -> list[tuple[int, IntArray]]:
    """The pattern each shelter takes in ``plan``: its placed victims' pairs."""
    index = problem.pair_index(plan)
    shelters = problem.shelter[index]
    return [(int(s), index[shelters == s]) for s in np.unique(shelters).tolist()]


def _price(problem: Problem, floor: Floor, pi: FloatArray, lam: float) -> _Pricing:
    """Every shelter's best pattern at duals ``pi`` and ``lam``, and the bounds they give."""
    weight = problem.cost - pi[problem.victim] - lam * floor.weights
    free = problem.free
    places = problem.demand[problem.victim]
    best = np.zeros((problem.num_shelters, int(free.max(initial=0)) + 1))
    patterns = [np.zeros(0, dtype=np.int64) for _ in range(problem.num_shelters)]
    negative = _candidates(problem, weight, places)
    cuts = np.flatnonzero(np.diff(problem.shelter[negative])) + 1
    for items in np.split(negative, cuts) if len(negative) else []:
        s = int(problem.shelter[items[0]])
        best[s, : free[s] + 1], chosen = _knapsack(weight[items], places[items], int(free[s]))
        patterns[s] = items[chosen]
    full = best[np.arange(problem.num_shelters), free]
    bound = float(pi.sum() + lam * floor.value + full.sum())
    shelter = problem.shelter
    pair_bound = bound + weight + best[shelter, free[shelter] - places] - full[shelter]
    return _Pricing(pi, lam, patterns, bound, pair_bound)


def _candidates(problem: Problem, weight: FloatArray, places: IntArray) -> IntArray:
    """Pairs that can be in a shelter's best pattern, sorted by shelter.

    Only negative weights help, and of the pairs that take ``d`` places at a shelter with ``c``
    free, at most ``c // d`` fit, so only that many most negative ones can be in the best
    pattern (any other swaps for a better one of the same size). This keeps the knapsacks tiny
    however many pairs the duals make negative.
    """
    negative = np.flatnonzero(weight < 0.0)
    shelter, size = problem.shelter[negative], places[negative]
    order = np.lexsort((weight[negative], size, shelter))
    group = shelter[order] * (int(size.max(initial=0)) + 1) + size[order]
    first = np.searchsorted(group, group, side="left")
    rank = np.arange(len(order)) - first
    kept = order[rank < problem.free[shelter[order]] // size[order]]
    return negative[kept]


def _knapsack(weight: FloatArray, size: IntArray, capacity: int) -> tuple[FloatArray, IntArray]:
    """Least total weight within each capacity 0..``capacity`` (0/1 items), and the best set.

    ``best[c]`` never increases with ``c`` (the empty set is always allowed).
    """
    best = np.zeros(capacity + 1)
    taken = np.zeros((len(weight), capacity + 1), dtype=np.bool_)
    for i, (w, d) in enumerate(zip(weight.tolist(), size.tolist(), strict=True)):
        if d > capacity:
            continue
        candidate = best[: capacity + 1 - d] + w  # a new array: each item counts once
        better = candidate < best[d:]
        taken[i, d:] = better
        best[d:] = np.where(better, candidate, best[d:])
    chosen: list[int] = []
    c = capacity
    for i in range(len(weight) - 1, -1, -1):
        if taken[i, c]:
            chosen.append(i)
            c -= int(size[i])
    return best, np.array(chosen[::-1], dtype=np.int64)
