"""Public holidays in the simulation: set intake hours close on them unless a scenario says not.

``Timeline.open`` is held to an hour-by-hour reference that asks the engine's own calendar and
intake test afresh for every hour; the simulated desk is held to waits worked out by hand and,
on random arrivals over Christmas, to a comparison that must hold: with places to spare, closing
intakes on a holiday can delay a placement but never bring one forward.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.holidays import public_holiday
from engine.intake import IntakeValue, always_open, open_at
from engine.simulation.aggregate import public_holidays
from engine.simulation.clock import Clock
from engine.simulation.run import Replication, prepare, simulate
from engine.simulation.runner import run_scenario
from engine.simulation.timeline import Timeline
from models.intake import IntakeWindow
from models.scenario import Scenario, validate_scenario
from tests.scenario_helpers import OFFICE, PLAIN_MIX, one_shelter, tiny

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Intake values with and without a closed minute in the week; the second is day and night as
# two windows, which counts as open day and night as "24/7" does.
INTAKES: tuple[IntakeValue, ...] = (
    "24/7",
    "office",
    [
        IntakeWindow(days="mon-sun", start="00:00", end="12:00"),
        IntakeWindow(days="mon-sun", start="12:00", end="24:00"),
    ],
    [IntakeWindow(days="mon-fri", start="00:00", end="24:00")],
    [IntakeWindow(days="mon-sun", start="06:00", end="24:00")],
    [IntakeWindow(days="sat,sun", start="10:00", end="14:00")],
    [
        IntakeWindow(days="mon-fri", start="08:00", end="20:00"),
        IntakeWindow(days="fri-mon", start="18:00", end="24:00"),
    ],
    [],
)

# Days a horizon may start near: Christmas and New Year (on a Friday and on a Wednesday), Good
# Friday to Easter Monday, King's Day on a Monday with Ascension Day after it, Liberation Day in
# the lustrum years 2025 (a Monday) and 2030 (a Sunday), and the autumn clock change.
NEAR = (
    date(2026, 12, 18),
    date(2030, 12, 20),
    date(2026, 3, 30),
    date(2027, 3, 22),
    date(2026, 4, 22),
    date(2025, 4, 28),
    date(2030, 4, 29),
    date(2026, 10, 20),
)


def reference_open(
    start: date,
    hours: int,
    starts: tuple[int, ...],
    intakes: tuple[tuple[IntakeValue, ...], ...],
    closed_on_holidays: bool,
    *,
    holiday_intake: tuple[bool, ...],
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Each hour on its own: its moment, its segment, whether it falls on a public holiday, and
    each shelter's weekly hours, open day and night or said to keep them on holidays or not."""
    origin = datetime(start.year, start.month, start.day, tzinfo=AMSTERDAM).astimezone(UTC)
    rows = []
    for hour in range(hours + 1):
        moment = origin + timedelta(hours=hour)
        segment = max(number for number, first in enumerate(starts) if first <= hour)
        shut = closed_on_holidays and public_holiday(moment, "en") is not None
        rows.append(
            [
                open_at(value, moment) and (always_open(value) or keeps or not shut)
                for value, keeps in zip(intakes[segment], holiday_intake, strict=True)
            ]
        )
    return np.array(rows, dtype=np.bool_)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    """A few days from near a holiday, cut into segments, each with its own intake hours."""
    start = draw(st.sampled_from(NEAR)) + timedelta(days=draw(st.integers(0, 10)))
    days = draw(st.integers(1, 14))
    shelters = draw(st.integers(1, 4))
    boundaries = draw(st.sets(st.integers(1, days - 1), max_size=3)) if days > 1 else set()
    starts = tuple(24 * day for day in [0, *sorted(boundaries)])
    intakes = tuple(tuple(draw(st.sampled_from(INTAKES)) for _ in range(shelters)) for _ in starts)
    return Timeline(
        clock=Clock(start, days * 24),
        starts=starts,
        capacities=tuple(np.zeros(shelters, dtype=np.int64) for _ in starts),
        intakes=intakes,
        closed_on_holidays=draw(st.booleans()),
        holiday_intake=np.array([draw(st.booleans()) for _ in range(shelters)]),
    )


@settings(max_examples=150, deadline=None)
@given(timelines())
def test_the_open_shelters_are_those_of_an_hour_by_hour_reference(timeline: Timeline) -> None:
    """Closed on holidays, only shelters open day and night, or said to keep their hours on
    holidays, take intakes then; as usual, every shelter keeps its weekly hours: the behaviour
    from before holidays were known."""
    expected = reference_open(
        timeline.clock.start,
        timeline.clock.hours,
        timeline.starts,
        timeline.intakes,
        timeline.closed_on_holidays,
        holiday_intake=tuple(bool(keeps) for keeps in timeline.holiday_intake),
    )
    assert np.array_equal(timeline.open, expected), np.argwhere(timeline.open != expected)
    # People waiting wake up whenever a shelter opens (after a night, a weekend or a holiday)
    # and whenever a segment starts.
    opens = {h for h in range(1, len(expected)) if (expected[h] & ~expected[h - 1]).any()}
    assert timeline.wake_hours.tolist() == sorted(opens | set(timeline.starts))


def christmas(intake: str, start: str = "2026-12-21", day: int = 4) -> Scenario:
    """One woman found in Utrecht at 10:00 on day ``day``: by default Christmas Day 2026, a
    Friday."""
    return tiny(
        start=start,
        public_holiday_intake=intake,
        events=[{"type": "surge", "day": day, "hour": 10, "municipality": "Utrecht",
                 "victims": 1, "mix": PLAIN_MIX}],
        fallback={"emergency_kind": None, "hotel_share": 1.0, "give_up_days": 5},
    )  # fmt: skip


def test_on_christmas_day_office_intake_waits_for_monday_unless_as_usual() -> None:
    # Arrival at hour 4 * 24 + 10 = 106; office intake opens on Monday 28 December at 09:00,
    # hour 7 * 24 + 9 = 177: 71 hours and three nights (25, 26, 27 December) in a hotel.
    closed = simulate(prepare(christmas("closed"), one_shelter(intake=OFFICE), {}), 1, check=True)
    assert closed.values["wait_p50_hours"] == 71.0
    assert closed.values["hotel_nights"] == 3.0
    assert closed.values["intake_hours_missed"] == 1.0
    assert (closed.holiday_arrivals, closed.holiday_within_24h) == (1.0, 0.0)
    # As usual, Christmas Day is any Friday: the shelter takes her in at once.
    usual = simulate(prepare(christmas("as_usual"), one_shelter(intake=OFFICE), {}), 1)
    assert usual.values["wait_p50_hours"] == 0.0
    assert usual.values["unsuitable_nights"] == 0.0
    assert (usual.holiday_arrivals, usual.holiday_within_24h) == (1.0, 1.0)


def test_a_shelter_open_day_and_night_takes_intakes_on_a_holiday() -> None:
    day_and_night = [
        IntakeWindow(days="mon-sun", start="00:00", end="12:00"),
        IntakeWindow(days="mon-sun", start="12:00", end="24:00"),
    ]
    for intake in ("24/7", day_and_night):
        shelters = one_shelter(intake=intake)
        outcome = simulate(prepare(christmas("closed"), shelters, {}), 1, check=True)
        assert outcome.values["wait_p50_hours"] == 0.0


def test_a_shelter_said_to_take_intakes_on_holidays_keeps_its_hours_then() -> None:
    # Office hours on a Friday at 10:00: open, Christmas Day or not, for a shelter that said so.
    shelters = one_shelter(intake=OFFICE)
    kept = prepare(christmas("closed"), shelters, {}, holiday_intake={shelters[0].id})
    outcome = simulate(kept, 1, check=True)
    assert outcome.values["wait_p50_hours"] == 0.0
    assert (outcome.holiday_arrivals, outcome.holiday_within_24h) == (1.0, 1.0)
    # Its weekly hours still hold: found on Christmas Day at 20:00, she waits for Monday 09:00.
    evening = christmas("closed").model_copy(
        update={"events": [christmas("closed").events[0].model_copy(update={"hour": 20})]}
    )
    late = simulate(prepare(evening, shelters, {}, holiday_intake={shelters[0].id}), 1)
    assert late.values["wait_p50_hours"] == 7 * 24 + 9 - (4 * 24 + 20)


def test_an_intake_reopening_at_midnight_after_the_holidays_wakes_who_waits() -> None:
    # Christmas 2030 is a Wednesday, Boxing Day a Thursday. A shelter taking intakes all day on
    # weekdays is closed from Wednesday 00:00 and opens again at Friday 00:00 (hour 96); the
    # woman arriving on Wednesday at 10:00 (hour 58) is placed then, not at the next event.
    scenario = christmas("closed", start="2030-12-23", day=2)
    weekdays = [IntakeWindow(days="mon-fri", start="00:00", end="24:00")]
    prepared = prepare(scenario, one_shelter(intake=weekdays), {})
    assert 96 in prepared.timeline.wake_hours.tolist()
    outcome = simulate(prepared, 1, check=True)
    assert outcome.values["wait_p50_hours"] == 96 - 58


def fortnight(intake: str) -> Scenario:
    """About 20 women a week in Utrecht from 14 December 2026 to 10 January 2027, three of them
    found on Christmas Day, and one office-hours shelter with places to spare."""
    return validate_scenario(
        {
            "name": "Christmas",
            "start": "2026-12-14",
            "horizon_days": 28,
            "public_holiday_intake": intake,
            "demand": {
                "arrivals_per_week": {"Midden-Nederland": 20},
                "mix": PLAIN_MIX,
                "danger_zones": {"share": 0.0},
            },
            "length_of_stay": {"default": {"distribution": "fixed", "days": 2}},
            "fallback": {"emergency_kind": None, "give_up_days": 10},
            "events": [
                {"type": "surge", "day": 11, "hour": 10, "municipality": "Utrecht",
                 "victims": 3, "mix": PLAIN_MIX}
            ],
        }
    )  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32))
def test_closing_intakes_on_the_holidays_delays_placements_and_never_advances_one(
    seed: int,
) -> None:
    """With room for everyone, a person is placed at the first hour an intake is open after
    arriving; closing some hours can only make that later, and on Christmas Day it does."""
    shelters = one_shelter(capacity=500, intake=OFFICE)
    runs = {}
    for intake in ("closed", "as_usual"):
        replication = Replication(prepare(fortnight(intake), shelters, {}), seed, None, True)
        runs[intake] = (replication.run(), replication.records)
    (closed, closed_people), (usual, usual_people) = runs["closed"], runs["as_usual"]
    assert [p.arrival for p in closed_people] == [p.arrival for p in usual_people]
    assert all(p.placed >= 0 for p in [*closed_people, *usual_people])
    assert all(c.placed >= u.placed for c, u in zip(closed_people, usual_people, strict=True))
    christmas_day = [p for p in closed_people if p.arrival == 11 * 24 + 10]
    assert len(christmas_day) >= 3
    assert all(p.placed == 14 * 24 + 9 for p in christmas_day)  # Monday 28 December, 09:00
    for kpi in ("wait_p50_hours", "wait_p95_hours", "unsuitable_nights"):
        assert closed.values[kpi] >= usual.values[kpi], kpi
    assert closed.values["within_24h_share"] < usual.values["within_24h_share"]
    assert closed.holiday_arrivals == usual.holiday_arrivals >= 3
    assert closed.holiday_within_24h < usual.holiday_within_24h


def test_the_result_names_the_holidays_after_the_warm_up_and_who_arrived_on_them() -> None:
    scenario = fortnight("closed").model_copy(update={"warmup_days": 12})
    result = run_scenario(scenario, one_shelter(capacity=500, intake=OFFICE), {},
                          replications=3, compare=False)  # fmt: skip
    holidays = result.public_holidays
    assert holidays is not None
    assert holidays.intake == "closed"
    # Day 12 is 26 December; the horizon ends on 10 January.
    assert holidays.days == [date(2026, 12, 26), date(2027, 1, 1)]
    assert holidays.arrivals.n == 3
    assert 0 < holidays.arrivals.mean < result.kpis["arrivals"].mean
    assert holidays.within_24h.mean == 0.0  # Saturday and Friday: office intake waits for Monday


def test_the_holidays_named_are_those_of_the_measured_days_and_no_later() -> None:
    # From Monday 14 December 2026, a horizon of 11 days ends with 24 December and one of 12
    # days with Christmas Day; a warm-up of 11 days leaves Christmas Day the only day measured,
    # one of 10 days 24 December alone.
    cases = [(11, 0, []), (12, 0, [date(2026, 12, 25)]), (12, 11, [date(2026, 12, 25)]),
             (11, 10, [])]  # fmt: skip
    for horizon, warmup, expected in cases:
        surge = christmas("closed").events[0].model_copy(update={"day": warmup})
        scenario = tiny(
            start="2026-12-14", horizon_days=horizon, warmup_days=warmup, events=[surge]
        )
        outcome = simulate(prepare(scenario, one_shelter(), {}), 1)
        assert public_holidays(scenario, [outcome]).days == expected, (horizon, warmup)
