"""A synthetic but realistic national sample: the shipped shelter network and a drawn waiting list.

Tests, benchmarks and demonstrations need instances that look like the Dutch situation (scarce
places, specialised programmes, danger zones, co-defendants who must be kept apart) without any
real person or shelter in them. The shelters come from ``data/sample_network.json`` (see
``models/build_sample_network.py``); the victims are drawn here from rates calibrated on public
figures (CoMensha's registrations: mostly adult women, about 41 % sexual and 41 % labour
exploitation, Polish, Nigerian and Dutch the largest nationalities). Victims carry pseudonymous
case ids (``V0001``) and codes only, never names.

Only the standard library's :class:`random.Random` is used, seeded, so the same seed always gives
the same instance on every platform.
"""

from __future__ import annotations

import random
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field

from models import gazetteer
from models.base import ContractModel
from models.codes import ConditionCode, ExploitationCode, GenderCode
from models.instance import Instance
from models.location import Location
from models.shelter import Shelter
from models.victim import DangerZone, Victim

NETWORK_FILE = "data/sample_network.json"
INSTANCE_FORMAT: Literal["safeplace.instance/1"] = "safeplace.instance/1"


class SampleNetwork(ContractModel):
    """The shipped network file: labelled synthetic, shelter ids grouped by kind, the shelters."""

    synthetic: Literal[True]
    note: str
    kinds: dict[str, list[str]] = Field(default_factory=dict)
    shelters: list[Shelter]


@cache
def _network() -> SampleNetwork:
    text = resources.files("models").joinpath(NETWORK_FILE).read_text("utf-8")
    return SampleNetwork.model_validate_json(text)


def sample_shelters() -> list[Shelter]:
    """The synthetic national network: about 70 shelters across the 10 police units."""
    return list(_network().shelters)


def sample_shelter_kinds() -> dict[str, str]:
    """Kind of every sample shelter by id (``cosm``, ``omm``, ``women``, ``men``, ``youth``...)."""
    return {sid: kind for kind, ids in _network().kinds.items() for sid in ids}


# Nationality groups: (weight, Dutch?, EU citizen?, languages). Weights follow the 2020 top
# nationalities (Polish 190, Nigerian 185, Dutch 155 of 1,013) and spread the rest.
NATIONALITIES: tuple[tuple[float, bool, bool, tuple[str, ...]], ...] = (
    (15.0, True, True, ("nl",)),
    (15.0, False, True, ("pl",)),
    (14.0, False, False, ("en",)),  # Nigeria
    (8.0, False, True, ("ro",)),
    (6.0, False, True, ("bg",)),
    (5.0, False, False, ("uk", "ru")),
    (3.0, False, True, ("hu",)),
    (3.0, False, False, ("ar", "fr")),  # Morocco
    (3.0, False, False, ("ar",)),  # Syria
    (3.0, False, False, ("vi",)),
    (3.0, False, False, ("zh",)),
    (3.0, False, False, ("es",)),  # Latin America
    (2.0, False, False, ("pt",)),  # Brazil
    (3.0, False, False, ("fr",)),  # West and Central Africa
    (3.0, False, False, ("ti", "en")),  # Eritrea
    (2.0, False, False, ("tl", "en")),  # Philippines
    (2.0, False, False, ("hi", "en")),  # India
    (2.0, False, False, ("tr",)),
    (2.0, False, True, ("lt", "ru")),
    (2.0, False, True, ("sk",)),
    (2.0, False, False, ("en",)),  # Uganda, Ghana, Sierra Leone
)

# Where victims are found: the cities with most reports weigh more; labour exploitation
# concentrates in greenhouses, logistics and meat processing.
FOUND_IN: tuple[tuple[str, float], ...] = (
    ("Amsterdam", 14.0),
    ("Rotterdam", 11.0),
    ("Den Haag", 8.0),
    ("Utrecht", 5.0),
    ("Eindhoven", 4.0),
    ("Tilburg", 3.0),
    ("Breda", 3.0),
    ("Groningen", 3.0),
    ("Arnhem", 2.0),
    ("Nijmegen", 2.0),
    ("Enschede", 2.0),
    ("Zwolle", 2.0),
    ("Haarlem", 2.0),
    ("Almere", 2.0),
    ("Maastricht", 2.0),
    ("'s-Hertogenbosch", 2.0),
    ("Leeuwarden", 1.0),
    ("Alkmaar", 1.0),
    ("Dordrecht", 1.0),
    ("Leiden", 1.0),
    ("Heerlen", 1.0),
    ("Venlo", 1.0),
)
LABOUR_SITES: tuple[tuple[str, float], ...] = (
    ("Westland", 5.0),
    ("Venlo", 4.0),
    ("Lansingerland", 2.0),
    ("Oss", 2.0),
    ("Moerdijk", 2.0),
    ("Tilburg", 2.0),
    ("Roosendaal", 2.0),
    ("Barneveld", 1.0),
    ("Zeewolde", 1.0),
    ("Noordoostpolder", 1.0),
    ("Rotterdam", 3.0),
    ("Amsterdam", 2.0),
)

MIN_KM: tuple[tuple[float, float], ...] = (
    (25.0, 3.0),
    (30.0, 3.0),
    (40.0, 3.0),
    (50.0, 4.0),
    (60.0, 2.0),
    (75.0, 2.0),
    (100.0, 1.0),
)

# Share of victims with each condition (pregnancy only for women 15-45, see below).
CONDITION_RATES: tuple[tuple[ConditionCode, float], ...] = (
    ("addiction", 0.10),
    ("psychiatric", 0.15),
    ("lvb", 0.08),
    ("suicidality", 0.05),
    ("aggression", 0.03),
    ("medical", 0.05),
    ("wheelchair", 0.01),
)
PREGNANCY_RATE = 0.12
COSM_ELIGIBLE_NON_EU = 0.7  # adult non-EU victims in the B8/3 reflection period
COSM_ELIGIBLE_EU = 0.4  # EU citizens need no permit; fewer take the reflection period
MINOR_SHARE = 0.08


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(names, weights=weights)[0]


def _municipality(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    """A weighted city from ``table``, or (one time in ten) any municipality of the gazetteer."""
    if rng.random() < 0.1:
        return rng.choice(gazetteer.municipalities()).name
    return _weighted(rng, table)


def _gender_and_age(rng: random.Random) -> tuple[GenderCode, int]:
    """Mostly adult women, about 28 % men, a few non-binary; about 8 % minors."""
    if rng.random() < MINOR_SHARE:
        gender: GenderCode = "female" if rng.random() < 0.75 else "male"
        return gender, rng.randint(12, 17)
    roll = rng.random()
    gender = "female" if roll < 0.70 else "male" if roll < 0.98 else "x"
    age = min(65, max(18, round(rng.gauss(29.0, 8.0))))
    return gender, age


def _exploitation(rng: random.Random, gender: GenderCode, age: int) -> ExploitationCode | None:
    """About 41 % sexual and 41 % labour overall; women mostly sexual, men mostly labour."""
    choices: list[ExploitationCode | None] = ["sexual", "labour", "criminal", "other", None]
    if age < 18:
        weights = [60.0, 5.0, 30.0, 3.0, 2.0]
    elif gender == "male":
        weights = [10.0, 70.0, 15.0, 4.0, 1.0]
    else:
        weights = [50.0, 33.0, 10.0, 5.0, 2.0]
    return rng.choices(choices, weights=weights)[0]


def _conditions(rng: random.Random, gender: GenderCode, age: int) -> list[ConditionCode]:
    rates = list(CONDITION_RATES)
    if age < 18:
        rates = [(code, rate * 1.8 if code == "lvb" else rate) for code, rate in rates]
    found: list[ConditionCode] = [code for code, rate in rates if rng.random() < rate]
    if gender == "female" and 15 <= age <= 45 and rng.random() < PREGNANCY_RATE:
        found.append("pregnancy")
    return found


def _children(rng: random.Random, gender: GenderCode, age: int) -> int:
    """Some adult women (and a few men) bring one to three children."""
    if age < 18:
        return 0
    share = 0.18 if gender == "female" else 0.03
    if rng.random() >= share:
        return 0
    return rng.choices([1, 2, 3], weights=[55, 30, 15])[0]


def _danger_zones(
    rng: random.Random, exploited_in: str, exploitation: ExploitationCode | None
) -> list[DangerZone]:
    """Where the exploitation happened, and (often) where the exploiter lives."""
    zones = [
        DangerZone(
            location=Location(municipality=exploited_in),
            min_km=_weighted_km(rng),
        )
    ]
    if rng.random() < 0.5:
        table = LABOUR_SITES if exploitation == "labour" else FOUND_IN
        home = _municipality(rng, table)
        if home != exploited_in:
            zones.append(DangerZone(location=Location(municipality=home), min_km=_weighted_km(rng)))
    return zones


def _weighted_km(rng: random.Random) -> float:
    values = [km for km, _ in MIN_KM]
    weights = [weight for _, weight in MIN_KM]
    return rng.choices(values, weights=weights)[0]


def _fits(shelter: Shelter, gender: GenderCode, age: int, programmes: list[str]) -> bool:
    """Rough fit used to pick a plausible ``current`` proposal (gender, age and programme only)."""
    return (
        gender in shelter.genders
        and shelter.min_age <= age <= shelter.max_age
        and (shelter.programme is None or shelter.programme in programmes)
    )


def sample_victims(count: int, seed: int, shelters: list[Shelter]) -> list[Victim]:
    """A waiting list of ``count`` synthetic victims, identical for the same seed and shelters.

    ``shelters`` supplies the ids a few victims were already proposed to (``current``) and the
    residents a few must avoid (a co-defendant already living there).
    """
    if count < 0:
        raise ValueError("count must be at least 0")
    rng = random.Random(seed)
    ids = [f"V{number:04d}" for number in range(1, count + 1)]
    residents = sorted({r for shelter in shelters for r in shelter.residents})
    avoid: dict[str, list[str]] = {victim_id: [] for victim_id in ids}

    # Co-defendant cases: pairs (and the odd trio) that must not share a shelter.
    pool = list(ids)
    rng.shuffle(pool)
    for _ in range(count // 30):
        if len(pool) < 2:
            break
        group = [pool.pop() for _ in range(3 if len(pool) >= 3 and rng.random() < 0.2 else 2)]
        first, others = group[0], group[1:]
        avoid[first] += others
        for other in others:
            if rng.random() < 0.5:
                avoid[other].append(first)

    victims: list[Victim] = []
    for victim_id in ids:
        gender, age = _gender_and_age(rng)
        weights = [weight for weight, *_ in NATIONALITIES]
        _, dutch, eu, languages = rng.choices(NATIONALITIES, weights=weights)[0]
        spoken = list(languages)
        if not dutch and "en" not in spoken and rng.random() < 0.3:
            spoken.append("en")
        if not dutch and rng.random() < 0.05:
            spoken = []  # language not yet known at registration
        programmes: list[str] = []
        if age < 18:
            programmes.append("youth")
        elif not dutch and rng.random() < (COSM_ELIGIBLE_EU if eu else COSM_ELIGIBLE_NON_EU):
            programmes.append("cosm")
        exploitation = _exploitation(rng, gender, age)
        table = LABOUR_SITES if exploitation == "labour" else FOUND_IN
        exploited_in = _municipality(rng, table)
        found_in = exploited_in if rng.random() < 0.6 else _municipality(rng, FOUND_IN)
        location = Location(municipality=found_in) if rng.random() < 0.92 else None
        conditions = _conditions(rng, gender, age)
        children = _children(rng, gender, age)
        priority = rng.choices([1, 2, 3], weights=[60, 30, 10])[0]
        zones = _danger_zones(rng, exploited_in, exploitation)
        avoids = list(avoid[victim_id])
        if residents and rng.random() < 0.03:
            avoids.append(rng.choice(residents))
        current: str | None = None
        if shelters and rng.random() < 0.05:
            candidates = [s.id for s in shelters if _fits(s, gender, age, programmes)]
            current = rng.choice(candidates) if candidates else None
        victims.append(
            Victim(
                id=victim_id,
                gender=gender,
                age=age,
                children=children,
                conditions=conditions,
                exploitation=exploitation,
                languages=spoken,
                programmes=programmes,
                location=location,
                danger_zones=zones,
                priority=priority,
                avoid=avoids,
                current=current,
            )
        )
    return victims


def sample_instance(victims: int = 150, seed: int = 1, now: datetime | None = None) -> Instance:
    """The sample network with ``victims`` drawn victims, as a contract instance.

    ``now`` (timezone-aware) switches on the intake-hours rule; ``None`` leaves it off.
    """
    shelters = sample_shelters()
    return Instance(
        format=INSTANCE_FORMAT,
        now=now,
        shelters=shelters,
        victims=sample_victims(victims, seed, shelters),
    )
