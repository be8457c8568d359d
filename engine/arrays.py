"""An instance compiled once into numpy arrays, so every rule can run over all pairs at once.

Shelters are compiled on their own (:class:`ShelterArrays`), because the desk ranks many victims
against one national network: the service compiles the network once and each victim in
microseconds. Victims are compiled against the shelters' vocabularies (languages, programmes), since
a language no shelter speaks can never match anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from engine.geo import haversine_km
from engine.intake import Span, open_spans, spans_of
from models.codes import CONDITIONS, EXPLOITATIONS, GENDERS
from models.instance import Instance, Objective
from models.shelter import Shelter
from models.victim import Victim

BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

# The soft terms of the contract's cost besides distance, in the order of its formula.
SoftTerm = Literal["specialisation", "language", "move"]
SOFT_TERMS: tuple[SoftTerm, ...] = get_args(SoftTerm)


@dataclass(frozen=True, eq=False)
class ShelterArrays:
    """Per-shelter columns; index ``s`` everywhere is the shelter's position in ``ids``."""

    ids: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    free: IntArray
    genders: BoolArray  # (S, len(GENDERS))
    min_age: IntArray
    max_age: IntArray
    children: BoolArray
    accepts: BoolArray  # (S, len(CONDITIONS))
    specialisations: BoolArray  # (S, len(EXPLOITATIONS))
    languages: BoolArray  # (S, len(language_vocabulary))
    language_vocabulary: tuple[str, ...]
    programme: IntArray  # index into programme_vocabulary, -1 for open to all
    programme_vocabulary: tuple[str, ...]
    intake_open: BoolArray  # takes an intake at ``now`` (all True when ``now`` is None)
    intake_spans: tuple[tuple[Span, ...], ...]  # each shelter's intake windows, compiled
    now: datetime | None
    residents: dict[str, list[int]]  # resident id -> shelters where that person lives

    @cached_property
    def index(self) -> dict[str, int]:
        """Shelter id -> position."""
        return {shelter_id: s for s, shelter_id in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class VictimArrays:
    """Per-victim columns, compiled against one :class:`ShelterArrays`."""

    ids: tuple[str, ...]
    gender: IntArray  # index into GENDERS
    age: IntArray
    children: IntArray
    conditions: BoolArray  # (V, len(CONDITIONS))
    exploitation: IntArray  # index into EXPLOITATIONS, -1 for none
    languages: BoolArray  # (V, len(shelters.language_vocabulary))
    speaks_any: BoolArray  # has at least one language at all (even one no shelter speaks)
    programmes: BoolArray  # (V, len(shelters.programme_vocabulary))
    has_location: BoolArray
    lat: FloatArray  # NaN without a location
    lon: FloatArray
    priority: IntArray
    # Shelter index, -1 for none; len(shelters) for a shelter outside this network, so that the
    # move cost (charged wherever s != current) applies to every shelter, as the formula says.
    current: IntArray
    zone_victim: IntArray  # (Z,) victim row of each danger zone
    zone_lat: FloatArray
    zone_lon: FloatArray
    zone_min_km: FloatArray
    avoid_shelters: list[tuple[int, int]]  # (victim row, shelter) where a resident is avoided

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def demand(self) -> IntArray:
        """Places each victim takes: themselves and each accompanying child."""
        return 1 + self.children


def compile_shelters(shelters: list[Shelter], now: datetime | None) -> ShelterArrays:
    """Compile the shelter side once; ``now`` fixes which shelters take intakes."""
    languages = tuple(sorted({code for s in shelters for code in s.languages}))
    programmes = tuple(sorted({s.programme for s in shelters if s.programme is not None}))
    residents: dict[str, list[int]] = {}
    for s, shelter in enumerate(shelters):
        for resident in shelter.residents:
            residents.setdefault(resident, []).append(s)
    points = [shelter.location.point for shelter in shelters]
    spans = tuple(spans_of(shelter.intake) for shelter in shelters)
    return ShelterArrays(
        ids=tuple(s.id for s in shelters),
        lat=np.array([p[0] for p in points], dtype=np.float64),
        lon=np.array([p[1] for p in points], dtype=np.float64),
        free=np.array([s.free for s in shelters], dtype=np.int64),
        genders=_membership([s.genders for s in shelters], GENDERS),
        min_age=np.array([s.min_age for s in shelters], dtype=np.int64),
        max_age=np.array([s.max_age for s in shelters], dtype=np.int64),
        children=np.array([s.children for s in shelters], dtype=np.bool_),
        accepts=_membership([s.accepts for s in shelters], CONDITIONS),
        specialisations=_membership([s.specialisations for s in shelters], EXPLOITATIONS),
        languages=_membership([s.languages for s in shelters], languages),
        language_vocabulary=languages,
        programme=np.array(
            [programmes.index(s.programme) if s.programme is not None else -1 for s in shelters],
            dtype=np.int64,
        ),
        programme_vocabulary=programmes,
        intake_open=np.array(open_spans(spans, now), dtype=np.bool_),
        intake_spans=spans,
        now=now,
        residents=residents,
    )


def shelters_at(arrays: ShelterArrays, now: datetime | None) -> ShelterArrays:
    """``arrays`` at another ``now``: only which shelters take intakes changes, so a network
    compiled once serves rankings at any moment."""
    intake_open = np.array(open_spans(arrays.intake_spans, now), dtype=np.bool_)
    return replace(arrays, intake_open=intake_open, now=now)


def compile_victims(victims: list[Victim], shelters: ShelterArrays) -> VictimArrays:
    """Compile victims against the shelters' vocabularies and ids."""
    zones = [(v, zone) for v, victim in enumerate(victims) for zone in victim.danger_zones]
    zone_points = [zone.location.point for _, zone in zones]
    points = [victim.location.point if victim.location else (np.nan, np.nan) for victim in victims]
    avoid_shelters = sorted(
        {
            (v, s)
            for v, victim in enumerate(victims)
            for other in victim.avoid
            for s in shelters.residents.get(other, [])
        }
    )
    return VictimArrays(
        ids=tuple(v.id for v in victims),
        gender=np.array([GENDERS.index(v.gender) for v in victims], dtype=np.int64),
        age=np.array([v.age for v in victims], dtype=np.int64),
        children=np.array([v.children for v in victims], dtype=np.int64),
        conditions=_membership([v.conditions for v in victims], CONDITIONS),
        exploitation=np.array(
            [EXPLOITATIONS.index(v.exploitation) if v.exploitation else -1 for v in victims],
            dtype=np.int64,
        ),
        languages=_membership([v.languages for v in victims], shelters.language_vocabulary),
        speaks_any=np.array([bool(v.languages) for v in victims], dtype=np.bool_),
        programmes=_membership([v.programmes for v in victims], shelters.programme_vocabulary),
        has_location=np.array([v.location is not None for v in victims], dtype=np.bool_),
        lat=np.array([p[0] for p in points], dtype=np.float64),
        lon=np.array([p[1] for p in points], dtype=np.float64),
        priority=np.array([v.priority for v in victims], dtype=np.int64),
        current=np.array(
            [shelters.index.get(v.current, len(shelters)) if v.current else -1 for v in victims],
            dtype=np.int64,
        ),
        zone_victim=np.array([v for v, _ in zones], dtype=np.int64),
        zone_lat=np.array([p[0] for p in zone_points], dtype=np.float64),
        zone_lon=np.array([p[1] for p in zone_points], dtype=np.float64),
        zone_min_km=np.array([zone.min_km for _, zone in zones], dtype=np.float64),
        avoid_shelters=avoid_shelters,
    )


def _membership(values: Sequence[Sequence[str]], vocabulary: tuple[str, ...]) -> BoolArray:
    """Boolean matrix: row i has True in column j when vocabulary[j] is in values[i]."""
    position = {code: j for j, code in enumerate(vocabulary)}
    out = np.zeros((len(values), len(vocabulary)), dtype=np.bool_)
    for i, row in enumerate(values):
        for code in row:
            j = position.get(code)
            if j is not None:
                out[i, j] = True
    return out


@dataclass(frozen=True, eq=False)
class Pairs:
    """All victim x shelter pairs of some victims against the shelters, with lazy shared terms."""

    victims: VictimArrays
    shelters: ShelterArrays
    objective: Objective

    @cached_property
    def distance_km(self) -> FloatArray:
        """(V, S) travel distance in km; NaN for a victim without a location."""
        return haversine_km(
            self.victims.lat, self.victims.lon, self.shelters.lat, self.shelters.lon
        )

    @cached_property
    def zone_distance_km(self) -> FloatArray:
        """(Z, S) distance from each danger zone to each shelter."""
        return haversine_km(
            self.victims.zone_lat, self.victims.zone_lon, self.shelters.lat, self.shelters.lon
        )

    def mismatch(self, term: SoftTerm) -> BoolArray:
        """(V, S) where a soft term of the cost applies: ``specialisation`` when the victim's form
        of exploitation is known and not among the shelter's specialisations, ``language`` when
        the victim speaks languages and none of the shelter's, ``move`` when the victim has a
        current shelter and this is another one. The cost adds the term's weight there; the desk's
        pages name the terms that apply to a placement, so both come from here."""
        victims, shelters = self.victims, self.shelters
        if term == "specialisation":
            specialised = shelters.specialisations[:, np.maximum(victims.exploitation, 0)].T
            return np.asarray((victims.exploitation >= 0)[:, None] & ~specialised)
        if term == "language":
            shared = (
                victims.languages.astype(np.int32) @ shelters.languages.T.astype(np.int32)
            ) > 0
            return np.asarray(victims.speaks_any[:, None] & ~shared)
        return np.asarray(
            (victims.current[:, None] >= 0)
            & (victims.current[:, None] != np.arange(len(shelters))[None, :])
        )

    @cached_property
    def cost(self) -> FloatArray:
        """(V, S) the contract's secondary cost of placing each victim at each shelter."""
        w = self.objective
        cost = np.where(self.victims.has_location[:, None], self.distance_km * w.distance, 0.0)
        weights: dict[SoftTerm, float] = {
            "specialisation": w.specialisation,
            "language": w.language,
            "move": w.move,
        }
        for term in SOFT_TERMS:
            if weights[term]:  # a term without weight is not computed at all
                cost = cost + np.where(self.mismatch(term), weights[term], 0.0)
        return np.asarray(cost, dtype=np.float64)


def compile_instance(instance: Instance) -> Pairs:
    """All pairs of an instance, ready for the rules and the solvers."""
    shelters = compile_shelters(instance.shelters, instance.now)
    return Pairs(compile_victims(instance.victims, shelters), shelters, instance.objective)
