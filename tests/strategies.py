"""Random contract instances for property tests, shared by every test module.

Instances are drawn in a box around the Netherlands; ``density`` sets how open the shelters are
(0.2 leaves a few percent of the pairs compatible, 0.6 about a fifth), so that tests exercise
both "fits" and "no room": every hard rule fires somewhere, capacities are tight, some victims
bring children, some avoid each other or a resident, some were already proposed to a shelter
(``current``), and ``now`` falls inside or outside intake windows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Literal

from hypothesis import strategies as st

from models.codes import CONDITIONS, EXPLOITATIONS, GENDERS
from models.instance import Instance, Objective
from models.intake import IntakeWindow
from models.location import Location
from models.shelter import Shelter
from models.victim import DangerZone, Victim

LANGUAGES = ("nl", "en", "pl", "ro", "bg", "es")
PROGRAMMES = ("cosm", "youth")
# The box the sample is drawn in: most of the Netherlands.
LAT_RANGE = (50.8, 53.4)
LON_RANGE = (3.6, 7.1)


def _point(rng: random.Random) -> Location:
    return Location(lat=round(rng.uniform(*LAT_RANGE), 4), lon=round(rng.uniform(*LON_RANGE), 4))


def _intake(rng: random.Random) -> Literal["24/7", "office"] | list[IntakeWindow]:
    roll = rng.random()
    if roll < 0.55:
        return "24/7"
    if roll < 0.85:
        return "office"
    windows = [
        IntakeWindow(days="mon-fri", start="08:00", end="20:00"),
        IntakeWindow(days="fri-mon", start="18:00", end="24:00"),
        IntakeWindow(days="sat,sun", start="00:00", end="10:00"),
    ]
    return rng.sample(windows, rng.randint(0, 2))


def random_shelter(rng: random.Random, index: int, density: float) -> Shelter:
    """One shelter; higher ``density`` makes it accept more kinds of people."""
    openness = min(0.95, 0.35 + density)
    capacity = rng.randint(0, 6)
    genders = [g for g in GENDERS if rng.random() < openness] or [rng.choice(GENDERS)]
    min_age = rng.choice([0, 12, 18, 18, 18])
    return Shelter(
        id=f"S{index:03d}",
        location=_point(rng),
        capacity=capacity,
        occupied=rng.randint(0, capacity // 2),
        genders=genders,
        min_age=min_age,
        max_age=rng.choice([17, 23, 120, 120]) if min_age < 18 else 120,
        children=rng.random() < openness,
        accepts=[c for c in CONDITIONS if rng.random() < openness],
        specialisations=[e for e in EXPLOITATIONS if rng.random() < 0.4],
        languages=sorted({"nl", *(lang for lang in LANGUAGES if rng.random() < 0.3)}),
        programme=rng.choice([None, None, None, None, *PROGRAMMES]),
        intake=_intake(rng),
        residents=sorted({f"R{rng.randint(0, 9)}" for _ in range(rng.randint(0, 2))}),
    )


def random_victim(
    rng: random.Random,
    index: int,
    count: int,
    shelter_ids: list[str],
    *,
    children: bool,
    avoid: bool,
    current: bool,
) -> Victim:
    """One victim; references (avoid, current) point into the same instance."""
    others = [f"V{j:03d}" for j in range(count) if j != index]
    avoid_ids: list[str] = []
    if avoid and rng.random() < 0.15:
        avoid_ids = rng.sample(others, min(len(others), rng.randint(1, 2)))
        if rng.random() < 0.3:
            avoid_ids.append(f"R{rng.randint(0, 9)}")  # a resident of some shelter, maybe
    zones = [
        DangerZone(location=_point(rng), min_km=round(rng.uniform(5, 60), 1))
        for _ in range(rng.choice([0, 0, 1, 1, 2]))
    ]
    return Victim(
        id=f"V{index:03d}",
        gender=rng.choice(["female", "female", "female", "male", "x"]),
        age=rng.choice([rng.randint(12, 17), *[rng.randint(18, 60)] * 4]),
        children=rng.choice([0, 0, 0, 1, 2, 3]) if children else 0,
        conditions=[c for c in CONDITIONS if rng.random() < 0.12],
        exploitation=rng.choice([None, *EXPLOITATIONS]),
        languages=rng.sample(LANGUAGES, rng.randint(0, 2)),
        programmes=[p for p in PROGRAMMES if rng.random() < 0.4],
        location=_point(rng) if rng.random() < 0.85 else None,
        danger_zones=zones,
        priority=rng.choice([1, 1, 1, 2, 2, 3]),
        avoid=avoid_ids,
        current=rng.choice(shelter_ids) if current and shelter_ids and rng.random() < 0.1 else None,
    )


def random_instance(
    seed: int,
    victims: int,
    shelters: int,
    *,
    children: bool = True,
    avoid: bool = True,
    current: bool = True,
    now: bool = True,
    density: float = 0.4,
) -> Instance:
    """A reproducible random instance; switch off features to reach the flow-solver's case."""
    rng = random.Random(seed)
    shelter_list = [random_shelter(rng, s, density) for s in range(shelters)]
    ids = [s.id for s in shelter_list]
    victim_list = [
        random_victim(rng, v, victims, ids, children=children, avoid=avoid, current=current)
        for v in range(victims)
    ]
    moment = None
    if now:
        # Any hour of any day across a daylight-saving change, so night and weekend occur.
        moment = datetime(2026, 3, 20, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 20 * 1440))
    return Instance(
        format="safeplace.instance/1",
        now=moment,
        shelters=shelter_list,
        victims=victim_list,
        objective=Objective(
            distance=rng.choice([1.0, 0.5, 2.0]),
            specialisation=rng.choice([25.0, 0.0, 10.0]),
            language=rng.choice([10.0, 0.0, 5.0]),
            move=rng.choice([100.0, 50.0]),
        ),
    )


@st.composite
def instances(
    draw: st.DrawFn,
    max_victims: int = 12,
    max_shelters: int = 8,
    *,
    children: bool = True,
    avoid: bool = True,
    current: bool = True,
    now: bool = True,
) -> Instance:
    """Hypothesis strategy over :func:`random_instance` (shrinks towards small instances)."""
    return random_instance(
        draw(st.integers(0, 2**32 - 1)),
        draw(st.integers(1, max_victims)),
        draw(st.integers(1, max_shelters)),
        children=children,
        avoid=avoid,
        current=current,
        now=now,
        density=draw(st.sampled_from([0.2, 0.4, 0.6])),
    )
