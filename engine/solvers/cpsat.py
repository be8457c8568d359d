"""The general case (children, avoid pairs): LP bounds first, then CP-SAT on the pairs that matter.

Plain CP-SAT over every compatible pair is slow to find the best priority level (it barely improves
on a rounded plan when places are scarce) and slower to prove the cost optimal, because its own
bound is weak. The LP relaxation is much stronger: integral on realistic waiting lists (the sample
network), a few percent off only when families must be packed into scarce places. So the search
is driven by relaxations (:mod:`engine.solvers.lp`, GLOP, with pricing):

1. Stage 1 relaxation (maximise priority) gives an upper bound ``T`` on the priority placed.
   Its rounding, the flow relaxation's fix-and-round (:mod:`engine.solvers.relaxed_flow`) and the
   greedy plan give the first plans.
2. Stage 2 relaxation (minimise cost with priority at least ``T``) gives a lower bound on the cost
   and a reduced cost ``d_j`` per pair: a plan using pair ``j`` costs at least ``bound + d_j``.
   A rounded stage-2 optimum that reaches ``T`` at the bound is optimal without any search.
3. CP-SAT solves the lexicographic second stage (priority at least ``T``, minimise the cost) over
   the pairs the LP uses plus each victim's best pairs by reduced cost (all pairs of small
   instances), warm-started from the best plan. When victims bring children, the first plan
   reaching the target (a rounded one, else CP-SAT's first) starts the pattern LP
   (:mod:`engine.solvers.patterns`), which bounds the cost and each pair's floor far tighter than
   the pair LP (there, families can be split). A plan costing exactly that bound is looked for
   first, among the few pairs whose floor allows it; found, it is optimal. Otherwise every pair
   whose floor is at most the cost of the plan found is added and CP-SAT runs again; when the
   model holds all of them and CP-SAT proves its optimum, no pair left out could have done
   better, so the plan is optimal on both levels.
4. If no plan reaches ``T`` in half the time, stage 1 is solved by CP-SAT over the pairs whose
   stage-1 reduced cost leaves room for a better priority than the best plan known, and steps 2-3
   run at the level it reaches.

Networks with more than :data:`LARGE` pairs skip the LPs (GLOP needs longer than the limit there)
and are planned by :mod:`engine.solvers.large`.

A time limit (default 10 s) stops the search; the best plan found is returned as ``feasible`` with
the proven bounds. The greedy plan is always there, so there is always a plan (the empty plan is
feasible anyway), and nothing here raises for an infeasible case.

CP-SAT settings: ``linearization_level=2`` (cuts in its LP; about half the work to prove these
models optimal) and ``cp_model_probing_level=0`` (probing took seconds of presolve on large models
for little gain).

Determinism: CP-SAT runs with ``num_workers=1`` (one sequential search: no thread timing enters the
result), a fixed ``random_seed``, and ``max_deterministic_time`` equal to its share of the time
limit. Multi-worker search is not deterministic, and ``interleave_search`` (the deterministic
parallel mode) found far worse plans on these models in the same time than one sequential worker.
GLOP, the rounding and the pair selection are deterministic by construction, so the same input
gives the same plan whenever the search finishes (or stops on the deterministic limit); only a stop
on the wall-clock limit, which is there so that a busy machine still answers in time, can cut two
runs at different points. OR-Tools does not document determinism across machines or versions.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat import cp_model_pb2

from engine.arrays import FloatArray, IntArray
from engine.solvers import cpmodel
from engine.solvers.flow import cheapest_options
from engine.solvers.greedy import solve_greedy
from engine.solvers.large import solve_large
from engine.solvers.lp import Floor, LpError, Relaxation, relax
from engine.solvers.patterns import PatternBound, pattern_bound
from engine.solvers.problem import Problem
from engine.solvers.relaxed_flow import fix_and_round
from engine.solvers.rounding import round_plan
from engine.solvers.search import MIN_SECONDS, Clock, Outcome, better

log = logging.getLogger(__name__)

# Each victim's best pairs (by reduced cost) in the first CP-SAT model, on top of the LP's support.
BEST_PER_VICTIM = 6
# Up to this many pairs CP-SAT gets them all at once: one solve beats rounds of pricing.
SMALL_MODEL = 5_000
# At most this many pairs (or as many as the model has) join the model per round, cheapest
# reduced cost first, so that a large gap never turns the model into the whole problem at once.
GROWTH = 20_000
# Beyond this many compatible pairs an LP per stage takes longer than the time limit allows, and
# the flow relaxation takes its place (:mod:`engine.solvers.large`).
LARGE = 500_000
# Largest CP-SAT model built: beyond it the search keeps the pairs of smallest reduced cost (and
# does not claim a proof), since presolve alone would eat the time limit.
MAX_MODEL = 60_000
# Pairs per victim in the first LP before pricing; smaller instances start from every pair.
LP_START = 4
# Share of the time left that one relaxation may spend pricing.
LP_SHARE = 0.3
# Share of the time left for the pattern bound (:mod:`engine.solvers.patterns`).
PATTERN_SHARE = 0.5
# Share of the time left for looking for a plan near the pattern bound (:func:`_at_bound`), and
# how many ceilings it tries.
AT_BOUND_SHARE = 0.1
AT_BOUND_ROUNDS = 2


def solve_cpsat(problem: Problem, *, time_limit: float = 10.0) -> Outcome:
    """Best plan within ``time_limit`` seconds; optimal when both levels were proven."""
    clock = Clock(time_limit)
    pair_priority = problem.priority[problem.victim]
    best = solve_greedy(problem)
    if not len(problem.victim):
        return Outcome(best, True, 0, 0)
    priority_bound = int(problem.priority[np.unique(problem.victim)].sum())
    if len(problem.victim) > LARGE:
        return solve_large(problem, best, priority_bound, clock)
    try:
        start = (
            cheapest_options(problem, LP_START)
            if len(problem.victim) > 2 * LP_START * problem.num_victims
            else np.arange(len(problem.victim))
        )
        stage1 = relax(
            problem, -pair_priority.astype(np.float64), start, seconds=LP_SHARE * clock.left()
        )
        priority_bound = math.floor(-stage1.bound + 1e-6)
        lp_priority = float(pair_priority[stage1.used] @ stage1.values)
        target = min(priority_bound, math.floor(lp_priority + 1e-6))
        best = better(problem, best, round_plan(problem, stage1.used, stage1.values))
        by_flow = fix_and_round(problem, start)
        if by_flow is not None:
            best = better(problem, best, by_flow)
        start = np.union1d(stage1.support, start)

        found, proven, lower = _stage2(problem, target, start, best, clock, share=0.5)
        if found is None:
            # The bound's priority was not reached in time: raise the priority placed by CP-SAT
            # as far as it gets, then minimise the cost at that level.
            target, level_proven, best = _best_priority(problem, stage1, best, clock, share=0.4)
            if level_proven:
                priority_bound = target
            start = np.union1d(start, problem.pair_index(best))
            found, proven, lower = _stage2(problem, target, start, best, clock, share=1.0)
        while found is not None and not proven and clock.left() > MIN_SECONDS:
            # A plan reached the target but the first share of time ran out: keep improving it.
            # The bounds proven so far stand: a resumed search with less time (its pattern LP
            # cut short) may prove less.
            start = np.union1d(start, problem.pair_index(found))
            found, proven, resumed = _stage2(problem, target, start, found, clock, share=1.0)
            lower = max(lower, resumed)
    except LpError as error:
        log.warning("no LP bound: %s; returning the best plan known", error)
        return Outcome(best, False, max(priority_bound, problem.placed_priority(best)), None)
    if found is None:
        return Outcome(best, False, max(priority_bound, problem.placed_priority(best)), None)
    optimal = proven and problem.placed_priority(found) == priority_bound
    return Outcome(found, optimal, priority_bound, problem.plan_cost(found) if optimal else lower)


def _ceil(bound: float) -> int:
    """Smallest integer cost the bound allows, with room for float error in the bound itself."""
    return math.ceil(bound - 1e-7 * max(1.0, abs(bound)))


def _stage2(
    problem: Problem, target: int, start: IntArray, best: IntArray, clock: Clock, *, share: float
) -> tuple[IntArray | None, bool, int]:
    """Cheapest plan with priority at least ``target``, whether that is proven, and a lower bound.

    The plan is None when none reaching ``target`` was found in ``share`` of the time left; once
    one is found, the search may use all the time left.
    """
    pair_priority = problem.priority[problem.victim]
    stage2 = relax(
        problem,
        problem.cost.astype(np.float64),
        start,
        floor=Floor(pair_priority.astype(np.float64), float(target)),
        seconds=LP_SHARE * clock.left(),
    )
    bounds = _Bounds(_ceil(stage2.bound), stage2.bound + stage2.reduced)
    rounded = round_plan(problem, stage2.used, stage2.values)
    reaching = [plan for plan in (rounded, best) if problem.placed_priority(plan) >= target]
    incumbent = min(reaching, key=problem.plan_cost) if reaching else None
    if incumbent is not None and problem.plan_cost(incumbent) <= bounds.lower:
        return incumbent, True, bounds.lower  # the rounded LP optimum is integral: no search
    if len(problem.victim) <= SMALL_MODEL:
        model_pairs = np.arange(len(problem.victim))
    else:
        chosen = _best_by(problem, bounds.pair_floor, BEST_PER_VICTIM)
        model_pairs = np.union1d(stage2.support, chosen)
    # Families make the pair LP weak: once a plan reaches the target, the pattern LP (which
    # needs one to start from) bounds the cost and the pairs tighter.
    tighten = bool(np.any(problem.demand[problem.victim] > 1))
    if tighten and incumbent is not None:
        tighten = False
        settled = _tighten(problem, stage2, incumbent, bounds, target=target, clock=clock)
        if settled is not None:
            return settled, True, bounds.lower
    deadline = time.monotonic() + share * clock.left()
    while time.monotonic() < deadline:
        hint = rounded if incumbent is None else incumbent
        if incumbent is not None:
            model_pairs = np.union1d(model_pairs, problem.pair_index(incumbent))
        model = cpmodel.build_model(problem, model_pairs)
        cpmodel.add_at_least(model, pair_priority[model_pairs], target)
        cpmodel.set_objective(model, problem.cost[model_pairs])
        cpmodel.set_hint(model, _indicator(problem, model_pairs, hint))
        run = cpmodel.run(model, deadline - time.monotonic())
        log.debug(
            "stage 2 at priority %d: %d pairs, %s in %.2f s (%.2f work), cost %s, lower bound %d",
            target,
            len(model_pairs),
            cp_model_pb2.CpSolverStatus.Name(run.status),
            run.seconds,
            run.work,
            None if run.values is None else int(problem.cost[model_pairs] @ run.values),
            bounds.lower,
        )
        if run.values is None:
            break
        found = _assignment(problem, model_pairs, run.values)
        if incumbent is None or problem.plan_cost(found) < problem.plan_cost(incumbent):
            incumbent = found
        deadline = clock.end  # a plan reaches the target: the rest of the time is this stage's
        # Once the model holds every pair a cheaper plan could use, its optimum is the optimum
        # (and then no tighter bound is needed).
        proven = run.status == cp_model_pb2.OPTIMAL
        if proven and not len(bounds.left_out(problem, model_pairs, incumbent)):
            return incumbent, True, bounds.lower
        if tighten:
            tighten = False
            settled = _tighten(problem, stage2, incumbent, bounds, target=target, clock=clock)
            if settled is not None:
                return settled, True, bounds.lower
        if problem.plan_cost(incumbent) <= bounds.lower:
            return incumbent, True, bounds.lower
        if not proven:
            continue  # the run's time ran out; the next run starts from the better plan
        missing = bounds.left_out(problem, model_pairs, incumbent)
        if not len(missing):
            return incumbent, True, bounds.lower
        growth = min(max(len(model_pairs), GROWTH), MAX_MODEL - len(model_pairs))
        if growth <= 0:
            break
        missing = missing[np.argsort(bounds.pair_floor[missing], kind="stable")[:growth]]
        model_pairs = np.union1d(model_pairs, missing)
    return incumbent, False, bounds.lower


@dataclass(eq=False)
class _Bounds:
    """What is proven about the plans reaching a stage's target: none costs less than
    ``lower``, and none using pair ``j`` costs less than ``pair_floor[j]``."""

    lower: int
    pair_floor: FloatArray

    def left_out(self, problem: Problem, model_pairs: IntArray, incumbent: IntArray) -> IntArray:
        """The pairs outside the model that a plan cheaper than ``incumbent`` could still use."""
        cost = problem.plan_cost(incumbent)
        within = np.flatnonzero(self.pair_floor <= cost + 1e-7 * max(1.0, abs(cost)))
        left: IntArray = np.setdiff1d(within, model_pairs)
        return left


def _tighten(
    problem: Problem,
    stage2: Relaxation,
    incumbent: IntArray,
    bounds: _Bounds,
    *,
    target: int,
    clock: Clock,
) -> IntArray | None:
    """Tighten ``bounds`` by the pattern LP (kept as they are when it fails), then look for a
    plan near the new bound (:func:`_at_bound`); a plan now proven optimal (that one, or
    ``incumbent`` when it costs no more than the new bound), or None."""
    patterns = _patterns(problem, target, stage2, incumbent, clock)
    if patterns is None:
        return None
    bounds.lower = max(bounds.lower, _ceil(patterns.bound))
    bounds.pair_floor = np.maximum(bounds.pair_floor, patterns.pair_bound)
    if problem.plan_cost(incumbent) <= bounds.lower:
        return incumbent
    attained, bounds.lower = _at_bound(problem, target, bounds.lower, bounds.pair_floor, clock)
    return attained


def _at_bound(
    problem: Problem, target: int, lower: int, pair_floor: FloatArray, clock: Clock
) -> tuple[IntArray | None, int]:
    """An optimal plan reaching ``target`` found near the cost bound ``lower``, and the lower
    bound after looking (raised past every ceiling proven out of reach).

    A plan costing at most ``ceiling`` uses only pairs whose floor is at most ``ceiling``. So
    CP-SAT's optimum over those pairs, under that ceiling, is the optimum of the whole problem;
    and when there is none, no plan costs ``ceiling`` or less. When the pattern LP is tight, as on
    the sample network, those pairs are few (122 of 1,849 for the sample's 150 victims at the
    bound itself), and CP-SAT settles such a model in 10-30 ms, where finding and proving the
    optimum among all pairs took 0.15-0.3 s. The ceiling starts at the bound; if no plan is under
    it, it rises once, so that the pairs double (on twelve sample waiting lists every plan found
    here was found by then). Families packed into small shelters (the pattern LP a fraction of a
    percent off) leave both rounds infeasible, at a cost of about 0.9 s on the 500 x 200
    benchmark; the search then goes on as before, from the raised bound.
    """
    slack = 1e-7 * max(1.0, abs(lower))
    ordered = np.sort(pair_floor)
    ceiling = lower
    deadline = time.monotonic() + AT_BOUND_SHARE * clock.left()
    for _ in range(AT_BOUND_ROUNDS):
        pairs = np.flatnonzero(pair_floor <= ceiling + slack)
        if not len(pairs) or len(pairs) > MAX_MODEL:
            break
        cost = problem.cost[pairs]
        model = cpmodel.build_model(problem, pairs)
        cpmodel.add_at_least(model, problem.priority[problem.victim[pairs]], target)
        cpmodel.add_at_most(model, cost, ceiling)
        cpmodel.set_objective(model, cost)
        run = cpmodel.run(model, deadline - time.monotonic())
        log.debug(
            "plan under %d (bound %d): %d pairs, %s in %.3f s (%.3f work)",
            ceiling,
            lower,
            len(pairs),
            cp_model_pb2.CpSolverStatus.Name(run.status),
            run.seconds,
            run.work,
        )
        if run.status == cp_model_pb2.OPTIMAL and run.values is not None:
            return _assignment(problem, pairs, run.values), lower
        if run.status != cp_model_pb2.INFEASIBLE:
            break
        lower = ceiling + 1
        wider = min(2 * len(pairs), len(ordered))
        if wider == len(pairs):
            break
        ceiling = max(math.floor(ordered[wider - 1]), lower)
    return None, lower


def _patterns(
    problem: Problem, target: int, stage2: Relaxation, incumbent: IntArray, clock: Clock
) -> PatternBound | None:
    """The pattern LP at the target priority, started from the pair LP and the plan known.

    None when not even its first round was solved in time: the pair LP's bounds then stand.
    """
    floor = Floor(problem.priority[problem.victim].astype(np.float64), float(target))
    try:
        patterns = pattern_bound(
            problem, floor, incumbent, stage2, seconds=PATTERN_SHARE * clock.left()
        )
    except LpError as error:
        log.warning("pattern bound failed (%s); keeping the pair LP's", error)
        return None
    log.debug(
        "pattern bound %.0f after %d rounds (converged: %s)",
        patterns.bound,
        patterns.rounds,
        patterns.converged,
    )
    return patterns


def _best_priority(
    problem: Problem, stage1: Relaxation, best: IntArray, clock: Clock, *, share: float
) -> tuple[int, bool, IntArray]:
    """Maximise the priority placed by CP-SAT over the pairs that could beat ``best``.

    A plan using pair ``j`` places at most ``-(bound + d_j)`` priority, so only pairs with
    ``d_j`` small enough to beat ``best`` are needed (plus ``best``'s own, for the hint).
    """
    known = problem.placed_priority(best)
    limit = -stage1.bound - (known + 1)
    useful = np.flatnonzero(stage1.reduced <= limit + 1e-7 * max(1.0, abs(stage1.bound)))
    complete = len(useful) <= MAX_MODEL
    if not complete:
        useful = useful[np.argsort(stage1.reduced[useful], kind="stable")[:MAX_MODEL]]
    pairs = np.union1d(useful, problem.pair_index(best))
    model = cpmodel.build_model(problem, pairs)
    cpmodel.set_objective(model, -problem.priority[problem.victim[pairs]])
    cpmodel.set_hint(model, _indicator(problem, pairs, best))
    run = cpmodel.run(model, share * clock.left())
    log.debug(
        "stage 1: %d pairs, %s in %.2f s (%.2f work)",
        len(pairs),
        cp_model_pb2.CpSolverStatus.Name(run.status),
        run.seconds,
        run.work,
    )
    if run.values is None:
        return known, False, best
    found = better(problem, best, _assignment(problem, pairs, run.values))
    return problem.placed_priority(found), complete and run.status == cp_model_pb2.OPTIMAL, found


def _best_by(problem: Problem, score: FloatArray, count: int) -> IntArray:
    """Each victim's ``count`` pairs of lowest ``score``."""
    order = np.lexsort((score, problem.victim))
    first = np.searchsorted(problem.victim[order], problem.victim[order], side="left")
    chosen: IntArray = np.sort(order[np.arange(len(order)) - first < count])
    return chosen


def _indicator(problem: Problem, pairs: IntArray, assignment: IntArray) -> IntArray:
    """0/1 per model variable: is this pair used by ``assignment``?"""
    used = assignment[problem.victim[pairs]] == problem.shelter[pairs]
    return np.asarray(used, dtype=np.int64)


def _assignment(problem: Problem, pairs: IntArray, values: IntArray) -> IntArray:
    """Victim row -> shelter index of a model solution (``values`` per pair of ``pairs``)."""
    chosen = pairs[values > 0]
    assignment = np.full(problem.num_victims, -1, dtype=np.int64)
    assignment[problem.victim[chosen]] = problem.shelter[chosen]
    return assignment
