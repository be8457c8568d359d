"""How fast the desk's question is answered: one victim against a national network of 2,000.

The service compiles the network once (:class:`engine.ranking.Ranker`) and ranks each caller's
victim against it; the one-shot :func:`engine.ranking.rank` compiles the shelters every time, as
``safeplace rank`` does. Each benchmark first checks its answer against the slow reference rules,
outside the timed part, so a fast wrong ranking cannot pass.

The benchmark process holds far more long-lived objects than the ranking makes (every imported
module, the 2,000 shelters as models), and each full garbage collection walks them all: a pause of
about 70 ms every dozen rankings or so, which is most of the mean. The service freezes what starting
made out of those collections (:func:`api.main.create_app`); the ``frozen`` variant does the same
with everything made before the timing, to show what is the ranking's and what the collector's.

Run with ``pytest benchmarks/test_bench_rank.py``.
"""

from __future__ import annotations

import gc
from datetime import datetime
from typing import Any

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from engine import reference
from engine.intake import AMSTERDAM
from engine.ranking import Ranker, rank
from models.codes import CONDITIONS, EXPLOITATIONS
from models.instance import Instance, Objective
from models.ranking import Ranking
from models.shelter import Shelter
from models.victim import Victim

SHELTERS = 2_000
# A Monday evening: office-hours shelters are closed, round-the-clock ones are not.
NOW = datetime(2026, 11, 30, 20, 30, tzinfo=AMSTERDAM)
LANGUAGES = ("en", "pl", "ro", "bg", "ar", "es", "ti")
EVENINGS = [
    {"days": "mon-fri", "from": "08:00", "to": "22:00"},
    {"days": "sat,sun", "from": "10:00", "to": "16:00"},
]


def national_network(count: int, seed: int) -> list[Shelter]:
    """``count`` shelters across the Netherlands' bounding box, mostly full, mostly for women."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(50.75, 53.55, count)
    lon = rng.uniform(3.36, 7.23, count)
    capacity = rng.integers(2, 25, count)
    occupied = rng.binomial(capacity, 0.85)
    profile = rng.choice(3, count, p=[0.6, 0.15, 0.25])
    youth = rng.random(count) < 0.1
    children = rng.random(count) < 0.5
    accepts = rng.random((count, len(CONDITIONS))) < 0.45
    specialised = rng.random((count, len(EXPLOITATIONS))) < 0.35
    speaks = rng.random((count, len(LANGUAGES))) < 0.2
    intake = rng.choice(3, count, p=[0.5, 0.35, 0.15])
    programme = rng.choice(3, count, p=[0.9, 0.05, 0.05])
    resident = rng.integers(0, 200, count)
    documents: list[dict[str, Any]] = [
        {
            "id": f"S{s:04d}",
            "location": {"lat": round(float(lat[s]), 5), "lon": round(float(lon[s]), 5)},
            "capacity": int(capacity[s]),
            "occupied": int(occupied[s]),
            "genders": [["female", "x"], ["male", "x"], ["female", "male", "x"]][profile[s]],
            "min_age": 12 if youth[s] else 18,
            "max_age": 23 if youth[s] else 120,
            "children": bool(children[s]),
            "accepts": [c for c, yes in zip(CONDITIONS, accepts[s], strict=True) if yes],
            "specialisations": [
                e for e, yes in zip(EXPLOITATIONS, specialised[s], strict=True) if yes
            ],
            "languages": [
                "nl",
                *(code for code, yes in zip(LANGUAGES, speaks[s], strict=True) if yes),
            ],
            "programme": [None, "cosm", "youth"][programme[s]],
            "intake": ["office", "24/7", EVENINGS][intake[s]],
            "residents": [f"R{resident[s]:03d}"],
        }
        for s in range(count)
    ]
    return [Shelter.model_validate(document) for document in documents]


# Someone most shelters could take: the common case, many options and no relaxations.
COMMON = Victim.model_validate(
    {
        "id": "V0001",
        "gender": "female",
        "age": 27,
        "conditions": ["psychiatric"],
        "exploitation": "sexual",
        "languages": ["ro", "en"],
        "location": {"lat": 52.09, "lon": 5.12},
        "danger_zones": [{"location": {"lat": 52.37, "lon": 4.89}, "min_km": 40}],
        "avoid": ["R007"],
    }
)
# Someone nothing fits: every shelter gets reasons and the relaxations are computed too.
HARD = Victim.model_validate(
    {
        "id": "V0002",
        "gender": "male",
        "age": 16,
        "children": 3,
        "conditions": ["addiction", "psychiatric", "aggression", "suicidality", "lvb", "medical"],
        "location": {"lat": 51.44, "lon": 5.47},
        "danger_zones": [{"location": {"lat": 51.44, "lon": 5.47}, "min_km": 60}],
    }
)


@pytest.fixture(scope="module")
def network() -> list[Shelter]:
    return national_network(SHELTERS, seed=20261130)


def assert_equals_brute_force(ranking: Ranking, shelters: list[Shelter], victim: Victim) -> None:
    """The ranking, shelter by shelter, against the slow reference rules and cost."""
    weights = Objective().model_dump()
    fits: list[tuple[float, str]] = []
    closed: list[tuple[str, list[str]]] = []
    for shelter in shelters:
        why = reference.reasons(victim, shelter, NOW)
        if why:
            closed.append((shelter.id, why))
        else:
            fits.append((reference.cost(victim, shelter, weights), shelter.id))
    assert [o.shelter for o in ranking.options] == [shelter_id for _, shelter_id in sorted(fits)]
    assert [o.cost for o in ranking.options] == pytest.approx([cost for cost, _ in sorted(fits)])
    assert [(e.shelter, e.reasons) for e in ranking.excluded] == sorted(closed)


@pytest.mark.parametrize("frozen", [False, True], ids=["collected", "frozen"])
@pytest.mark.parametrize("victim", [COMMON, HARD], ids=["common", "nothing-fits"])
def test_rank_with_the_network_compiled_once(
    benchmark: BenchmarkFixture, network: list[Shelter], victim: Victim, frozen: bool
) -> None:
    ranker = Ranker(network, NOW)
    assert_equals_brute_force(ranker.rank(victim), network, victim)
    if frozen:
        gc.freeze()
    try:
        ranking = benchmark(ranker.rank, victim)
    finally:
        gc.unfreeze()
    assert bool(ranking.options) == (victim is COMMON)
    assert bool(ranking.relaxations) == (victim is HARD)


def test_rank_one_shot_compiling_the_network(
    benchmark: BenchmarkFixture, network: list[Shelter]
) -> None:
    instance = Instance(format="safeplace.instance/1", now=NOW, shelters=network, victims=[COMMON])
    assert_equals_brute_force(rank(instance, COMMON.id), network, COMMON)
    benchmark(rank, instance, COMMON.id)
