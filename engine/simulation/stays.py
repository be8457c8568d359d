"""How long people stay: the scenario's distribution for the shelter's kind, at a person's quantile.

Each person carries one uniform draw (their quantile), so under common random numbers the same
person stays comparably long whichever shelter two policies give them: the median-staying person
stays the median of the COSM distribution in COSM, and of the women's distribution elsewhere.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from engine.simulation.clock import HOURS_PER_DAY
from models.scenario import FixedStay, LognormalStay, Scenario, UniformStay

_NORMAL = NormalDist()


def stay_days(distribution: FixedStay | LognormalStay | UniformStay, quantile: float) -> float:
    """Days at ``quantile`` (0..1) of a stay distribution."""
    if isinstance(distribution, FixedStay):
        return distribution.days
    if isinstance(distribution, UniformStay):
        return distribution.min_days + quantile * (distribution.max_days - distribution.min_days)
    mean, sd = distribution.mean_days, distribution.sd_days
    sigma = math.sqrt(math.log1p((sd / mean) ** 2))
    mu = math.log(mean) - sigma**2 / 2
    z = _NORMAL.inv_cdf(min(max(quantile, 1e-9), 1 - 1e-9))
    days = math.exp(mu + sigma * z)
    return min(days, distribution.max_days) if distribution.max_days is not None else days


def stay_hours(scenario: Scenario, kind: str, programme: str | None, quantile: float) -> int:
    """Whole hours of a stay at a shelter of ``kind`` (then its programme, then ``default``)."""
    table = scenario.length_of_stay
    distribution = table.get(kind) or (table.get(programme) if programme else None)
    days = stay_days(distribution or table["default"], quantile)
    return max(1, round(days * HOURS_PER_DAY))
