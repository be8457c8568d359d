"""A plan built from any assignment reports what the slow reference rules say: exact costs, the
objective, and for every victim not placed how many shelters each reason code rules out."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import reference
from engine.arrays import compile_instance
from engine.plans import build_plan, placement_terms, terms
from engine.solve import solve
from models.instance import Instance
from models.location import distance_km
from models.plan import Plan
from tests.strategies import instances, random_instance


def expected_blocked_by(
    instance: Instance, placements: dict[str, str]
) -> dict[str, dict[str, int]]:
    """Per victim not placed, by the reference rules: every static reason of every shelter, and
    for a shelter with none, ``capacity`` when the placements left too little room there and
    ``avoid`` when someone placed there is avoided by the victim or avoids the victim."""
    victims = {v.id: v for v in instance.victims}
    taken: Counter[str] = Counter()
    here: dict[str, list[str]] = {}
    for victim_id, shelter_id in placements.items():
        taken[shelter_id] += victims[victim_id].places_needed
        here.setdefault(shelter_id, []).append(victim_id)
    found: dict[str, dict[str, int]] = {}
    for victim in instance.victims:
        if victim.id in placements:
            continue
        counts: Counter[str] = Counter()
        for shelter in instance.shelters:
            static = reference.reasons(victim, shelter, instance.now)
            if static:
                counts.update(static)
                continue
            left = shelter.free - taken[shelter.id]
            counts.update(reference.reasons(victim, shelter, instance.now, free=left))
            if any(
                other in victim.avoid or victim.id in victims[other].avoid
                for other in here.get(shelter.id, [])
            ):
                counts["avoid"] += 1
        found[victim.id] = dict(counts)
    return found


def check_against_reference(instance: Instance, plan: Plan) -> None:
    placements = {a.victim: a.shelter for a in plan.assignments}
    order = [v.id for v in instance.victims]
    assert [a.victim for a in plan.assignments] == [v for v in order if v in placements]
    assert [u.victim for u in plan.unassigned] == [v for v in order if v not in placements]
    assert {u.victim: u.blocked_by for u in plan.unassigned} == expected_blocked_by(
        instance, placements
    )
    weights = instance.objective.model_dump()
    costs = []
    for a in plan.assignments:
        exact = reference.cost(instance.victim(a.victim), instance.shelter(a.shelter), weights)
        assert a.cost == pytest.approx(exact)
        costs.append(exact)
    assert plan.objective.cost == pytest.approx(math.fsum(costs))
    placed_priority = sum(instance.victim(v).priority for v in placements)
    assert plan.objective.priority_placed == placed_priority


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances(max_victims=10, max_shelters=8), st.data())
def test_a_plan_of_any_assignment_agrees_with_the_reference(
    instance: Instance, data: st.DataObject
) -> None:
    """Any assignment, valid or not (a shelter overfilled, avoiding victims together): the
    reasons of those left out are counted the same way."""
    plan = _any_plan(instance, data)
    check_against_reference(instance, plan)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances(max_victims=10, max_shelters=8), st.data())
def test_avoid_lists_in_any_order_are_counted_like_the_reference(
    instance: Instance, data: st.DataObject
) -> None:
    """The random instances list an avoided resident after the victims avoided, and few victims
    avoid anyone. Here many do, with residents and people not there at all anywhere in the list:
    an id outside the instance neither hides the victims after it nor counts itself."""
    ids = [victim.id for victim in instance.victims]
    outside = [f"R{r}" for r in range(10)] + ["NOBODY"]
    victims = []
    for victim in instance.victims:
        others = [other for other in ids if other != victim.id] + outside
        more = data.draw(st.lists(st.sampled_from(others), max_size=3, unique=True), victim.id)
        avoid = data.draw(st.permutations(sorted({*victim.avoid, *more})), victim.id)
        victims.append(victim.model_copy(update={"avoid": avoid}))
    instance = instance.model_copy(update={"victims": victims})
    check_against_reference(instance, _any_plan(instance, data))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances(max_victims=10, max_shelters=8), st.data())
def test_the_terms_of_each_placement_are_the_references(
    instance: Instance, data: st.DataObject
) -> None:
    """Distance and soft terms of any assignment's placements, as the reference rules name them;
    a term applies whatever its weight (the desk reads what is so, not what it costs)."""
    plan = _any_plan(instance, data)
    expected: dict[str, tuple[float | None, tuple[str, ...]]] = {}
    for line in plan.assignments:
        victim, shelter = instance.victim(line.victim), instance.shelter(line.shelter)
        distance = (
            None if victim.location is None else distance_km(victim.location, shelter.location)
        )
        expected[line.victim] = (distance, tuple(reference.mismatches(victim, shelter)))
    found = terms(instance, plan)
    assert found.keys() == expected.keys()
    for victim_id, term in found.items():
        distance, mismatches = expected[victim_id]
        assert term.mismatches == mismatches
        assert term.distance_km == pytest.approx(distance)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(instances(max_victims=5, max_shelters=8), st.data())
def test_the_terms_of_any_placements_are_the_references(
    instance: Instance, data: st.DataObject
) -> None:
    """Any victims at any shelters, one at many (a ranking's options, as the case page asks) or
    many at one, each proposed before to a shelter of the network, to one outside it or to none:
    every placement's distance and soft terms are the reference's, whatever is asked along."""
    ids = [shelter.id for shelter in instance.shelters]
    victims = [
        victim.model_copy(
            update={"current": data.draw(st.sampled_from([None, *ids, "S999"]), "current")}
        )
        for victim in instance.victims
    ]
    placements = data.draw(
        st.lists(st.tuples(st.sampled_from(victims), st.sampled_from(instance.shelters))),
        "placements",
    )
    found = placement_terms(
        [(victim, shelter.id) for victim, shelter in placements], instance.shelters
    )
    assert len(found) == len(placements)
    for (victim, shelter), term in zip(placements, found, strict=True):
        assert term.mismatches == tuple(reference.mismatches(victim, shelter))
        if victim.location is None:
            assert term.distance_km is None
        else:
            assert term.distance_km == pytest.approx(distance_km(victim.location, shelter.location))


def test_plan_level_reasons_occur_in_a_seeded_sweep_of_crowded_assignments() -> None:
    """The property above would prove little if nobody were ever left out for want of room or
    for someone placed at a shelter whom they avoid; many victims over few shelters make sure."""
    beyond_static: Counter[str] = Counter()
    for seed in range(40):
        instance = random_instance(seed, 14, 4, density=0.6)
        rng = random.Random(seed)
        assignment = np.array(
            [rng.choice([-1, *range(len(instance.shelters))]) for _ in instance.victims],
            dtype=np.int64,
        )
        plan = build_plan(instance, compile_instance(instance), assignment, status="feasible")
        check_against_reference(instance, plan)
        static = expected_blocked_by(instance, {})
        for u in plan.unassigned:
            for code in ("capacity", "avoid"):
                if u.blocked_by.get(code, 0) > static[u.victim].get(code, 0):
                    beyond_static[code] += 1
    assert beyond_static["capacity"] > 0, beyond_static
    assert beyond_static["avoid"] > 0, beyond_static


@settings(max_examples=25, deadline=None, derandomize=True)
@given(instances(max_victims=15, max_shelters=6))
def test_solver_plans_explain_who_is_left_out_like_the_reference(instance: Instance) -> None:
    for method in ("auto", "greedy"):
        check_against_reference(instance, solve(instance, method=method))


def _any_plan(instance: Instance, data: st.DataObject) -> Plan:
    """The plan of a drawn assignment, valid or not: each victim at any shelter or at none."""
    shelters = len(instance.shelters)
    assignment = np.array(
        data.draw(
            st.lists(
                st.integers(-1, shelters - 1),
                min_size=len(instance.victims),
                max_size=len(instance.victims),
            )
        ),
        dtype=np.int64,
    )
    return build_plan(instance, compile_instance(instance), assignment, status="feasible")
