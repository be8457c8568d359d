"""The plan check catches every kind of broken plan, and lets every valid one through."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from engine import reference
from engine.geo import haversine_km
from engine.ranking import rank
from engine.solve import solve
from engine.validation import REL_TOL, EngineError, PlanInvalid, check_plan, plan_violations
from models.instance import Instance
from models.location import Location, distance_km
from models.plan import Assignment, Bound, Plan, PlanObjective, Unassigned
from tests.strategies import instances


def _instance() -> Instance:
    """Two shelters, four victims: A and B avoid each other, D brings two children."""
    return Instance.model_validate(
        {
            "format": "safeplace.instance/1",
            "shelters": [
                {
                    "id": "S1",
                    "location": {"lat": 52.0, "lon": 5.0},
                    "capacity": 3,
                    "genders": ["female"],
                    "children": True,
                },
                {"id": "S2", "location": {"lat": 52.5, "lon": 5.0}, "capacity": 2},
            ],
            "victims": [
                {
                    "id": "A",
                    "gender": "female",
                    "age": 30,
                    "avoid": ["B"],
                    "location": {"lat": 52.0, "lon": 5.1},
                },
                {"id": "B", "gender": "female", "age": 25, "priority": 3},
                {"id": "C", "gender": "male", "age": 40, "exploitation": "labour"},
                {"id": "D", "gender": "female", "age": 33, "children": 2, "priority": 2},
            ],
        }
    )


def _valid_plan(instance: Instance) -> Plan:
    plan = solve(instance)
    assert plan_violations(instance, plan) == []
    return plan


def _replace_assignment(plan: Plan, victim: str, **changes: object) -> Plan:
    assignments = [
        a.model_copy(update=changes) if a.victim == victim else a for a in plan.assignments
    ]
    return plan.model_copy(update={"assignments": assignments})


def _with_objective(plan: Plan, **changes: object) -> Plan:
    return plan.model_copy(update={"objective": plan.objective.model_copy(update=changes)})


def _assigned(plan: Plan, victim: str) -> Assignment:
    return next(a for a in plan.assignments if a.victim == victim)


def test_the_solver_plan_is_valid_and_passes_the_check() -> None:
    instance = _instance()
    plan = _valid_plan(instance)
    assert check_plan(instance, plan) is plan
    # D's family fills S1, so A (lowest priority) is left out: S1 has no room, S2 has B.
    assert {a.victim: a.shelter for a in plan.assignments} == {"B": "S2", "C": "S2", "D": "S1"}
    assert plan.unassigned == [Unassigned(victim="A", blocked_by={"avoid": 1, "capacity": 2})]


BREAKS: dict[str, tuple[Callable[[Plan], Plan], str]] = {
    "unknown victim": (
        lambda p: p.model_copy(
            update={"unassigned": [*p.unassigned, Unassigned(victim="Z", blocked_by={})]}
        ),
        "unknown victim 'Z'",
    ),
    "unknown victim placed": (
        lambda p: p.model_copy(
            update={"assignments": [*p.assignments, Assignment(victim="Z", shelter="S2", cost=0)]}
        ),
        "unknown victim 'Z'",
    ),
    "victim twice": (
        lambda p: p.model_copy(
            update={"unassigned": [*p.unassigned, Unassigned(victim="B", blocked_by={})]}
        ),
        "victim 'B' appears 2 times",
    ),
    "victim missing": (
        lambda p: p.model_copy(update={"unassigned": []}),
        "victim 'A' is missing",
    ),
    "unknown shelter": (
        lambda p: _replace_assignment(p, "C", shelter="S9"),
        "unknown shelter 'S9'",
    ),
    "hard rule": (
        lambda p: _replace_assignment(p, "C", shelter="S1"),
        "victim 'C' may not go to 'S1': gender",
    ),
    "places": (
        lambda p: p.model_copy(
            update={
                "assignments": [*p.assignments, Assignment(victim="A", shelter="S1", cost=5.0)],
                "unassigned": [],
            }
        ),
        "shelter 'S1' gets 4 places but has 3 free",
    ),
    "avoid": (
        lambda p: p.model_copy(
            update={
                "assignments": [*p.assignments, Assignment(victim="A", shelter="S2", cost=0.0)],
                "unassigned": [],
            }
        ),
        "'B' and 'A' avoid each other but share 'S2'",
    ),
    "assignment cost": (
        lambda p: _replace_assignment(p, "C", cost=_assigned(p, "C").cost + 1.0),
        "cost of 'C' at 'S2' is reported",
    ),
    # B has no location and nothing to mismatch: a cost of 0, which no relative tolerance holds.
    "zero cost": (
        lambda p: _replace_assignment(p, "B", cost=1e-6),
        "cost of 'B' at 'S2' is reported as 1e-06, the formula gives 0.0",
    ),
    "priority placed": (
        lambda p: _with_objective(p, priority_placed=p.objective.priority_placed + 1),
        "objective priority_placed",
    ),
    "objective cost": (
        lambda p: _with_objective(p, cost=p.objective.cost * 1.01 + 1.0),
        "objective cost",
    ),
    "bound below plan": (
        lambda p: _with_objective(p, bound=Bound(priority_placed=0, cost=None)),
        "bound priority_placed 0 is below",
    ),
    "cost bound above plan": (
        lambda p: _with_objective(
            p, bound=Bound(priority_placed=p.objective.priority_placed, cost=p.objective.cost + 5)
        ),
        "bound cost",
    ),
}


@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_each_kind_of_broken_plan_is_caught(kind: str) -> None:
    instance = _instance()
    breaker, expected = BREAKS[kind]
    broken = breaker(_valid_plan(instance))
    violations = plan_violations(instance, broken)
    assert any(expected in v for v in violations), violations
    with pytest.raises(PlanInvalid) as raised:
        check_plan(instance, broken)
    assert isinstance(raised.value, EngineError)
    assert raised.value.violations == violations
    # The message says how many rules are broken, then each on its own line.
    assert str(raised.value).splitlines() == [
        f"plan breaks {len(violations)} rule(s) of the contract:",
        *violations,
    ]


def test_costs_are_compared_with_a_relative_tolerance() -> None:
    instance = _instance()
    plan = _valid_plan(instance)
    nudged = _replace_assignment(plan, "C", cost=_assigned(plan, "C").cost * (1 + 1e-9))
    nudged = _with_objective(nudged, cost=plan.objective.cost * (1 + 1e-9))
    assert plan_violations(instance, nudged) == []


def test_an_empty_plan_is_valid() -> None:
    instance = _instance()
    plan = Plan(
        status="feasible",
        assignments=[],
        unassigned=[Unassigned(victim=v.id, blocked_by={}) for v in instance.victims],
        objective=PlanObjective(priority_placed=0, cost=0.0),
        solve_seconds=0.0,
    )
    assert plan_violations(instance, plan) == []


@settings(max_examples=25, deadline=None, derandomize=True)
@given(instances(max_victims=15, max_shelters=8))
def test_every_solver_plan_passes_the_check(instance: Instance) -> None:
    for method in ("auto", "greedy"):
        assert plan_violations(instance, solve(instance, method=method)) == []


AVOIDING = re.compile(r"'(.+)' and '(.+)' avoid each other but share '(.+)'")


def _normalised(violation: str) -> str:
    """An avoid violation names the two in either order; sort them."""
    if match := AVOIDING.fullmatch(violation):
        first, second = sorted(match.group(1, 2))
        return f"'{first}' and '{second}' avoid each other but share '{match.group(3)}'"
    return violation


def expected_violations(instance: Instance, placements: dict[str, str]) -> list[str]:
    """What the reference rules find wrong with placing victims so, pair by pair and per shelter
    (with the exact costs and objective, so only the hard rules can be broken)."""
    victims = {v.id: v for v in instance.victims}
    found: list[str] = []
    taken: Counter[str] = Counter()
    at: dict[str, list[str]] = {}
    for victim_id, shelter_id in placements.items():
        victim, shelter = victims[victim_id], instance.shelter(shelter_id)
        taken[shelter_id] += victim.places_needed
        at.setdefault(shelter_id, []).append(victim_id)
        if broken := reference.reasons(victim, shelter, instance.now):
            found.append(f"victim '{victim_id}' may not go to '{shelter_id}': {', '.join(broken)}")
    for shelter in instance.shelters:
        if (places := taken[shelter.id]) > shelter.free:
            found.append(f"shelter '{shelter.id}' gets {places} places but has {shelter.free} free")
        for first, second in itertools.combinations(sorted(at.get(shelter.id, [])), 2):
            if second in victims[first].avoid or first in victims[second].avoid:
                found.append(f"'{first}' and '{second}' avoid each other but share '{shelter.id}'")
    return found


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances(max_victims=10, max_shelters=5), st.data())
def test_any_placements_are_checked_like_the_reference(
    instance: Instance, data: st.DataObject
) -> None:
    """Victims put anywhere (most such plans break some rule), with honest costs: the check
    finds exactly the broken hard rules, overfilled shelters and avoiding pairs, and a line for
    an unknown victim wherever it is listed."""
    shelters = [None, *(s.id for s in instance.shelters)]
    chosen = data.draw(
        st.lists(
            st.sampled_from(shelters),
            min_size=len(instance.victims),
            max_size=len(instance.victims),
        )
    )
    placements = {v.id: s for v, s in zip(instance.victims, chosen, strict=True) if s is not None}
    weights = instance.objective.model_dump()
    assignments = [
        Assignment(
            victim=victim_id,
            shelter=shelter_id,
            cost=reference.cost(instance.victim(victim_id), instance.shelter(shelter_id), weights),
        )
        for victim_id, shelter_id in placements.items()
    ]
    # Somewhere among them, maybe, a line for someone the instance does not know: it is named,
    # and every line after it is still checked.
    stray = data.draw(st.none() | st.integers(0, len(assignments)), "stray")
    if stray is not None:
        unknown = Assignment(victim="Z", shelter=instance.shelters[0].id, cost=0.0)
        assignments.insert(stray, unknown)
    plan = Plan(
        status="feasible",
        assignments=assignments,
        unassigned=[
            Unassigned(victim=v.id, blocked_by={})
            for v in instance.victims
            if v.id not in placements
        ],
        objective=PlanObjective(
            priority_placed=sum(instance.victim(v).priority for v in placements),
            cost=math.fsum(a.cost for a in assignments),
        ),
        solve_seconds=0.0,
    )
    got = Counter(_normalised(v) for v in plan_violations(instance, plan))
    expected = expected_violations(instance, placements)
    if stray is not None:
        expected.append("unknown victim 'Z' in the plan")
    assert got == Counter(expected)


def test_a_bound_equal_to_the_plan_is_no_violation() -> None:
    """A time limit may stop the search just when the plan reaches its bound; that bound holds,
    and one priority point below the plan does not."""
    instance = _instance()
    plan = _valid_plan(instance)
    priority, cost = plan.objective.priority_placed, plan.objective.cost
    assert cost > 0
    for bound_cost in (None, cost, cost * (1 + REL_TOL), cost * 0.5):
        bounded = _with_objective(plan, bound=Bound(priority_placed=priority, cost=bound_cost))
        assert plan_violations(instance, bounded) == [], bound_cost
    below = _with_objective(plan, bound=Bound(priority_placed=priority - 1, cost=None))
    assert plan_violations(instance, below) == [
        f"bound priority_placed {priority - 1} is below the plan's {priority}"
    ]
    above = _with_objective(plan, bound=Bound(priority_placed=priority, cost=cost * (1 + 1e-5)))
    assert plan_violations(instance, above) == [
        f"bound cost {cost * (1 + 1e-5)} is above the plan's cost {cost}"
    ]


_LATITUDES = st.floats(50.7, 53.6)
_LONGITUDES = st.floats(3.3, 7.3)


def _one_zone(shelter_at: Location, zone_at: Location, min_km: float) -> Instance:
    """One shelter with one place, and one woman who must live ``min_km`` from a zone."""
    return Instance.model_validate(
        {
            "format": "safeplace.instance/1",
            "shelters": [{"id": "S1", "location": shelter_at.model_dump(), "capacity": 1}],
            "victims": [
                {
                    "id": "A",
                    "gender": "female",
                    "age": 30,
                    "danger_zones": [{"location": zone_at.model_dump(), "min_km": min_km}],
                }
            ],
        }
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_LATITUDES, _LONGITUDES, _LATITUDES, _LONGITUDES, st.sampled_from(["rules", "reference"]))
@example(51.95, 6.11, 52.83, 3.31, "rules")
def test_a_zone_as_far_as_the_shelter_neither_stops_the_plan_nor_parts_it_from_the_ranking(
    shelter_lat: float, shelter_lon: float, zone_lat: float, zone_lon: float, measured_by: str
) -> None:
    """A desk may type as a zone's ``min_km`` the very distance a ranking showed. Computed by
    the rules' arrays or by the reference, that distance can sit a last bit either side of the
    other computation's: the plan is still written, and places the victim exactly when the
    ranking offers the shelter."""
    shelter_at = Location(lat=shelter_lat, lon=shelter_lon)
    zone_at = Location(lat=zone_lat, lon=zone_lon)
    if measured_by == "rules":
        lat, lon = np.array([zone_lat]), np.array([zone_lon])
        km = float(haversine_km(lat, lon, np.array([shelter_lat]), np.array([shelter_lon]))[0, 0])
    else:
        km = distance_km(shelter_at, zone_at)
    assume(0 < km <= 2000)
    instance = _one_zone(shelter_at, zone_at, km)
    plan = solve(instance)
    offered = [option.shelter for option in rank(instance, "A").options]
    assert [a.shelter for a in plan.assignments] == offered


@settings(max_examples=60, deadline=None, derandomize=True)
@given(_LATITUDES, _LONGITUDES, _LATITUDES, _LONGITUDES)
def test_a_shelter_ten_micrometres_inside_a_zone_is_a_breach(
    shelter_lat: float, shelter_lon: float, zone_lat: float, zone_lon: float
) -> None:
    """The check forgives a micrometre at a zone's edge (two computations of one distance), not
    more: a placement nearer than ``min_km`` by ten micrometres breaks ``security``."""
    shelter_at = Location(lat=shelter_lat, lon=shelter_lon)
    zone_at = Location(lat=zone_lat, lon=zone_lon)
    km = distance_km(shelter_at, zone_at)
    assume(0 < km <= 1990)
    instance = _one_zone(shelter_at, zone_at, km + 1e-8)
    plan = Plan(
        status="feasible",
        assignments=[Assignment(victim="A", shelter="S1", cost=0.0)],
        unassigned=[],
        objective=PlanObjective(priority_placed=1, cost=0.0),
        solve_seconds=0.0,
    )
    assert plan_violations(instance, plan) == ["victim 'A' may not go to 'S1': security"]
