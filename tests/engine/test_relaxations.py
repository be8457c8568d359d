"""Each relaxation, applied as a single change with the slow reference rules, opens exactly the
shelters it reports; no other single change of the same kind opens any more (or, for a danger
zone, opens any with a smaller change).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from hypothesis import given, settings

from engine import reference
from engine.arrays import compile_instance
from engine.ranking import Ranker
from engine.relaxations import RELAXERS
from engine.rules import RULES
from models.codes import CONDITIONS
from models.instance import Instance, validate_instance
from models.location import distance_km
from models.shelter import Shelter
from models.victim import Victim
from tests.strategies import instances, random_instance


def opened(victim: Victim, shelters: list[Shelter], now: datetime | None) -> list[str]:
    """Ids of the shelters the reference rules let the victim into, sorted."""
    return sorted(s.id for s in shelters if not reference.reasons(victim, s, now))


def largest_opening_min_km(
    victim: Victim, shelters: list[Shelter], now: datetime | None, z: int
) -> tuple[float, list[str]] | None:
    """Try every distance of a shelter inside zone ``z`` as its min_km, largest first."""
    zone = victim.danger_zones[z]
    distances = {distance_km(s.location, zone.location) for s in shelters}
    for reach in sorted((d for d in distances if d < zone.min_km), reverse=True):
        zones = list(victim.danger_zones)
        zones[z] = zone.model_copy(update={"min_km": reach})
        opens = opened(victim.model_copy(update={"danger_zones": zones}), shelters, now)
        if opens:
            return reach, opens
    return None


def accepting(condition: str, shelter: Shelter) -> dict[str, Any]:
    """The change that makes ``shelter`` accept ``condition``."""
    return {"accepts": [*shelter.accepts, condition]}


def expected_relaxations(
    victim: Victim, shelters: list[Shelter], now: datetime | None
) -> list[tuple[str, list[str]]]:
    """Every single change, applied by brute force, in the contract's rule order."""
    found: list[tuple[str, list[str]]] = []

    def each_shelter(rule: str, change: Callable[[Shelter], dict[str, Any]]) -> None:
        opens = opened(victim, [s.model_copy(update=change(s)) for s in shelters], now)
        if opens:
            found.append((rule, opens))

    each_shelter("gender", lambda s: {"genders": [*s.genders, victim.gender]})
    each_shelter(
        "age",
        lambda s: {"min_age": min(s.min_age, victim.age), "max_age": max(s.max_age, victim.age)},
    )
    each_shelter("children", lambda _: {"children": True})
    for condition in CONDITIONS:
        if condition in victim.conditions:
            each_shelter(f"condition:{condition}", partial(accepting, condition))
    for programme in sorted({s.programme for s in shelters if s.programme is not None}):
        eligible = victim.model_copy(update={"programmes": [*victim.programmes, programme]})
        if opens := opened(eligible, shelters, now):
            found.append(("programme", opens))
    for z in range(len(victim.danger_zones)):
        if relaxed := largest_opening_min_km(victim, shelters, now, z):
            found.append(("security", relaxed[1]))
    each_shelter("intake_hours", lambda _: {"intake": "24/7"})
    each_shelter(
        "avoid", lambda s: {"residents": [r for r in s.residents if r not in victim.avoid]}
    )
    before: list[str] = []
    for more in range(1, victim.places_needed + 1):
        now_open = opened(
            victim, [s.model_copy(update={"capacity": s.capacity + more}) for s in shelters], now
        )
        if new := [shelter_id for shelter_id in now_open if shelter_id not in before]:
            found.append(("capacity", new))
        before = now_open
    return found


def check_against_brute_force(instance: Instance) -> set[str]:
    """Rank each victim against the shelters closed to it; return the rules that relaxed."""
    relaxed: set[str] = set()
    for listed in instance.victims:
        # Only the shelters closed to this victim, so that nothing fits; a current shelter
        # outside that network would change costs only, never reasons.
        victim = listed.model_copy(update={"current": None})
        closed = [s for s in instance.shelters if reference.reasons(victim, s, instance.now)]
        ranking = Ranker(closed, instance.now, instance.objective).rank(victim)
        assert ranking.options == []
        got = [(r.rule, r.opens) for r in ranking.relaxations]
        assert got == expected_relaxations(victim, closed, instance.now)
        for relaxation in ranking.relaxations:
            relaxed.add(relaxation.rule.split(":")[0])
            if relaxation.rule == "security":
                z = int(relaxation.detail.split()[2])
                found = largest_opening_min_km(victim, closed, instance.now, z)
                assert found is not None
                shown = math.floor(found[0] * 10) / 10
                min_km = victim.danger_zones[z].min_km
                change = f"at {shown:.1f} km" if shown > 0 else "dropped"
                assert relaxation.detail == f"danger zone {z} {change} instead of {min_km:g} km"
    return relaxed


@settings(max_examples=120, deadline=None, derandomize=True)
@given(instances(max_victims=8, max_shelters=10))
def test_relaxations_equal_single_changes_applied_by_brute_force(instance: Instance) -> None:
    check_against_brute_force(instance)


def test_every_rule_relaxes_against_brute_force_in_a_seeded_sweep() -> None:
    """Residents to avoid and danger zones rarely decide alone; a sweep makes sure they do."""
    relaxed: set[str] = set()
    for seed in range(40):
        relaxed |= check_against_brute_force(random_instance(seed, 12, 10, density=0.6))
    assert relaxed == {rule.name for rule in RULES}


def test_every_rule_knows_how_to_relax() -> None:
    assert set(RELAXERS) == {rule.name for rule in RULES}


AMSTERDAM = {"lat": 52.37, "lon": 4.89}
UTRECHT = {"lat": 52.09, "lon": 5.12}


def one_victim(
    shelters: list[dict[str, Any]], victim: dict[str, Any], now: str | None = None
) -> Instance:
    """An instance of JSON-shaped shelters and one victim ``V1``."""
    return validate_instance(
        {
            "format": "safeplace.instance/1",
            "shelters": shelters,
            "victims": [{"id": "V1", "gender": "female", "age": 30, **victim}],
            "now": now,
        }
    )


def relaxations_of(instance: Instance) -> list[tuple[str, str, list[str]]]:
    ranking = Ranker(instance.shelters, instance.now).rank(instance.victims[0])
    assert ranking.options == []
    return [(r.rule, r.detail, r.opens) for r in ranking.relaxations]


def test_a_zone_is_relaxed_only_to_open_shelters_no_other_zone_keeps_closed() -> None:
    zones = [{"location": AMSTERDAM, "min_km": 40}, {"location": UTRECHT, "min_km": 35}]
    places = {
        "HAARLEM": {"lat": 52.38, "lon": 4.64},
        "CENTRE": {"lat": 52.40, "lon": 4.90},
        "BETWEEN": {"lat": 52.23, "lon": 5.00},
        "VEENENDAAL": {"lat": 52.03, "lon": 5.55},
    }
    instance = one_victim(
        [{"id": name, "location": place, "capacity": 1} for name, place in places.items()],
        {"danger_zones": zones},
    )
    victim = instance.victims[0]
    km = {
        s.id: [distance_km(s.location, zone.location) for zone in victim.danger_zones]
        for s in instance.shelters
    }
    inside = {
        name: [z for z, zone in enumerate(victim.danger_zones) if d[z] < zone.min_km]
        for name, d in km.items()
    }
    # The premise: two shelters inside zone 0 only, one inside both, one inside zone 1 only.
    assert inside == {"HAARLEM": [0], "CENTRE": [0], "BETWEEN": [0, 1], "VEENENDAAL": [1]}
    haarlem = math.floor(km["HAARLEM"][0] * 10) / 10
    veenendaal = math.floor(km["VEENENDAAL"][1] * 10) / 10
    assert relaxations_of(instance) == [
        ("security", f"danger zone 0 at {haarlem:.1f} km instead of 40 km", ["HAARLEM"]),
        ("security", f"danger zone 1 at {veenendaal:.1f} km instead of 35 km", ["VEENENDAAL"]),
    ]


def test_a_shelter_at_the_danger_zone_itself_needs_the_zone_dropped() -> None:
    instance = one_victim(
        [{"id": "S1", "location": AMSTERDAM, "capacity": 1}],
        {"danger_zones": [{"location": AMSTERDAM, "min_km": 12.5}]},
    )
    assert relaxations_of(instance) == [
        ("security", "danger zone 0 dropped instead of 12.5 km", ["S1"])
    ]


def test_each_rule_says_what_would_have_to_change() -> None:
    base = {"location": AMSTERDAM, "capacity": 3}
    welcoming = {**base, "children": True, "accepts": list(CONDITIONS)}
    instance = one_victim(
        [
            {"id": "G1", **base, "genders": ["female"]},
            {"id": "A1", **base, "min_age": 12, "max_age": 17},
            {"id": "K1", **base, "accepts": list(CONDITIONS)},
            {"id": "C1", **base, "children": True, "accepts": ["psychiatric"]},
            {"id": "C2", **base, "children": True, "accepts": ["addiction"]},
            {"id": "P2", **welcoming, "programme": "youth"},
            {"id": "P1", **welcoming, "programme": "cosm"},
            {"id": "R1", **welcoming, "residents": ["R7"]},
            {"id": "F2", **welcoming, "occupied": 3},
            {"id": "N1", **welcoming, "occupied": 2},
        ],
        {
            "gender": "x",
            "children": 1,
            "conditions": ["addiction", "psychiatric"],
            "avoid": ["R7"],
        },
    )
    assert relaxations_of(instance) == [
        ("children", "K1 would need to take in a child", ["K1"]),
        ("condition:addiction", "C1 would need to accept addiction", ["C1"]),
        ("condition:psychiatric", "C2 would need to accept psychiatric", ["C2"]),
        ("programme", "the victim would need eligibility for programme 'cosm'", ["P1"]),
        ("programme", "the victim would need eligibility for programme 'youth'", ["P2"]),
        # Never who: the avoided person's id stays out of the detail.
        ("avoid", "R1: a resident the victim must avoid lives there", ["R1"]),
        ("capacity", "N1 would need 1 more free place", ["N1"]),
        ("capacity", "F2 would need 2 more free places", ["F2"]),
    ]


def test_gender_and_age_name_at_most_three_shelters() -> None:
    shelters = [
        {"id": f"S{i}", "location": AMSTERDAM, "capacity": 1, "genders": ["female"]}
        for i in range(1, 6)
    ]
    youth = {"id": "Y1", "location": AMSTERDAM, "capacity": 1, "min_age": 12, "max_age": 17}
    instance = one_victim(shelters, {"gender": "male"})
    assert relaxations_of(instance) == [
        (
            "gender",
            "S1, S2, S3 and 2 more would need to take in male",
            ["S1", "S2", "S3", "S4", "S5"],
        ),
    ]
    instance = one_victim([youth], {"age": 30})
    assert relaxations_of(instance) == [("age", "Y1 would need to take in age 30", ["Y1"])]


def test_intake_hours_name_the_earliest_opening_in_amsterdam_time() -> None:
    evening = [{"days": "mon-fri", "from": "18:00", "to": "24:00"}]
    instance = one_victim(
        [
            {"id": "OFFICE", "location": AMSTERDAM, "capacity": 1, "intake": "office"},
            {"id": "EVENING", "location": AMSTERDAM, "capacity": 1, "intake": evening},
            {"id": "NEVER", "location": AMSTERDAM, "capacity": 1, "intake": []},
        ],
        {},
        # Sunday 29 March 2026, 00:30 UTC: 01:30 in Amsterdam, before the clocks go forward.
        now="2026-03-29T00:30:00Z",
    )
    assert relaxations_of(instance) == [
        (
            "intake_hours",
            "intake from Mon 30 Mar 09:00 at OFFICE",
            ["EVENING", "NEVER", "OFFICE"],
        )
    ]
    never = one_victim(
        [{"id": "NEVER", "location": AMSTERDAM, "capacity": 1, "intake": []}],
        {},
        now="2026-03-29T00:30:00Z",
    )
    assert relaxations_of(never) == [("intake_hours", "no intake hours at all at NEVER", ["NEVER"])]


def test_shelters_opening_at_the_same_earliest_moment_are_named_in_id_order() -> None:
    instance = one_victim(
        [
            {"id": id_, "location": AMSTERDAM, "capacity": 1, "intake": "office"}
            for id_ in ("S3", "S1", "S2")
        ],
        {},
        now="2026-11-28T02:30:00+01:00",
    )
    assert relaxations_of(instance) == [
        ("intake_hours", "intake from Mon 30 Nov 09:00 at S1, S2, S3", ["S1", "S2", "S3"])
    ]


def test_the_earliest_intake_is_earliest_in_real_time_when_the_clocks_go_back() -> None:
    """At 02:35 summer time on the autumn Sunday, LATE opens at 02:45 in twenty minutes and
    EARLY at 02:15 only after the clocks went back, in an hour and forty minutes."""
    instance = one_victim(
        [
            {
                "id": "EARLY",
                "location": AMSTERDAM,
                "capacity": 1,
                "intake": [{"days": "sun", "from": "02:15", "to": "02:30"}],
            },
            {
                "id": "LATE",
                "location": AMSTERDAM,
                "capacity": 1,
                "intake": [{"days": "sun", "from": "02:45", "to": "03:00"}],
            },
        ],
        {},
        now="2026-10-25T00:35:00Z",
    )
    assert relaxations_of(instance) == [
        ("intake_hours", "intake from Sun 25 Oct 02:45 at LATE", ["EARLY", "LATE"])
    ]


def test_a_shelter_exactly_min_km_from_one_zone_is_opened_by_relaxing_the_other() -> None:
    """At exactly ``min_km`` a zone keeps no shelter closed: only the zone it is inside counts."""
    shelter = {"id": "S1", "location": UTRECHT, "capacity": 1}
    probe = one_victim([shelter], {"danger_zones": [{"location": AMSTERDAM, "min_km": 1}]})
    exact = float(compile_instance(probe).zone_distance_km[0, 0])
    zones = [{"location": AMSTERDAM, "min_km": exact}, {"location": UTRECHT, "min_km": 10}]
    instance = one_victim([shelter], {"danger_zones": zones})
    assert relaxations_of(instance) == [
        ("security", "danger zone 1 dropped instead of 10 km", ["S1"])
    ]


def test_more_than_one_child_is_counted_and_three_shelters_are_named_in_full() -> None:
    shelters = [{"id": f"S{i}", "location": AMSTERDAM, "capacity": 3} for i in range(1, 4)]
    instance = one_victim(shelters, {"children": 2})
    assert relaxations_of(instance) == [
        ("children", "S1, S2, S3 would need to take in 2 children", ["S1", "S2", "S3"])
    ]


def test_no_single_change_opens_a_shelter_with_two_reasons() -> None:
    instance = one_victim(
        [{"id": "S1", "location": AMSTERDAM, "capacity": 0, "genders": ["male"]}], {}
    )
    assert relaxations_of(instance) == []
