"""Simulation hours against Europe/Amsterdam wall-clock time.

The simulation counts whole hours from the scenario's start (local midnight of ``start``). Intake
windows, hour-of-day demand, "nights" and public holidays are wall-clock notions, so every hour is
mapped once to its local weekday, hour and date, daylight saving time included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

import numpy as np

from engine.arrays import BoolArray, IntArray
from engine.holidays import public_holiday
from engine.intake import AMSTERDAM

HOURS_PER_DAY = 24


@dataclass(frozen=True, eq=False)
class Clock:
    """Hours ``0 .. hours`` from local midnight of ``start``."""

    start: date
    hours: int

    @cached_property
    def origin(self) -> datetime:
        """The first simulated moment, as an aware UTC datetime."""
        local = datetime(self.start.year, self.start.month, self.start.day, tzinfo=AMSTERDAM)
        return local.astimezone(UTC)

    def moment(self, hour: int) -> datetime:
        """The aware moment of simulation hour ``hour``."""
        return self.origin + timedelta(hours=hour)

    @cached_property
    def _local(self) -> tuple[IntArray, IntArray]:
        moments = [self.moment(h).astimezone(AMSTERDAM) for h in range(self.hours + 1)]
        weekday = np.array([m.weekday() for m in moments], dtype=np.int64)
        hour = np.array([m.hour for m in moments], dtype=np.int64)
        return weekday, hour

    @property
    def weekday(self) -> IntArray:
        """Local weekday (Monday = 0) of every hour."""
        return self._local[0]

    @property
    def hour_of_day(self) -> IntArray:
        """Local hour of day (0-23) of every hour."""
        return self._local[1]

    @cached_property
    def holiday(self) -> BoolArray:
        """Whether each hour falls on a Dutch public holiday (by its date in Amsterdam)."""
        return np.array(
            [public_holiday(self.moment(h), "en") is not None for h in range(self.hours + 1)],
            dtype=np.bool_,
        )

    @cached_property
    def midnights_before(self) -> IntArray:
        """``m[h]``: local midnights in hours ``0 .. h-1``; nights in ``[a, b)`` are m[b] - m[a]."""
        counts = np.zeros(self.hours + 2, dtype=np.int64)
        counts[1:] = np.cumsum(self.hour_of_day == 0)
        return counts

    def nights(self, start: int, end: int) -> int:
        """Local midnights in hours ``start <= h < end``: the nights spent somewhere."""
        return int(self.midnights_before[end] - self.midnights_before[start])
