"""An exact, independent optimum to hold the engine to: a two-stage MIP solved by HiGHS.

Nothing of the engine's solvers or vectorised rules is used: compatibility and costs come pair by
pair from :mod:`engine.reference`, the model is written out here from the contract, and the solver
is HiGHS rather than OR-Tools. Stage 1 maximises the priority placed; stage 2 fixes it and
minimises the exact float cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from engine import reference
from models.instance import Instance


@dataclass(frozen=True)
class Optimum:
    """Both levels of the lexicographic optimum and one plan reaching them (victim -> shelter)."""

    priority_placed: int
    cost: float
    plan: dict[str, str]


def cost_tolerance(placed: int, cost: float) -> float:
    """How far the cost of a plan optimal for the solvers may lie from the exact optimum ``cost``.

    The solvers optimise costs rounded to milli-units (:func:`engine.solvers.problem.
    choose_scale`), each pair by at most half of one, so two plans of ``placed`` people that are
    both optimal for rounded costs differ by at most a milli-unit per person; the rest is float
    noise.
    """
    return 1e-3 * placed + 1e-6 * (1.0 + abs(cost))


def solve_oracle(instance: Instance, time_limit: float = 120.0) -> Optimum:
    """The proven lexicographic optimum of ``instance``."""
    weights = instance.objective.model_dump()
    pairs = [
        (v, s, reference.cost(victim, shelter, weights))
        for v, victim in enumerate(instance.victims)
        for s, shelter in enumerate(instance.shelters)
        if not reference.reasons(victim, shelter, instance.now)
    ]
    if not pairs:
        return Optimum(0, 0.0, {})
    victim_of = np.array([v for v, _, _ in pairs], dtype=np.int32)
    shelter_of = np.array([s for _, s, _ in pairs], dtype=np.int32)
    costs = np.array([c for _, _, c in pairs], dtype=np.float64)
    priority = np.array([instance.victims[v].priority for v in victim_of], dtype=np.float64)
    places = np.array([instance.victims[v].places_needed for v in victim_of], dtype=np.float64)

    highs = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves __init__ untyped
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", time_limit)
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 1e-9)
    highs.setOptionValue("threads", 1)
    count = len(pairs)
    columns = np.arange(count, dtype=np.int32)
    highs.addVars(count, np.zeros(count), np.ones(count))
    highs.changeColsIntegrality(count, columns, np.ones(count, dtype=np.uint8))

    for v in range(len(instance.victims)):
        _add_row(highs, np.flatnonzero(victim_of == v), np.ones(count), upper=1.0)
    for s, shelter in enumerate(instance.shelters):
        _add_row(highs, np.flatnonzero(shelter_of == s), places, upper=float(shelter.free))
    for a, b in _avoid_pairs(instance):
        for s in range(len(instance.shelters)):
            both = np.flatnonzero(((victim_of == a) | (victim_of == b)) & (shelter_of == s))
            if len(both) == 2:
                _add_row(highs, both, np.ones(count), upper=1.0)

    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    highs.changeColsCost(count, columns, priority)
    _run(highs)
    best_priority = round(highs.getInfo().objective_function_value)

    _add_row(highs, columns, priority, lower=float(best_priority))
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.changeColsCost(count, columns, costs)
    _run(highs)
    chosen = np.flatnonzero(np.array(highs.getSolution().col_value) > 0.5)
    plan = {
        instance.victims[victim_of[j]].id: instance.shelters[shelter_of[j]].id
        for j in chosen.tolist()
    }
    return Optimum(best_priority, float(costs[chosen].sum()), plan)


def _avoid_pairs(instance: Instance) -> set[tuple[int, int]]:
    """Victim index pairs that avoid each other, in either direction (the contract's symmetry)."""
    index = {victim.id: v for v, victim in enumerate(instance.victims)}
    return {
        (min(a, index[other]), max(a, index[other]))
        for a, victim in enumerate(instance.victims)
        for other in victim.avoid
        if other in index
    }


def _add_row(
    highs: highspy.Highs,
    columns: np.ndarray,
    coefficients: np.ndarray,
    *,
    lower: float = -highspy.kHighsInf,
    upper: float = highspy.kHighsInf,
) -> None:
    if len(columns):
        highs.addRow(lower, upper, len(columns), columns.astype(np.int32), coefficients[columns])


def _run(highs: highspy.Highs) -> None:
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(
            f"oracle MIP not solved to optimality: {highs.modelStatusToString(status)}"
        )
