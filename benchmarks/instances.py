"""Large synthetic networks for the solver benchmarks, drawn with numpy in well under a second.

The shape follows the solver notes' measurements, so the numbers stay comparable: people and
shelters clustered around cities in a 300 x 300 km box over the Netherlands, about 42 % of victim x
shelter pairs compatible, and free places for 85 % of the places asked for, so that the first
level of the objective (who gets placed) is really decided by the solver. ``families`` gives
victims 1-3 accompanying children (a family needs all its places at one shelter) and ``groups``
puts victims of one case in groups of 2-4 that must not share a shelter.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.codes import CONDITIONS, EXPLOITATIONS
from models.instance import Instance

# Centre of the box and its half-widths in degrees (150 km north-south and east-west at 52 N).
CENTRE = (52.15, 5.3)
HALF_LAT = 150.0 / 111.2
HALF_LON = 150.0 / (111.2 * np.cos(np.radians(CENTRE[0])))
LANGUAGES = ("nl", "en", "pl", "ro", "bg", "ar", "es", "ti")


def _points(rng: np.random.Generator, cities: np.ndarray, n: int) -> np.ndarray:
    """``n`` points around randomly chosen cities (15 km spread), clipped to the box."""
    centre = cities[rng.integers(0, len(cities), n)]
    spread = rng.normal(0.0, 15.0, (n, 2)) / [111.2, 111.2 * np.cos(np.radians(CENTRE[0]))]
    lat = np.clip(centre[:, 0] + spread[:, 0], CENTRE[0] - HALF_LAT, CENTRE[0] + HALF_LAT)
    lon = np.clip(centre[:, 1] + spread[:, 1], CENTRE[1] - HALF_LON, CENTRE[1] + HALF_LON)
    return np.round(np.column_stack([lat, lon]), 5)


def _subset(row: np.ndarray, vocabulary: tuple[str, ...]) -> list[str]:
    return [code for code, present in zip(vocabulary, row, strict=True) if present]


def network(
    victims: int, shelters: int, *, seed: int, families: bool = False, groups: bool = False
) -> Instance:
    """A reproducible clustered network; without families and groups it is a pure transport case."""
    rng = np.random.default_rng(seed)
    cities = np.column_stack(
        [
            rng.uniform(CENTRE[0] - HALF_LAT, CENTRE[0] + HALF_LAT, 20),
            rng.uniform(CENTRE[1] - HALF_LON, CENTRE[1] + HALF_LON, 20),
        ]
    )
    v_points = _points(rng, cities, victims)
    s_points = _points(rng, cities, shelters)

    gender = rng.choice(["female", "male", "x"], victims, p=[0.72, 0.24, 0.04])
    children = rng.choice([0, 1, 2, 3], victims, p=[0.8, 0.1, 0.06, 0.04])
    if not families:
        children[:] = 0
    demand = 1 + children
    conditions = rng.random((victims, len(CONDITIONS))) < 0.07
    exploitation = rng.integers(-1, len(EXPLOITATIONS), victims)
    speaks = rng.random((victims, len(LANGUAGES))) < 0.2
    priority = rng.choice([1, 2, 3], victims, p=[0.55, 0.3, 0.15])
    has_zone = rng.random(victims) < 0.3
    zone_points = _points(rng, cities, victims)

    profile = rng.choice(3, shelters, p=[0.55, 0.2, 0.25])
    genders = [[["female", "x"], ["male", "x"], ["female", "male", "x"]][p] for p in profile]
    accepts = rng.random((shelters, len(CONDITIONS))) < 0.55
    specialised = rng.random((shelters, len(EXPLOITATIONS))) < 0.35
    languages = rng.random((shelters, len(LANGUAGES))) < 0.25
    languages[:, 0] = True
    takes_children = rng.random(shelters) < 0.75
    weights = rng.gamma(2.0, 1.0, shelters)
    free = rng.multinomial(int(0.85 * demand.sum()), weights / weights.sum())
    current = rng.integers(0, shelters, victims)
    has_current = rng.random(victims) < 0.05

    group_of = np.full(victims, -1)
    if groups:
        start = 0
        while start < victims:
            size = int(rng.integers(2, 5))
            if rng.random() < 0.35:
                group_of[start : start + size] = start
            start += size
    members: dict[int, list[int]] = {}
    for v in np.flatnonzero(group_of >= 0).tolist():
        members.setdefault(int(group_of[v]), []).append(v)

    shelter_docs: list[dict[str, Any]] = [
        {
            "id": f"S{s:05d}",
            "location": {"lat": float(s_points[s, 0]), "lon": float(s_points[s, 1])},
            "capacity": int(free[s]) + 2,
            "occupied": 2,
            "genders": genders[s],
            "children": bool(takes_children[s]),
            "accepts": _subset(accepts[s], CONDITIONS),
            "specialisations": _subset(specialised[s], EXPLOITATIONS),
            "languages": _subset(languages[s], LANGUAGES),
        }
        for s in range(shelters)
    ]
    victim_docs: list[dict[str, Any]] = []
    for v in range(victims):
        doc: dict[str, Any] = {
            "id": f"V{v:05d}",
            "gender": str(gender[v]),
            "age": int(rng.integers(18, 60)),
            "conditions": _subset(conditions[v], CONDITIONS),
            "exploitation": EXPLOITATIONS[exploitation[v]] if exploitation[v] >= 0 else None,
            "languages": _subset(speaks[v], LANGUAGES),
            "location": {"lat": float(v_points[v, 0]), "lon": float(v_points[v, 1])},
            "priority": int(priority[v]),
        }
        if children[v]:
            doc["children"] = int(children[v])
        if has_zone[v]:
            zone = {"lat": float(zone_points[v, 0]), "lon": float(zone_points[v, 1])}
            doc["danger_zones"] = [{"location": zone, "min_km": 25.0}]
        if group_of[v] >= 0:
            doc["avoid"] = [f"V{w:05d}" for w in members[int(group_of[v])] if w != v]
        if has_current[v]:
            doc["current"] = f"S{int(current[v]):05d}"
        victim_docs.append(doc)
    return Instance.model_validate(
        {"format": "safeplace.instance/1", "shelters": shelter_docs, "victims": victim_docs}
    )
