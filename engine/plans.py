"""Turn a solver's assignment into the contract's plan: exact costs, objective and reasons.

Solvers work with rounded integer costs; the plan reports the exact float cost of the contract's
formula for every placement, and for every victim not placed how many shelters each hard rule rules
out, so the desk sees why (and which rule would have to give) rather than just "no place".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.arrays import (
    SOFT_TERMS,
    BoolArray,
    IntArray,
    Pairs,
    SoftTerm,
    compile_shelters,
    compile_victims,
)
from engine.verdicts import reason_masks
from models.instance import Instance, Objective
from models.plan import Assignment, Bound, Plan, PlanObjective, PlanStatus, Unassigned
from models.shelter import Shelter
from models.victim import Victim


def build_plan(
    instance: Instance,
    pairs: Pairs,
    assignment: IntArray,
    *,
    status: PlanStatus,
    bound: Bound | None = None,
    solve_seconds: float = 0.0,
) -> Plan:
    """The plan of ``assignment`` (victim row -> shelter index, -1 when not placed).

    Every victim appears once, in instance order, either placed or with ``blocked_by``.
    """
    ids = pairs.shelters.ids
    placed = np.flatnonzero(assignment >= 0)
    costs = pairs.cost[placed, assignment[placed]].tolist()
    assignments = [
        Assignment(victim=pairs.victims.ids[v], shelter=ids[assignment[v]], cost=cost)
        for v, cost in zip(placed.tolist(), costs, strict=True)
    ]
    objective = PlanObjective(
        priority_placed=int(pairs.victims.priority[placed].sum()),
        cost=math.fsum(costs),
        bound=bound,
    )
    return Plan(
        status=status,
        assignments=assignments,
        unassigned=unassigned(instance, pairs, assignment),
        objective=objective,
        solve_seconds=solve_seconds,
    )


@dataclass(frozen=True)
class Terms:
    """What the cost of one placement is made of, in the desk's terms: the travel distance (None
    when the victim has no location) and the soft terms that apply, in the formula's order."""

    distance_km: float | None
    mismatches: tuple[SoftTerm, ...]


def terms(instance: Instance, plan: Plan) -> dict[str, Terms]:
    """Per victim placed in ``plan``, the terms of its placement's cost, computed as the cost is
    (:class:`~engine.arrays.Pairs`): a desk acts on "far away, no shared language", not on a
    sum of weights."""
    victims = {victim.id: victim for victim in instance.victims}
    placements = [(victims[line.victim], line.shelter) for line in plan.assignments]
    found = placement_terms(placements, instance.shelters)
    return {victim.id: term for (victim, _), term in zip(placements, found, strict=True)}


def placement_terms(
    placements: Sequence[tuple[Victim, str]], shelters: Sequence[Shelter]
) -> list[Terms]:
    """The terms of each placement (a victim at the shelter of ``shelters`` with that id), in
    order, computed as the cost is (:class:`~engine.arrays.Pairs`).

    The one computation behind both of the desk's pages: the plan's lines (:func:`terms`) and a
    ranking's options (one victim at every shelter that fits), so that the two can never name
    different compromises for the same placement. Only the victims and shelters named are
    compiled, since each term depends on one victim and one shelter; intake hours and the
    cost's weights play no part (a term applies whatever its weight)."""
    if not placements:
        return []
    used = {shelter_id for _, shelter_id in placements}
    compiled = compile_shelters([s for s in shelters if s.id in used], None)
    victims = list({victim.id: victim for victim, _ in placements}.values())
    row = {victim.id: v for v, victim in enumerate(victims)}
    pairs = Pairs(compile_victims(victims, compiled), compiled, Objective())
    rows = np.array([row[victim.id] for victim, _ in placements], dtype=np.int64)
    columns = np.array([compiled.index[shelter] for _, shelter in placements], dtype=np.int64)
    distance = pairs.distance_km[rows, columns].tolist()
    applies = {term: pairs.mismatch(term)[rows, columns].tolist() for term in SOFT_TERMS}
    return [
        Terms(
            distance_km=distance[p] if victim.location is not None else None,
            mismatches=tuple(term for term in SOFT_TERMS if applies[term][p]),
        )
        for p, (victim, _) in enumerate(placements)
    ]


def unassigned(instance: Instance, pairs: Pairs, assignment: IntArray) -> list[Unassigned]:
    """``blocked_by`` of every victim not placed, in instance order.

    The static rules are applied to a compile of just these victims. On top of that, a shelter that
    passed every static rule still counts under ``capacity`` when this plan left it too little
    room, and under ``avoid`` when this plan placed someone there whom the victim avoids (or who
    avoids the victim); a shelter with two reasons counts under both.
    """
    rows = np.flatnonzero(assignment < 0)
    if not len(rows):
        return []
    victims = [instance.victims[v] for v in rows.tolist()]
    masks = reason_masks(
        Pairs(compile_victims(victims, pairs.shelters), pairs.shelters, pairs.objective)
    )
    counts = {code: mask.sum(axis=1) for code, mask in masks.items()}
    statically_ok = ~np.logical_or.reduce(list(masks.values()))

    placed = assignment >= 0
    load = np.bincount(
        assignment[placed], weights=pairs.victims.demand[placed], minlength=len(pairs.shelters)
    )
    no_room = pairs.shelters.free[None, :] - load[None, :] < pairs.victims.demand[rows, None]
    counts["capacity"] = counts["capacity"] + (statically_ok & no_room).sum(axis=1)
    meets = _meets_avoided(instance, assignment, rows, len(pairs.shelters))
    counts["avoid"] = counts["avoid"] + (statically_ok & meets).sum(axis=1)
    return [
        Unassigned(
            victim=pairs.victims.ids[v],
            blocked_by={code: int(count[i]) for code, count in counts.items() if count[i]},
        )
        for i, v in enumerate(rows.tolist())
    ]


def _meets_avoided(
    instance: Instance, assignment: IntArray, rows: IntArray, shelters: int
) -> BoolArray:
    """(len(rows), S) True where the plan placed someone the row's victim avoids, either way."""
    row_of = {victim.id: v for v, victim in enumerate(instance.victims)}
    position = {v: i for i, v in enumerate(rows.tolist())}
    meets = np.zeros((len(rows), shelters), dtype=np.bool_)
    for a, victim in enumerate(instance.victims):
        for other in victim.avoid:
            b = row_of.get(other)
            if b is None:
                continue
            for mine, theirs in ((a, b), (b, a)):
                if mine in position and assignment[theirs] >= 0:
                    meets[position[mine], assignment[theirs]] = True
    return meets
