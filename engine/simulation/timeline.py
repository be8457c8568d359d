"""Capacity and intake hours of every shelter over the simulated time, as the scenario's events set
them.

Events change things only at day boundaries, so the horizon falls into a few segments, each with
one capacity vector and one intake value per shelter. Which shelters take intakes in a given hour
is worked out once per segment with the engine's own intake test and reused by every replication.

Intake hours repeat weekly and know no dates. On a Dutch public holiday a scenario may close them
(``public_holiday_intake: closed``, the default): then only a shelter whose hours cover the whole
week, day and night, takes intakes, as the desk is told to phone set-hours shelters first then;
so does a shelter said to keep its hours on holidays (``Network.holiday_intake``), within them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine.arrays import BoolArray, IntArray
from engine.intake import IntakeValue, always_open, open_at
from engine.simulation.clock import HOURS_PER_DAY, Clock
from engine.simulation.network import Network, added_id
from models.scenario import (
    AddPlacesEvent,
    CapacityEvent,
    ClosureEvent,
    IntakeEvent,
    Period,
    Scenario,
    Where,
)


def selected(network: Network, where: Where) -> BoolArray:
    """Shelters a ``where`` clause selects."""
    shelters = network.shelters
    if where.police_unit is not None:
        values, wanted = network.units, where.police_unit
    elif where.province is not None:
        values, wanted = network.provinces, where.province
    elif where.programme is not None:
        values, wanted = tuple(s.programme or "" for s in shelters), where.programme
    elif where.kind is not None:
        values, wanted = network.kinds, where.kind
    else:
        values, wanted = tuple(s.id for s in shelters), where.shelter or ""
    return np.array([value == wanted for value in values], dtype=np.bool_)


def _active(period: Period, day: int) -> bool:
    return period.from_day <= day and (period.to_day is None or day < period.to_day)


@dataclass(frozen=True, eq=False)
class Timeline:
    """Segments of the simulated time with their capacities and intake values."""

    clock: Clock
    starts: tuple[int, ...]  # first hour of each segment, ascending, starting at 0
    capacities: tuple[IntArray, ...]
    intakes: tuple[tuple[IntakeValue, ...], ...]
    closed_on_holidays: bool  # set hours take no intakes on a public holiday
    holiday_intake: BoolArray  # shelters keeping their hours on a public holiday all the same

    def segment(self, hour: int) -> int:
        """Index of the segment ``hour`` falls in."""
        return bisect.bisect_right(self.starts, hour) - 1

    def capacity(self, hour: int) -> IntArray:
        """Places open to the flow at every shelter in ``hour``."""
        return self.capacities[self.segment(hour)]

    def intake(self, hour: int) -> tuple[IntakeValue, ...]:
        """Intake value of every shelter in ``hour``."""
        return self.intakes[self.segment(hour)]

    @cached_property
    def day_and_night(self) -> tuple[BoolArray, ...]:
        """Per segment, the shelters whose intake hours leave no minute of the week closed: the
        only ones taking intakes on a public holiday when set hours are closed then, besides
        those said to keep their hours on holidays."""
        return tuple(
            np.array([always_open(value) for value in values], dtype=np.bool_)
            for values in self.intakes
        )

    @cached_property
    def open_on_holidays(self) -> tuple[BoolArray, ...]:
        """Per segment, the shelters a public holiday closes no intake hour of."""
        return tuple(always | self.holiday_intake for always in self.day_and_night)

    @cached_property
    def open(self) -> BoolArray:
        """(hours + 1, S): whether each shelter takes an intake in each hour.

        Worked out once per segment, local weekday, local hour and whether set hours are closed
        for a public holiday that day: every other hour with the same four repeats it.
        """
        clock = self.clock
        out = np.zeros((clock.hours + 1, len(self.intakes[0])), dtype=np.bool_)
        closed = clock.holiday if self.closed_on_holidays else np.zeros_like(clock.holiday)
        cache: dict[tuple[int, int, int, bool], BoolArray] = {}
        for hour in range(clock.hours + 1):
            seg = self.segment(hour)
            holiday = bool(closed[hour])
            key = (seg, int(clock.weekday[hour]), int(clock.hour_of_day[hour]), holiday)
            if key not in cache:
                moment = clock.moment(hour)
                weekly = np.array(
                    [open_at(value, moment) for value in self.intakes[seg]], dtype=np.bool_
                )
                cache[key] = weekly & self.open_on_holidays[seg] if holiday else weekly
            out[hour] = cache[key]
        return out

    @cached_property
    def wake_hours(self) -> IntArray:
        """Hours in which something may open for people waiting: an intake opens (after the
        night, the weekend or a public holiday), places change."""
        opened = np.zeros(self.clock.hours + 1, dtype=np.bool_)
        opened[1:] = np.any(self.open[1:] & ~self.open[:-1], axis=1)
        opened[list(self.starts)] = True
        return np.flatnonzero(opened).astype(np.int64)


def build_timeline(scenario: Scenario, network: Network, clock: Clock) -> Timeline:
    """Segments from the scenario's events (their day boundaries) over the whole clock, the
    cool-down after the horizon included: an event keeps its days there too."""
    periods: list[Period] = [e for e in scenario.events if isinstance(e, Period)]
    days = {0}
    for period in periods:
        days.add(period.from_day)
        if period.to_day is not None and period.to_day < clock.hours // HOURS_PER_DAY:
            days.add(period.to_day)
    starts = sorted(days)
    capacities: list[IntArray] = []
    intakes: list[tuple[IntakeValue, ...]] = []
    for day in starts:
        capacities.append(_capacity_on(scenario, network, day))
        intakes.append(_intake_on(scenario, network, day))
    return Timeline(
        clock=clock,
        starts=tuple(day * HOURS_PER_DAY for day in starts),
        capacities=tuple(capacities),
        intakes=tuple(intakes),
        closed_on_holidays=scenario.public_holiday_intake == "closed",
        holiday_intake=network.holiday_intake,
    )


def _capacity_on(scenario: Scenario, network: Network, day: int) -> IntArray:
    percent = np.zeros(len(network), dtype=np.float64)
    places = np.zeros(len(network), dtype=np.int64)
    closed = np.zeros(len(network), dtype=np.bool_)
    base = network.base_capacity.copy()
    for number, event in enumerate(scenario.events):
        if isinstance(event, AddPlacesEvent) and _active(event, day):
            base[network.index[added_id(number)]] += event.places
        elif isinstance(event, CapacityEvent) and _active(event, day):
            chosen = selected(network, event.where)
            percent[chosen] += event.percent
            places[chosen] += event.places
        elif isinstance(event, ClosureEvent) and _active(event, day):
            closed |= selected(network, Where(shelter=event.shelter))
    capacity = np.rint(base * (1.0 + percent / 100.0)).astype(np.int64) + places
    capacity[closed] = 0
    result: IntArray = np.maximum(capacity, 0)
    return result


def _intake_on(scenario: Scenario, network: Network, day: int) -> tuple[IntakeValue, ...]:
    values: list[IntakeValue] = [shelter.intake for shelter in network.shelters]
    for event in scenario.events:
        if isinstance(event, IntakeEvent) and _active(event, day):
            for s in np.flatnonzero(selected(network, event.where)).tolist():
                values[s] = event.intake
    return tuple(values)
