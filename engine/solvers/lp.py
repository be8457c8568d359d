"""LP relaxations (GLOP) that bound the objective and tell which pairs can matter.

The relaxation keeps the victim rows (at most one shelter) and the shelter rows (places), drops the
avoid pairs and integrality, and is solved over a subset of the pairs; the other pairs are priced
with the LP duals and added while any has a negative reduced cost (column generation), so even
millions of pairs cost a few small LPs.

Bounds are not taken from the LP solver's objective but recomputed from its duals as a Lagrangian
bound over *all* pairs: for any duals of the right sign (``u, w <= 0`` on the ``<=`` rows,
``lam >= 0`` on the ``>=`` row) and every plan ``x``,

    obj(x) >= sum(u) + free . w + lam * floor + sum_j min(0, d_j),
    d_j = obj_j - u_v - demand_v * w_s - lam * p_j,

so a bound stays valid whatever the LP solver's tolerances, at whatever round the pricing stops.
The same inequality gives reduced-cost fixing: a plan that uses pair ``j`` costs at least
``bound + d_j``, so pairs with ``d_j`` above the gap to a known plan cannot improve on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import ortools.linear_solver.linear_solver_pb2 as lp_proto
from ortools.linear_solver.python import model_builder_helper

from engine.arrays import FloatArray, IntArray
from engine.solvers.problem import Problem

# New pairs per victim and pricing round: enough to converge in a few rounds, few enough that a
# round never rebuilds the whole graph.
PRICED_PER_VICTIM = 4
MAX_ROUNDS = 30


class LpError(RuntimeError):
    """GLOP did not solve a relaxation that is always feasible (a bug, or out of time)."""


@dataclass(frozen=True)
class Floor:
    """The side row ``sum(weights[j] * x_j) >= value`` (weights over all pairs)."""

    weights: FloatArray
    value: float


@dataclass(frozen=True, eq=False)
class Relaxation:
    """An LP optimum over ``used`` pairs with a bound and reduced costs over all pairs."""

    used: IntArray  # pair indices in the last LP
    values: FloatArray  # (len(used),) LP solution
    reduced: FloatArray  # (P,) reduced cost of every pair
    bound: float  # lower bound on the objective over every plan (all pairs)
    victim_dual: FloatArray  # (V,) dual of each victim's row (<= 0)
    floor_dual: float  # dual of the floor row (>= 0; 0 without one)

    @property
    def support(self) -> IntArray:
        """Pairs the LP solution uses at all."""
        return self.used[self.values > 1e-9]


def relax(
    problem: Problem,
    objective: FloatArray,
    start: IntArray,
    *,
    floor: Floor | None = None,
    seconds: float = 10.0,
) -> Relaxation:
    """Minimise ``objective . x`` over the relaxation, pricing in pairs beyond ``start``.

    Pricing stops after ``seconds`` (the last LP's bound is valid all the same); :class:`LpError`
    when not even the first LP was solved in time.
    """
    end = time.monotonic() + seconds
    used = np.unique(start)
    result = _solve(problem, objective, used, floor, seconds)
    for _ in range(MAX_ROUNDS):
        # Pairs in the LP may have negative reduced costs (at their upper bound); only the others
        # are candidates.
        outside = result.reduced < -1e-7
        outside[used] = False
        negative = np.flatnonzero(outside)
        left = end - time.monotonic()
        if not len(negative) or left <= 0:
            break
        used = np.union1d(used, _most_negative(problem.victim, negative, result.reduced))
        try:
            result = _solve(problem, objective, used, floor, left)
        except LpError:
            break  # out of time: the previous round's bound stands
    return result


def _most_negative(victim: IntArray, negative: IntArray, reduced: FloatArray) -> IntArray:
    """Of the ``negative`` pairs, each victim's ``PRICED_PER_VICTIM`` most negative."""
    order = negative[np.lexsort((reduced[negative], victim[negative]))]
    first = np.searchsorted(victim[order], victim[order], side="left")
    return order[np.arange(len(order)) - first < PRICED_PER_VICTIM]


def _solve(
    problem: Problem, objective: FloatArray, used: IntArray, floor: Floor | None, time_limit: float
) -> Relaxation:
    victim, shelter = problem.victim[used], problem.shelter[used]
    demand = problem.demand[victim].astype(np.float64)
    model = lp_proto.MPModelProto()
    for coefficient in objective[used].tolist():
        model.variable.add(lower_bound=0.0, upper_bound=1.0, objective_coefficient=coefficient)

    rows_v = np.unique(victim)
    starts = np.searchsorted(victim, rows_v)
    ends = np.r_[starts[1:], len(victim)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        row = model.constraint.add(upper_bound=1.0)
        row.var_index.extend(range(a, b))
        row.coefficient.extend([1.0] * (b - a))
    by_shelter = np.argsort(shelter, kind="stable")
    rows_s, s_starts = np.unique(shelter[by_shelter], return_index=True)
    s_ends = np.r_[s_starts[1:], len(used)]
    for s, a, b in zip(rows_s.tolist(), s_starts.tolist(), s_ends.tolist(), strict=True):
        members = by_shelter[a:b]
        row = model.constraint.add(upper_bound=float(problem.free[s]))
        row.var_index.extend(members.tolist())
        row.coefficient.extend(demand[members].tolist())
    if floor is not None:
        row = model.constraint.add(lower_bound=floor.value, upper_bound=np.inf)
        row.var_index.extend(range(len(used)))
        row.coefficient.extend(floor.weights[used].tolist())

    request = lp_proto.MPModelRequest(
        model=model,
        solver_type=lp_proto.MPModelRequest.GLOP_LINEAR_PROGRAMMING,
        solver_time_limit_seconds=max(time_limit, 0.01),
    )
    raw = model_builder_helper.ModelSolverHelper("glop").solve_serialized_request(
        request.SerializeToString()
    )
    response = lp_proto.MPSolutionResponse.FromString(raw)
    if response.status != lp_proto.MPSOLVER_OPTIMAL:
        raise failure(response)

    dual = np.array(response.dual_value, dtype=np.float64)
    u = np.zeros(problem.num_victims)
    u[rows_v] = np.minimum(dual[: len(rows_v)], 0.0)
    w = np.zeros(problem.num_shelters)
    w[rows_s] = np.minimum(dual[len(rows_v) : len(rows_v) + len(rows_s)], 0.0)
    lam = max(float(dual[-1]), 0.0) if floor is not None else 0.0

    reduced = (
        objective
        - u[problem.victim]
        - problem.demand[problem.victim] * w[problem.shelter]
        - (lam * floor.weights if floor is not None else 0.0)
    )
    bound = float(
        u.sum()
        + np.dot(problem.free, w)
        + (lam * floor.value if floor is not None else 0.0)
        + np.minimum(reduced, 0.0).sum()
    )
    return Relaxation(
        used=used,
        values=np.array(response.variable_value, dtype=np.float64),
        reduced=reduced,
        bound=bound,
        victim_dual=u,
        floor_dual=lam,
    )


def failure(response: lp_proto.MPSolutionResponse) -> LpError:
    """Why GLOP gave no optimum, in words: the search logs it for whoever reads the warning."""
    if response.status in (lp_proto.MPSOLVER_FEASIBLE, lp_proto.MPSOLVER_NOT_SOLVED):
        return LpError("the time limit ran out before the LP relaxation was solved")
    status = lp_proto.MPSolverResponseStatus.Name(response.status)
    return LpError(f"GLOP returned {status} {response.status_str}".rstrip())
