"""Re-check a plan against the contract with the slow reference rules, before it leaves the engine.

A solver bug must never become a victim placed where the rules forbid (next to their exploiter's
co-defendant, in a shelter without room for their children). So every plan is checked here with
:mod:`engine.reference`, which shares no code with the vectorised rules the solvers use: each
placement pair by pair, then the plan-level rules (places per shelter, avoid pairs), the bookkeeping
(every victim exactly once, known ids) and the reported costs and objective.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime

from engine import reference
from models.instance import Instance
from models.plan import Plan
from models.shelter import Shelter
from models.victim import Victim

# Reported costs are compared with the formula at this relative tolerance (and an absolute one for
# costs near zero), which absorbs float summation order and nothing else.
REL_TOL = 1e-6
ABS_TOL = 1e-9
# A placement at a danger zone's ``min_km`` to within a micrometre is not called a breach: the
# rules' numpy arrays and the reference's math compute one haversine distance in another order,
# and at exactly the boundary (a desk that types the distance a ranking showed) the two may fall
# a last bit apart. A solver placing someone inside a zone is off by far more.
SECURITY_TOL_KM = 1e-9


class EngineError(Exception):
    """Base of the errors the engine raises about its own results (not about the input)."""


class PlanInvalid(EngineError):
    """A plan breaks the contract; ``violations`` lists every problem found."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        super().__init__(
            f"plan breaks {len(violations)} rule(s) of the contract:\n" + "\n".join(violations)
        )


def check_plan(instance: Instance, plan: Plan) -> Plan:
    """Return ``plan`` unchanged when it is valid for ``instance``; raise :class:`PlanInvalid`."""
    violations = plan_violations(instance, plan)
    if violations:
        raise PlanInvalid(violations)
    return plan


def plan_violations(instance: Instance, plan: Plan) -> list[str]:
    """Every way ``plan`` breaks the contract for ``instance``; empty when it is valid."""
    return [
        *_bookkeeping(instance, plan),
        *_placements(instance, plan),
        *_shared_shelters(instance, plan),
        *_objective(instance, plan),
    ]


def _close(reported: float, exact: float) -> bool:
    return math.isclose(reported, exact, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _bookkeeping(instance: Instance, plan: Plan) -> list[str]:
    """Every victim exactly once; every id known."""
    found: list[str] = []
    victim_ids = {v.id for v in instance.victims}
    shelter_ids = {s.id for s in instance.shelters}
    seen = Counter([a.victim for a in plan.assignments] + [u.victim for u in plan.unassigned])
    found += [f"unknown victim '{vid}' in the plan" for vid in seen if vid not in victim_ids]
    found += [f"victim '{vid}' appears {n} times" for vid, n in seen.items() if n > 1]
    found += [
        f"victim '{v.id}' is missing from the plan" for v in instance.victims if v.id not in seen
    ]
    found += [
        f"victim '{a.victim}' is placed at unknown shelter '{a.shelter}'"
        for a in plan.assignments
        if a.shelter not in shelter_ids
    ]
    return found


def _placements(instance: Instance, plan: Plan) -> list[str]:
    """Each placement pair by the reference rules, its cost, and the places per shelter."""
    victims = {v.id: v for v in instance.victims}
    shelters = {s.id: s for s in instance.shelters}
    weights = instance.objective.model_dump()
    found: list[str] = []
    taken: Counter[str] = Counter()
    for a in plan.assignments:
        victim, shelter = victims.get(a.victim), shelters.get(a.shelter)
        if victim is None or shelter is None:
            continue
        taken[shelter.id] += victim.places_needed
        broken = broken_rules(victim, shelter, instance.now)
        if broken:
            found.append(f"victim '{victim.id}' may not go to '{shelter.id}': {', '.join(broken)}")
        exact = reference.cost(victim, shelter, weights)
        if not _close(a.cost, exact):
            found.append(
                f"cost of '{victim.id}' at '{shelter.id}' is reported as {a.cost}, "
                f"the formula gives {exact}"
            )
    found += [
        f"shelter '{sid}' gets {places} places but has {shelters[sid].free} free"
        for sid, places in taken.items()
        if places > shelters[sid].free
    ]
    return found


def broken_rules(victim: Victim, shelter: Shelter, now: datetime | None) -> list[str]:
    """The reference's reasons against placing ``victim`` at ``shelter``, ``security`` only when
    a zone is nearer than its ``min_km`` by more than :data:`SECURITY_TOL_KM`: the verdict on one
    placement of this check and of the service's ledger, which so agree with the rankings."""
    return reference.reasons(victim, shelter, now, security_slack_km=SECURITY_TOL_KM)


def _shared_shelters(instance: Instance, plan: Plan) -> list[str]:
    """Two victims of the instance who avoid each other (either way) never share a shelter."""
    avoids = {v.id: set(v.avoid) for v in instance.victims}
    at: defaultdict[str, list[str]] = defaultdict(list)
    for a in plan.assignments:
        if a.victim in avoids:
            at[a.shelter].append(a.victim)
    found: list[str] = []
    for sid, here in at.items():
        for i, first in enumerate(here):
            for second in here[i + 1 :]:
                if second in avoids[first] or first in avoids[second]:
                    found.append(f"'{first}' and '{second}' avoid each other but share '{sid}'")
    return found


def _objective(instance: Instance, plan: Plan) -> list[str]:
    """The reported objective is the formula's, and a reported bound does not contradict it."""
    victims = {v.id: v for v in instance.victims}
    placed = [a for a in plan.assignments if a.victim in victims]
    priority = sum(victims[a.victim].priority for a in placed)
    weights = instance.objective.model_dump()
    shelters = {s.id: s for s in instance.shelters}
    cost = math.fsum(
        reference.cost(victims[a.victim], shelters[a.shelter], weights)
        for a in placed
        if a.shelter in shelters
    )
    found: list[str] = []
    reported = plan.objective
    if reported.priority_placed != priority:
        found.append(
            f"objective priority_placed is {reported.priority_placed}, the plan places {priority}"
        )
    if not _close(reported.cost, cost):
        found.append(f"objective cost is {reported.cost}, the plan's costs sum to {cost}")
    bound = reported.bound
    if bound is not None and bound.priority_placed < reported.priority_placed:
        found.append(
            f"bound priority_placed {bound.priority_placed} is below the plan's {priority}"
        )
    if bound is not None and bound.cost is not None and bound.cost > reported.cost * (1 + REL_TOL):
        found.append(f"bound cost {bound.cost} is above the plan's cost {reported.cost}")
    return found
