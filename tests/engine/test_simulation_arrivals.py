"""Who arrives: each person drawn from the scenario's mix keeps the rules the mix stands for.

The mix gives shares; with every share at 0 or 1 each drawn person is fixed by them, so the rules
can be read off the person: who is a minor, who brings children, who may join COSM, what
exploitation table applies and where the danger zone lies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.simulation.arrivals import draw_victim
from models import gazetteer
from models.scenario import Demand, Mix
from tests.scenario_helpers import PLAIN_MIX

SHARE = st.sampled_from([0.0, 1.0])
# A small town, so that a person exploited elsewhere is rarely exploited there too.
FOUND = "Vaals"
# One exploitation per group, so the table a person was drawn from shows.
EXPLOITATION = {"minor": {"labour": 1.0}, "female": {"sexual": 1.0}, "male": {"criminal": 1.0}}


SHARED = ("minor", "dutch", "cosm", "children_female", "children_male", "zone", "elsewhere")
SHARES = st.fixed_dictionaries(dict.fromkeys(SHARED, SHARE))


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32), gender=st.sampled_from(["female", "male"]), shares=SHARES)
def test_a_person_drawn_keeps_the_rules_of_the_mix(
    seed: int, gender: str, shares: dict[str, float]
) -> None:
    """Minors are 12 to 17, bring no children and go to youth care; adults are 18 to 65 and
    bring children by their gender's share; only adults from abroad may join COSM; a danger
    zone lies where the person was found unless they were exploited elsewhere."""
    minor, dutch, cosm = shares["minor"], shares["dutch"], shares["cosm"]
    children_female, children_male = shares["children_female"], shares["children_male"]
    zone, elsewhere = shares["zone"], shares["elsewhere"]
    mix: dict[str, Any] = {
        **PLAIN_MIX,
        "gender": {gender: 1.0},
        "minor_share": minor,
        "dutch_share": dutch,
        "cosm_eligible_share": cosm,
        "children": {"share_female": children_female, "share_male": children_male},
        "exploitation": EXPLOITATION,
    }
    demand = Demand.model_validate(
        {
            "arrivals_per_week": {},
            "danger_zones": {"share": zone, "exploited_elsewhere_share": elsewhere},
        }
    )
    found = gazetteer.resolve(FOUND)
    victim = draw_victim(np.random.default_rng(seed), "A1", found, Mix.model_validate(mix), demand)
    group = "minor" if minor else gender
    assert victim.gender == gender
    assert (12 <= victim.age <= 17) if minor else (18 <= victim.age <= 65)
    assert victim.exploitation == next(iter(EXPLOITATION[group]))
    children = 0.0 if minor else (children_male if gender == "male" else children_female)
    assert (victim.children > 0) == bool(children)
    if minor:
        assert victim.programmes == ["youth"]
    else:
        assert victim.programmes == (["cosm"] if cosm and not dutch else [])
    if dutch:
        assert victim.languages == ["nl"]
    if zone:
        # Exploited elsewhere: in a municipality drawn for it, which may now and then be the
        # one they were found in too (how rarely is the test below).
        (danger,) = victim.danger_zones
        places = {(m.lat, m.lon) for m in gazetteer.municipalities()} if elsewhere else set()
        assert danger.location.point in (places or {(found.lat, found.lon)})
    else:
        assert victim.danger_zones == []


def test_a_danger_zone_lies_where_the_person_was_exploited() -> None:
    """Where they were found, unless exploited elsewhere: then in a municipality drawn for it,
    which is a small town like the one they were found in only now and then."""
    found = gazetteer.resolve(FOUND)
    mix = Mix.model_validate(PLAIN_MIX)
    at_found = []
    for elsewhere in (0.0, 1.0):
        zones = {"share": 1.0, "exploited_elsewhere_share": elsewhere}
        demand = Demand.model_validate({"arrivals_per_week": {}, "danger_zones": zones})
        rng = np.random.default_rng(7)
        victims = [draw_victim(rng, f"A{n}", found, mix, demand) for n in range(200)]
        points = [v.danger_zones[0].location.point for v in victims]
        at_found.append(sum(point == (found.lat, found.lon) for point in points))
    assert at_found[0] == 200
    assert at_found[1] <= 5


def test_minors_are_drawn_at_every_age_from_12_to_17() -> None:
    mix = Mix.model_validate({**PLAIN_MIX, "minor_share": 1.0})
    demand = Demand.model_validate({"arrivals_per_week": {}})
    rng = np.random.default_rng(1)
    found = gazetteer.resolve(FOUND)
    ages = {draw_victim(rng, f"A{n}", found, mix, demand).age for n in range(200)}
    assert ages == set(range(12, 18))
