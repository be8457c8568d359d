"""The plan check catches every kind of broken plan, and lets every valid one through."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings

from engine.solve import solve
from engine.validation import EngineError, PlanInvalid, check_plan, plan_violations
from models.instance import Instance
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
    assert expected in str(raised.value)


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
