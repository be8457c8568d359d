"""Who arrives when and where: the demand of a scenario drawn for one replication.

Arrivals depend only on the scenario's demand and the replication seed, never on the desk's
policy or the network, so two policies or two capacity variants run on the same seed meet exactly
the same people at the same hours (common random numbers): their difference is the policy's or the
capacity's, not the dice's. Each police unit and each surge has its own random stream, so raising
demand in one unit leaves everybody elsewhere unchanged too.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from engine.arrays import FloatArray
from engine.simulation.clock import HOURS_PER_DAY, Clock
from models import gazetteer
from models.codes import CONDITIONS, EXPLOITATIONS, GENDERS, ConditionCode, ExploitationCode
from models.location import Location
from models.sample import FOUND_IN, NATIONALITIES
from models.scenario import (
    NO_EXPLOITATION,
    Demand,
    ExploitationGroup,
    Mix,
    Scenario,
    SurgeEvent,
)
from models.victim import DangerZone, Victim

# Surge streams are numbered after the police units' streams.
_SURGE_STREAM = 1000


@dataclass(frozen=True)
class Arrival:
    """One person arriving: the hour, where, who, and their own dice for stay and fallback."""

    hour: int
    unit: str
    victim: Victim
    stay_quantile: float  # which quantile of the stay distribution this person's stay is
    hotel_draw: float  # compared with the fallback's hotel share


@cache
def _weights(unit: str | None) -> tuple[tuple[gazetteer.Municipality, ...], FloatArray]:
    """Municipalities of a police unit (all for None), the large cities much more likely."""
    city = dict(FOUND_IN)
    places = tuple(m for m in gazetteer.municipalities() if unit is None or m.police_unit == unit)
    weights = np.array([1.0 + 10.0 * city.get(m.name, 0.0) for m in places])
    return places, np.cumsum(weights)


def _pick(rng: np.random.Generator, unit: str | None) -> gazetteer.Municipality:
    places, cumulative = _weights(unit)
    return places[_draw(rng, cumulative)]


def _draw(rng: np.random.Generator, cumulative: FloatArray) -> int:
    """Index drawn with probability proportional to its weight (one uniform draw)."""
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))


def _choice(rng: np.random.Generator, weights: Sequence[float]) -> int:
    return _draw(rng, np.cumsum(np.asarray(weights, dtype=np.float64)))


def draw_victim(
    rng: np.random.Generator,
    identifier: str,
    found: gazetteer.Municipality,
    mix: Mix,
    demand: Demand,
) -> Victim:
    """One person found in ``found``, drawn from the mix (a fixed number of draws each)."""
    minor = rng.random() < mix.minor_share
    genders = [g for g in GENDERS if g in mix.gender]
    gender = genders[_choice(rng, [mix.gender[g] for g in genders])]
    adult_age = int(np.clip(round(rng.normal(29.0, 8.0)), 18, 65))
    age = int(rng.integers(12, 18)) if minor else adult_age
    dutch = rng.random() < mix.dutch_share
    abroad = [n for n in NATIONALITIES if not n[1]]
    nationality = abroad[_choice(rng, [n[0] for n in abroad])]
    languages = ["nl"] if dutch else list(nationality[3])
    if not dutch and "en" not in languages and rng.random() < 0.3:
        languages.append("en")
    cosm = not dutch and not minor and rng.random() < mix.cosm_eligible_share
    programmes = ["youth"] if minor else (["cosm"] if cosm else [])

    group: ExploitationGroup = "minor" if minor else ("male" if gender == "male" else "female")
    table = list((mix.exploitation.get(group) or {NO_EXPLOITATION: 1.0}).items())
    chosen = table[_choice(rng, [weight for _, weight in table])][0]
    exploitation: ExploitationCode | None = (
        EXPLOITATIONS[EXPLOITATIONS.index(chosen)] if chosen in EXPLOITATIONS else None
    )

    draws = rng.random(len(CONDITIONS))
    conditions: list[ConditionCode] = [
        code
        for code, draw in zip(CONDITIONS, draws.tolist(), strict=True)
        if code != "pregnancy" and draw < mix.conditions.get(code, 0.0)
    ]
    if gender == "female" and 15 <= age <= 45 and rng.random() < mix.pregnancy_share:
        conditions.append("pregnancy")

    share = mix.children.share_male if gender == "male" else mix.children.share_female
    brings = not minor and rng.random() < share
    children = 1 + _choice(rng, mix.children.count_weights) if brings else 0
    priority = 1 + _choice(rng, mix.priority_weights)

    zones = demand.danger_zones
    elsewhere = _pick(rng, None)
    km_keys = list(zones.min_km)
    km = float(km_keys[_choice(rng, [zones.min_km[k] for k in km_keys])]) if km_keys else 0.0
    has_zone = rng.random() < zones.share
    exploited_in = elsewhere if rng.random() < zones.exploited_elsewhere_share else found
    danger_zones = (
        [DangerZone(location=Location(lat=exploited_in.lat, lon=exploited_in.lon), min_km=km)]
        if has_zone and km > 0
        else []
    )
    return Victim(
        id=identifier,
        gender=gender,
        age=age,
        children=children,
        conditions=conditions,
        exploitation=exploitation,
        languages=languages,
        programmes=programmes,
        location=Location(lat=found.lat, lon=found.lon),
        danger_zones=danger_zones,
        priority=priority,
    )


def _hour_rates(demand: Demand, clock: Clock, hours: int, per_week: float) -> FloatArray:
    """Expected arrivals in each of the first ``hours`` hours for a weekly rate, shaped by the two
    profiles."""
    weekday = np.asarray(demand.weekday_profile, dtype=np.float64)
    hourly = np.asarray(demand.hour_profile, dtype=np.float64)
    days = weekday[clock.weekday[:hours]] / weekday.sum()
    hours_of_day = hourly[clock.hour_of_day[:hours]] / hourly.sum()
    rates: FloatArray = per_week * days * hours_of_day
    return rates


def draw_arrivals(scenario: Scenario, clock: Clock, seed: int) -> list[Arrival]:
    """Everyone arriving in the horizon for replication ``seed``, in order of arrival.

    Nobody arrives after the horizon, however long ``clock`` runs on: the cool-down after it only
    settles what happens to the people who arrived in it (see :mod:`engine.simulation.run`).
    """
    horizon = scenario.horizon_days * HOURS_PER_DAY
    found: list[tuple[int, int, int, str, gazetteer.Municipality, np.random.Generator, Mix]] = []
    for number, unit in enumerate(gazetteer.POLICE_UNITS):
        rng = np.random.default_rng(np.random.SeedSequence([seed, number]))
        per_week = scenario.demand.arrivals_per_week.get(unit, 0.0)
        if per_week <= 0:
            continue
        counts = rng.poisson(_hour_rates(scenario.demand, clock, horizon, per_week))
        for hour in np.repeat(np.arange(horizon), counts).tolist():
            found.append((hour, number, 0, unit, _pick(rng, unit), rng, scenario.demand.mix))
    seen: Counter[tuple[int, int, int]] = Counter()
    for event in scenario.events:
        if isinstance(event, SurgeEvent):
            place = gazetteer.resolve(event.municipality)
            # A surge's stream is named by when and where it is, not by its position in the
            # list, so adding another event leaves its people unchanged.
            key = (event.day, event.hour, zlib.crc32(place.name.encode()))
            seen[key] += 1
            stream = np.random.SeedSequence([seed, _SURGE_STREAM, *key, seen[key]])
            rng = np.random.default_rng(stream)
            mix = event.mix or scenario.demand.mix
            first = event.day * HOURS_PER_DAY + event.hour
            for person in range(event.victims):
                hour = min(first + person % event.spread_hours, horizon - 1)
                order = _SURGE_STREAM + len(found)
                found.append((hour, order, person, place.police_unit, place, rng, mix))
    found.sort(key=lambda item: item[:3])
    arrivals: list[Arrival] = []
    for count, (hour, _, _, unit, place, rng, mix) in enumerate(found, start=1):
        victim = draw_victim(rng, f"A{count:05d}", place, mix, scenario.demand)
        arrivals.append(
            Arrival(
                hour=hour,
                unit=unit,
                victim=victim,
                stay_quantile=float(rng.random()),
                hotel_draw=float(rng.random()),
            )
        )
    return arrivals
