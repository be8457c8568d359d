"""The engine's way in for a batch plan: compile once, pick the solver, check, report.

Min-cost flow is exact and takes well under a second even for thousands of victims, so it is used
whenever it applies (no children and no avoid pair that could meet); everything else goes to the
LP-guided CP-SAT search. Every plan is re-checked against the hard rules with the independent
reference implementation before it is returned (:func:`engine.validation.check_plan`).
"""

from __future__ import annotations

import logging
import time
from typing import Literal

from engine.arrays import compile_instance
from engine.plans import build_plan
from engine.solvers.cpsat import solve_cpsat
from engine.solvers.flow import solve_flow
from engine.solvers.greedy import solve_greedy
from engine.solvers.problem import Problem, build_problem
from engine.solvers.search import Outcome
from engine.validation import check_plan
from models.instance import Instance
from models.plan import Bound, Plan

log = logging.getLogger(__name__)

Method = Literal["auto", "flow", "cpsat", "greedy"]

# Share of the time limit kept back for building and checking the plan after the search.
CHECK_SHARE = 0.05


def solve(instance: Instance, *, time_limit: float = 10.0, method: Method = "auto") -> Plan:
    """The best plan for ``instance`` within ``time_limit`` seconds, re-checked before it leaves.

    ``auto`` uses min-cost flow when it applies and CP-SAT otherwise; ``greedy`` gives the
    phone-around baseline. Infeasibility never raises: placing nobody is always a valid plan.
    A ``ValueError`` says so when ``flow`` is asked for an instance it cannot solve.
    """
    started = time.perf_counter()
    pairs = compile_instance(instance)
    problem = build_problem(instance, pairs)
    chosen = method
    if method == "auto":
        chosen = "flow" if problem.is_transport else "cpsat"
    if chosen == "flow" and not problem.is_transport:
        raise ValueError(
            "method 'flow' needs an instance where no victim who can be placed brings children "
            "and no two victims who avoid each other could go to the same shelter; use 'cpsat'"
        )
    log.info(
        "solving %d victims x %d shelters (%d compatible pairs, %d avoid pairs) by %s",
        problem.num_victims,
        problem.num_shelters,
        len(problem.victim),
        len(problem.avoid),
        chosen,
    )
    if chosen == "flow":
        plan = build_plan(instance, pairs, solve_flow(problem), status="optimal")
    elif chosen == "greedy":
        plan = build_plan(instance, pairs, solve_greedy(problem), status="feasible")
    else:
        # The limit covers the whole call: compiling took some of it, the plan's check needs a bit.
        left = time_limit * (1 - CHECK_SHARE) - (time.perf_counter() - started)
        outcome = solve_cpsat(problem, time_limit=max(left, 0.0))
        plan = build_plan(
            instance,
            pairs,
            outcome.assignment,
            status="optimal" if outcome.optimal else "feasible",
            bound=None if outcome.optimal else _bound(problem, outcome),
        )
    check_plan(instance, plan)
    seconds = time.perf_counter() - started
    log.info(
        "%s plan: priority %d, cost %.3f, %d placed, %.3f s",
        plan.status,
        plan.objective.priority_placed,
        plan.objective.cost,
        len(plan.assignments),
        seconds,
    )
    return plan.model_copy(update={"solve_seconds": seconds})


def _bound(problem: Problem, outcome: Outcome) -> Bound:
    """The proven bounds in the contract's units.

    The search bounds the *rounded* integer cost; each pair's rounding is at most half a unit, so
    the float cost of a plan is at least the rounded bound minus half a unit per victim placed.
    """
    if outcome.cost_bound is None:
        return Bound(priority_placed=outcome.priority_bound)
    slack = 0.5 * problem.num_victims
    return Bound(
        priority_placed=outcome.priority_bound,
        cost=max(0.0, (outcome.cost_bound - slack) / problem.scale),
    )
