"""The placement problem as a CP-SAT model, written straight into the model's proto in bulk.

One Boolean per compatible pair (never one per victim x shelter), an at-most-one per victim, a
knapsack row per shelter whose options could overflow it (1 + children places per victim), and an
at-most-one per shelter two victims who avoid each other could both go to. The per-variable Python
API costs several microseconds per pair; filling the proto's repeated fields from numpy slices keeps
model building well under a microsecond per pair.

Every model is solved by :func:`run` with the same deterministic settings (see
:mod:`engine.solvers.cpsat` for why these).

OR-Tools' Python layer of CP-SAT (``cp_model``) is imported by the two functions that need it,
not with this module: it imports pandas, which made up a third of every process's start (each
server worker, every ``safeplace`` command) for what only a plan, never a ranking, uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat import cp_model_pb2

from engine.arrays import IntArray
from engine.solvers.problem import Problem

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

SEED = 20261128


@dataclass(frozen=True, eq=False)
class Run:
    """One CP-SAT call: status, solution over its model's pairs, and the effort it took."""

    status: int
    values: IntArray | None
    seconds: float  # wall time
    work: float  # deterministic time


def build_model(problem: Problem, used: IntArray, free: IntArray | None = None) -> cp_model.CpModel:
    """The constraints over the pairs ``used`` (indices into the problem's pairs), no objective.

    Variable ``i`` of the model is pair ``used[i]``. ``free`` replaces the shelters' free places
    (a neighbourhood sees only what the victims outside it leave).
    """
    from ortools.sat.python import cp_model

    free = problem.free if free is None else free
    model = cp_model.CpModel()
    proto = model.proto
    for _ in range(len(used)):
        proto.variables.add().domain.extend((0, 1))

    victim, shelter = problem.victim[used], problem.shelter[used]
    for group in _groups(victim):
        if len(group) > 1:
            proto.constraints.add().at_most_one.literals.extend(group.tolist())

    demand = problem.demand[victim]
    for group in _groups(shelter, np.argsort(shelter, kind="stable")):
        s = int(shelter[group[0]])
        if int(demand[group].sum()) > int(free[s]):
            linear = proto.constraints.add().linear
            linear.vars.extend(group.tolist())
            linear.coeffs.extend(demand[group].tolist())
            linear.domain.extend((0, int(free[s])))

    starts = np.searchsorted(victim, np.arange(problem.num_victims + 1))
    # Only pairs of victims who both have variables here can meet (a neighbourhood's model holds
    # a few dozen of the instance's victims; intersecting every avoid pair took most of its time).
    present = np.diff(starts) > 0
    avoid = problem.avoid[present[problem.avoid[:, 0]] & present[problem.avoid[:, 1]]]
    for a, b in avoid.tolist():
        first = np.arange(starts[a], starts[a + 1])
        second = np.arange(starts[b], starts[b + 1])
        _, i, j = np.intersect1d(shelter[first], shelter[second], return_indices=True)
        for x, y in zip(first[i].tolist(), second[j].tolist(), strict=True):
            proto.constraints.add().at_most_one.literals.extend((x, y))
    return model


def set_objective(model: cp_model.CpModel, coefficients: IntArray) -> None:
    """Minimise ``sum(coefficients[i] * x[i])``, replacing any objective set before."""
    model.proto.clear_objective()
    objective = model.proto.objective
    nonzero = np.flatnonzero(coefficients)
    objective.vars.extend(nonzero.tolist())
    objective.coeffs.extend(coefficients[nonzero].tolist())


def add_at_least(model: cp_model.CpModel, coefficients: IntArray, floor: int) -> None:
    """Require ``sum(coefficients[i] * x[i]) >= floor``."""
    nonzero = np.flatnonzero(coefficients)
    linear = model.proto.constraints.add().linear
    linear.vars.extend(nonzero.tolist())
    linear.coeffs.extend(coefficients[nonzero].tolist())
    linear.domain.extend((floor, int(coefficients[nonzero].sum())))


def add_at_most(model: cp_model.CpModel, coefficients: IntArray, ceiling: int) -> None:
    """Require ``sum(coefficients[i] * x[i]) <= ceiling``."""
    nonzero = np.flatnonzero(coefficients)
    linear = model.proto.constraints.add().linear
    linear.vars.extend(nonzero.tolist())
    linear.coeffs.extend(coefficients[nonzero].tolist())
    linear.domain.extend((int(np.minimum(coefficients, 0).sum()), ceiling))


def set_hint(model: cp_model.CpModel, values: IntArray) -> None:
    """Suggest a complete 0/1 assignment of the model's variables as the first solution."""
    model.proto.clear_solution_hint()
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values.tolist())


def _groups(keys: IntArray, order: IntArray | None = None) -> list[IntArray]:
    """Positions with equal ``keys``, group by group (``order`` sorts keys; default: sorted)."""
    order = np.arange(len(keys)) if order is None else order
    sorted_keys = keys[order]
    cuts = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    return [np.asarray(g, dtype=np.int64) for g in np.split(order, cuts)] if len(keys) else []


def run(model: cp_model.CpModel, seconds: float) -> Run:
    """Solve with one sequential worker, a fixed seed, and a deterministic limit equal to the
    wall-clock one (the settings :mod:`engine.solvers.cpsat` explains)."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.num_workers = 1
    parameters.random_seed = SEED
    parameters.linearization_level = 2
    parameters.cp_model_probing_level = 0
    parameters.max_time_in_seconds = max(seconds, 0.01)
    parameters.max_deterministic_time = max(seconds, 0.01)
    status = solver.solve(model)
    response = solver.response_proto
    values = (
        np.array(response.solution, dtype=np.int64)
        if status in (cp_model_pb2.OPTIMAL, cp_model_pb2.FEASIBLE)
        else None
    )
    return Run(
        status=int(status),
        values=values,
        seconds=float(response.wall_time),
        work=float(response.deterministic_time),
    )
