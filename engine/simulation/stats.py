"""95 % confidence intervals across replications, and paired differences between two runs.

Replications are independent, so the mean of a KPI over them is t-distributed; with common random
numbers two runs on the same seeds are paired, and the interval of the per-seed differences says
whether a change made a difference beyond the noise. SciPy is not needed for one quantile table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from models.scenario_result import Difference, Estimate

# Two-sided 95 % quantiles of Student's t by degrees of freedom, to three decimals.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


_Z975 = NormalDist().inv_cdf(0.975)


def t95(degrees: int) -> float:
    """Two-sided 95 % quantile of Student's t with ``degrees`` degrees of freedom."""
    if degrees <= len(_T95):
        return _T95[degrees - 1]
    # Beyond the table, the normal's quantile with the first three terms of the Cornish-Fisher
    # expansion in 1/degrees (Abramowitz and Stegun 26.7.5): within 0.00001 from 31 on, where
    # 1.96 + 2.4 / degrees was 0.002 short and made the interval narrower than 95 %.
    z = _Z975
    return (
        z
        + (z**3 + z) / 4 / degrees
        + (5 * z**5 + 16 * z**3 + 3 * z) / 96 / degrees**2
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384 / degrees**3
    )


def _mean_interval(values: Sequence[float]) -> tuple[float, float]:
    """Mean and half-width of its 95 % interval (0 for a single replication)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, t95(n - 1) * math.sqrt(variance / n)


def estimate(values: Sequence[float]) -> Estimate:
    """Mean with its 95 % interval across replications."""
    if not values:
        raise ValueError("an estimate needs at least one replication")
    mean, half = _mean_interval(values)
    return Estimate(mean=mean, low=mean - half, high=mean + half, n=len(values))


def paired_difference(first: Sequence[float], second: Sequence[float]) -> Difference:
    """Mean of ``second - first`` per replication, its interval, and whether 0 lies outside it."""
    if len(first) != len(second) or not first:
        raise ValueError("a paired difference needs the same replications on both sides")
    mean, half = _mean_interval([b - a for a, b in zip(first, second, strict=True)])
    significant = len(first) > 1 and (mean - half > 0 or mean + half < 0)
    return Difference(mean=mean, low=mean - half, high=mean + half, significant=significant)
