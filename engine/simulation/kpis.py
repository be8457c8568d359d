"""What one replication measured: a record per person, turned into KPIs at the end.

Only people who arrive after the warm-up (and, like everyone, before the end of the horizon)
count, so that the empty or arbitrary network of the first weeks does not colour the result; the
cool-down after the horizon settles what happened to each of them, so "never placed" means never
placed, not "still waiting when the simulation stopped". The outcome keeps aggregates only
(counts, sums, percentiles, daily occupancy): nothing about a single person leaves the
replication.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from engine.arrays import BoolArray, FloatArray
from models import gazetteer
from models.codes import CONDITIONS
from models.victim import Victim

# Bins of the waiting-time histogram, in hours: within the hour, the night, a day, a week, a month.
WAIT_EDGES: tuple[float, ...] = (0, 1, 6, 12, 24, 48, 72, 168, 336, 672, 1344, 8760 * 10)
NO_SINGLE_CHANGE = "no single change"


# Marks the profile of a minor: new places for them must be youth places.
YOUTH = "youth"
# Adult places start at this age (a shelter's default ``min_age``).
ADULT_AGE = 18


def profile(victim: Victim) -> str:
    """``"female / addiction"``: gender and the first condition (``none`` without one), and
    ``/ youth`` for a minor (``"male / none / youth"``)."""
    condition = next((c for c in CONDITIONS if c in victim.conditions), "none")
    minor = f" / {YOUTH}" if victim.age < ADULT_AGE else ""
    return f"{victim.gender} / {condition}{minor}"


def cell(unit: str, profile_key: str) -> str:
    """``"Rotterdam | male / none"``: where capacity could be added, and for whom."""
    return f"{unit} | {profile_key}"


@dataclass
class PersonRecord:
    """What happened to one person, as far as the KPIs need it."""

    arrival: int
    unit: str
    profile: str
    placed: int = -1  # hour of placement in a suitable shelter
    left: int = -1  # hour they left the queue unplaced (after give_up_days)
    distance_km: float = math.nan
    nights: Counter[str] = field(default_factory=Counter)
    intake_missed: bool = False
    reasons: tuple[str, ...] = ()
    safe_unit: str = ""  # where a new place could take them (see network.nearest_safe_unit)


@dataclass
class ReplicationOutcome:
    """KPIs and series of one replication, aggregates only."""

    seed: int
    values: dict[str, float]
    occupancy: FloatArray  # (days, units) occupied places at the start of each day
    capacity: FloatArray  # (days, units) places open to the flow
    wait_counts: FloatArray  # people placed, per bin of WAIT_EDGES of their wait
    unmet_by_profile: dict[str, float]
    unmet_by_reason: dict[str, float]
    nights_by_unit: dict[str, float]
    # "police unit | gender / condition" -> nights, by the unit where a new place could help
    nights_by_cell: dict[str, float]
    holiday_arrivals: float  # people arriving on a Dutch public holiday
    holiday_within_24h: float  # of them, placed in a suitable shelter within 24 hours


def summarise(
    seed: int,
    records: list[PersonRecord],
    first_hour: int,
    occupancy: FloatArray,
    capacity: FloatArray,
    *,
    holiday: BoolArray,
) -> ReplicationOutcome:
    """The replication's KPIs over the people arriving from ``first_hour`` on; ``holiday`` marks
    the hours on a Dutch public holiday, whose arrivals are counted apart as well."""
    measured = [r for r in records if r.arrival >= first_hour]
    placed = [r for r in measured if r.placed >= 0]
    on_holiday = [r for r in measured if holiday[r.arrival]]
    waits = np.array(
        [(r.placed if r.placed >= 0 else r.left) - r.arrival for r in measured], dtype=np.float64
    )
    distances = [r.distance_km for r in placed if not math.isnan(r.distance_km)]
    nights: Counter[str] = Counter()
    by_unit: Counter[str] = Counter(dict.fromkeys(gazetteer.POLICE_UNITS, 0))
    by_cell: Counter[str] = Counter()
    for record in measured:
        nights.update(record.nights)
        spent = sum(record.nights.values())
        by_unit[record.unit] += spent
        if spent:
            by_cell[cell(record.safe_unit, record.profile)] += spent
    count = len(measured)
    unmet = [r for r in measured if r.placed < 0]
    values = {
        "arrivals": float(count),
        "placed": float(len(placed)),
        "placed_share": len(placed) / count if count else 0.0,
        "within_24h_share": sum(1 for r in placed if _within_24h(r)) / count if count else 0.0,
        "wait_p50_hours": float(np.percentile(waits, 50)) if count else 0.0,
        "wait_p95_hours": float(np.percentile(waits, 95)) if count else 0.0,
        "unsuitable_nights": float(sum(nights.values())),
        "emergency_nights": float(nights["emergency"]),
        "hotel_nights": float(nights["hotel"]),
        "homeless_shelter_nights": float(nights["homeless_shelter"]),
        "unmet": float(len(unmet)),
        "intake_hours_missed": float(sum(1 for r in measured if r.intake_missed)),
        "travel_km_mean": float(np.mean(distances)) if distances else 0.0,
    }
    reasons: Counter[str] = Counter()
    for record in unmet:
        reasons.update(record.reasons or (NO_SINGLE_CHANGE,))
    # Only the placed: those who left unplaced all waited the give-up limit, and among the placed
    # they would read as people placed after that long (they are counted in ``unmet``).
    placed_waits = [r.placed - r.arrival for r in placed]
    counts, _ = np.histogram(placed_waits, bins=np.array(WAIT_EDGES))
    return ReplicationOutcome(
        seed=seed,
        values=values,
        occupancy=occupancy,
        capacity=capacity,
        wait_counts=counts.astype(np.float64),
        unmet_by_profile=dict(Counter(r.profile for r in unmet)),
        unmet_by_reason=dict(reasons),
        nights_by_unit={unit: float(n) for unit, n in by_unit.items()},
        nights_by_cell={key: float(n) for key, n in by_cell.items()},
        holiday_arrivals=float(len(on_holiday)),
        holiday_within_24h=float(sum(1 for r in on_holiday if _within_24h(r))),
    )


def _within_24h(record: PersonRecord) -> bool:
    return record.placed >= 0 and record.placed - record.arrival <= 24
