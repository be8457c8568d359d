"""From replication outcomes to a scenario result: means with 95 % intervals, series, the map.

Also the comparison with the greedy baseline: both ran on the same seeds, so the differences are
paired per replication (common random numbers) and their interval says whether the engine really
places more people and spares hotel nights, or whether it is noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from engine.holidays import public_holiday_on
from engine.simulation.kpis import WAIT_EDGES, ReplicationOutcome
from engine.simulation.network import Network
from engine.simulation.stats import estimate, paired_difference
from models import gazetteer
from models.scenario import Scenario
from models.scenario_result import (
    Estimate,
    Histogram,
    PolicyComparison,
    PublicHolidays,
    ReplicationKpis,
    ScenarioResult,
    ShelterPoint,
)


def _estimates(rows: Sequence[dict[str, float]]) -> dict[str, Estimate]:
    """Per key, the estimate over all rows (a key missing from a row counts as 0)."""
    keys = sorted({key for row in rows for key in row})
    return {key: estimate([row.get(key, 0.0) for row in rows]) for key in keys}


def _series(outcomes: Sequence[ReplicationOutcome], capacity: bool) -> dict[str, list[float]]:
    stacked = np.mean([o.capacity if capacity else o.occupancy for o in outcomes], axis=0)
    return {
        unit: [round(float(v), 3) for v in stacked[:, u]]
        for u, unit in enumerate(gazetteer.POLICE_UNITS)
    }


def compare_with_greedy(
    policy: str, outcomes: Sequence[ReplicationOutcome], greedy: Sequence[ReplicationOutcome]
) -> PolicyComparison:
    """The policy against greedy on the same seeds; positive numbers favour the policy."""

    def values(runs: Sequence[ReplicationOutcome], key: str) -> list[float]:
        return [run.values[key] for run in runs]

    return PolicyComparison(
        policy=policy,
        more_placed=paired_difference(values(greedy, "placed"), values(outcomes, "placed")),
        fewer_unsuitable_nights=paired_difference(
            values(outcomes, "unsuitable_nights"), values(greedy, "unsuitable_nights")
        ),
        fewer_hotel_nights=paired_difference(
            values(outcomes, "hotel_nights"), values(greedy, "hotel_nights")
        ),
        baseline_kpis=_estimates([run.values for run in greedy]),
    )


def public_holidays(scenario: Scenario, outcomes: Sequence[ReplicationOutcome]) -> PublicHolidays:
    """The public holidays among the measured days and the people arriving on them."""
    first = scenario.start + timedelta(days=scenario.warmup_days)
    days = [first + timedelta(days=d) for d in range(scenario.measured_days)]
    return PublicHolidays(
        intake=scenario.public_holiday_intake,
        days=[day for day in days if public_holiday_on(day, "en") is not None],
        arrivals=estimate([o.holiday_arrivals for o in outcomes]),
        within_24h=estimate([o.holiday_within_24h for o in outcomes]),
    )


def shelter_points(network: Network) -> list[ShelterPoint]:
    """The placement shelters for the report's map."""
    return [
        ShelterPoint(
            id=shelter.id,
            kind=network.kinds[s],
            police_unit=network.units[s],
            lat=shelter.location.point[0],
            lon=shelter.location.point[1],
            capacity=int(network.base_capacity[s]),
        )
        for s, shelter in enumerate(network.shelters)
    ]


def aggregate(
    scenario: Scenario,
    network: Network,
    outcomes: Sequence[ReplicationOutcome],
    greedy: Sequence[ReplicationOutcome] | None = None,
    elapsed_seconds: float = 0.0,
) -> ScenarioResult:
    """The scenario result of its replications (and of the greedy baseline on the same seeds)."""
    if not outcomes:
        raise ValueError("a result needs at least one replication")
    counts = np.sum([o.wait_counts for o in outcomes], axis=0)
    return ScenarioResult(
        scenario=scenario.name,
        description=scenario.description,
        translations=dict(scenario.translations),
        policy=scenario.policy.kind,
        replications=len(outcomes),
        seed=outcomes[0].seed,
        horizon_days=scenario.horizon_days,
        warmup_days=scenario.warmup_days,
        give_up_days=scenario.fallback.give_up_days,
        kpis=_estimates([o.values for o in outcomes]),
        per_replication=[ReplicationKpis(seed=o.seed, values=o.values) for o in outcomes],
        occupancy=_series(outcomes, capacity=False),
        capacity=_series(outcomes, capacity=True),
        waiting_hours=Histogram(
            edges=list(WAIT_EDGES),
            counts=[float(c) for c in counts],
            left_unplaced=float(sum(o.values["unmet"] for o in outcomes)),
        ),
        unmet_by_profile=_estimates([o.unmet_by_profile for o in outcomes]),
        unmet_by_reason=_estimates([o.unmet_by_reason for o in outcomes]),
        unsuitable_nights_by_unit=_estimates([o.nights_by_unit for o in outcomes]),
        unsuitable_nights_by_cell=_estimates([o.nights_by_cell for o in outcomes]),
        shelters=shelter_points(network),
        comparison=(
            compare_with_greedy(scenario.policy.kind, outcomes, greedy) if greedy else None
        ),
        public_holidays=public_holidays(scenario, outcomes),
        elapsed_seconds=round(elapsed_seconds, 3),
    )
