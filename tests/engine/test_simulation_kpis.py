"""A replication's KPIs from its people, against a slow reading of the README's definitions; and
how long a stay lasts."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.simulation.clock import Clock
from engine.simulation.kpis import (
    NO_SINGLE_CHANGE,
    WAIT_EDGES,
    PersonRecord,
    cell,
    profile,
    summarise,
)
from engine.simulation.stays import stay_days, stay_hours
from models import gazetteer
from models.codes import CONDITIONS, GENDERS
from models.scenario import FixedStay, LognormalStay
from models.victim import Victim
from tests.scenario_helpers import tiny

FIRST_HOUR = 48
HOURS = 200
PLACES = ("emergency", "hotel", "homeless_shelter")


@st.composite
def person_records(draw: st.DrawFn, first_hour: int) -> PersonRecord:
    near = st.just(first_hour) | st.integers(max(first_hour - 3, 0), first_hour + 3)
    arrival = draw(near | st.integers(0, 120))
    wait = draw(st.sampled_from([0, 1, 23, 24, 25, 47]) | st.integers(0, 72))
    placed = draw(st.booleans())
    return PersonRecord(
        arrival=arrival,
        unit=draw(st.sampled_from(gazetteer.POLICE_UNITS[:3])),
        profile=draw(st.sampled_from(["female / none", "male / lvb", "x / none / youth"])),
        placed=arrival + wait if placed else -1,
        left=-1 if placed else arrival + 72,
        distance_km=draw(st.just(math.nan) | st.floats(0.0, 300.0)) if placed else math.nan,
        nights=Counter(
            {place: n for place in PLACES if (n := draw(st.integers(0, 3))) and not placed}
        ),
        intake_missed=draw(st.booleans()),
        reasons=tuple(draw(st.sets(st.sampled_from(["gender", "capacity", "intake_hours"])))),
        safe_unit=draw(st.sampled_from(gazetteer.POLICE_UNITS[:3])),
    )


@st.composite
def people(draw: st.DrawFn) -> tuple[int, list[PersonRecord]]:
    """The first measured hour (none warmed up, or two days) and the people around it."""
    first_hour = draw(st.sampled_from([0, FIRST_HOUR]))
    return first_hour, draw(st.lists(person_records(first_hour), max_size=25))


def _percentile(values: list[float], percent: int) -> float:
    """Linear between the order statistics, as numpy's default."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


@settings(max_examples=80, deadline=None, derandomize=True)
@given(people(), st.lists(st.booleans(), min_size=HOURS, max_size=HOURS))
def test_the_kpis_are_those_of_the_people_arriving_after_the_warm_up(
    drawn: tuple[int, list[PersonRecord]], holiday: list[bool]
) -> None:
    """Without a warm-up too, where someone found in the very first hour may be placed in it."""
    first_hour, records = drawn
    outcome = summarise(
        1, records, first_hour, np.zeros((1, 10)), np.zeros((1, 10)), holiday=np.array(holiday)
    )
    measured = [r for r in records if r.arrival >= first_hour]
    placed = [r for r in measured if r.placed >= 0]
    unmet = [r for r in measured if r.placed < 0]
    soon = [r for r in placed if r.placed - r.arrival <= 24]
    waits = [float((r.placed if r.placed >= 0 else r.left) - r.arrival) for r in measured]
    distances = [r.distance_km for r in placed if not math.isnan(r.distance_km)]
    n = len(measured)
    values = outcome.values
    assert values["arrivals"] == n
    assert values["placed"] == len(placed)
    assert values["unmet"] == len(unmet)
    assert values["placed_share"] == (len(placed) / n if n else 0.0)
    assert values["within_24h_share"] == (len(soon) / n if n else 0.0)
    assert values["wait_p50_hours"] == pytest.approx(_percentile(waits, 50) if n else 0.0)
    assert values["wait_p95_hours"] == pytest.approx(_percentile(waits, 95) if n else 0.0)
    assert values["travel_km_mean"] == pytest.approx(
        statistics.fmean(distances) if distances else 0.0
    )
    assert values["intake_hours_missed"] == sum(r.intake_missed for r in measured)
    for place in PLACES:
        spent = sum(r.nights[place] for r in measured)
        assert values[f"{place}_nights"] == spent
    assert values["unsuitable_nights"] == sum(sum(r.nights.values()) for r in measured)
    reasons = Counter(reason for r in unmet for reason in (r.reasons or (NO_SINGLE_CHANGE,)))
    assert outcome.unmet_by_reason == reasons
    assert outcome.unmet_by_profile == Counter(r.profile for r in unmet)
    cells: Counter[str] = Counter()
    for r in measured:
        if sum(r.nights.values()):
            cells[cell(r.safe_unit, r.profile)] += sum(r.nights.values())
    assert outcome.nights_by_cell == cells
    # By the unit that found them, every unit listed (a unit without such nights with 0).
    assert outcome.nights_by_unit == {
        unit: sum(sum(r.nights.values()) for r in measured if r.unit == unit)
        for unit in gazetteer.POLICE_UNITS
    }
    # The placed by their wait, each in the bin from its lower edge up to the next; whoever left
    # unplaced is in none (they are the unmet).
    bins = list(itertools.pairwise(WAIT_EDGES))
    assert outcome.wait_counts.tolist() == [
        sum(1 for r in placed if low <= r.placed - r.arrival < high) for low, high in bins
    ]
    on_holiday = [r for r in measured if holiday[r.arrival]]
    assert outcome.holiday_arrivals == len(on_holiday)
    assert outcome.holiday_within_24h == sum(1 for r in on_holiday if r in soon)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.sampled_from(GENDERS),
    st.sampled_from([17, 18]) | st.integers(0, 30),
    st.lists(st.sampled_from(CONDITIONS), unique=True).flatmap(st.permutations),
)
def test_a_profile_is_the_gender_the_first_condition_in_the_contract_s_order_and_youth_under_18(
    gender: str, age: int, conditions: list[str]
) -> None:
    """The first condition by the contract's order, however the person's are listed, since the
    advice opens places for that condition and every one after it; youth places below 18 only."""
    victim = Victim.model_validate(
        {"id": "V1", "gender": gender, "age": age, "conditions": conditions}
    )
    first = min(conditions, key=CONDITIONS.index) if conditions else "none"
    assert profile(victim).split(" / ") == [gender, first, *(["youth"] if age < 18 else [])]


def test_the_waiting_chart_reads_off_the_hour_the_day_and_the_week() -> None:
    """Its bars part at an hour, at each of the first three days and at a week, so the share
    placed within 24 hours and the waits of the first days are read off a bar's edge rather
    than from halfway through one; the edges rise."""
    assert {1, 24, 48, 72, 168} <= set(WAIT_EDGES)
    assert list(WAIT_EDGES) == sorted(set(WAIT_EDGES))


def test_a_fixed_stay_is_its_days_in_whole_hours() -> None:
    scenario = tiny(length_of_stay={"default": {"distribution": "fixed", "days": 1.49}})
    assert stay_hours(scenario, "women", None, 0.5) == round(1.49 * 24) == 36
    assert stay_days(FixedStay(distribution="fixed", days=3), 0.99) == 3


def test_a_stay_takes_the_kind_s_length_before_the_programme_s() -> None:
    """By shelter kind, then programme, then default (the README's order)."""
    fixed = {"distribution": "fixed"}
    scenario = tiny(
        length_of_stay={
            "default": {**fixed, "days": 1},
            "cosm": {**fixed, "days": 2},
            "women": {**fixed, "days": 3},
        }
    )
    assert stay_hours(scenario, "women", "cosm", 0.5) == 3 * 24
    assert stay_hours(scenario, "men", "cosm", 0.5) == 2 * 24
    assert stay_hours(scenario, "men", None, 0.5) == 1 * 24


@pytest.mark.parametrize(("mean", "sd"), [(120.0, 60.0), (90.0, 25.0), (10.0, 30.0)])
def test_a_lognormal_stay_has_the_mean_and_spread_it_is_given(mean: float, sd: float) -> None:
    """Over a fine grid of quantiles (each person's draw), the stays average ``mean_days`` with
    standard deviation ``sd_days``; ``max_days`` cuts the longest."""
    stay = LognormalStay(distribution="lognormal", mean_days=mean, sd_days=sd)
    grid = (np.arange(200_000) + 0.5) / 200_000
    days = np.array([stay_days(stay, float(q)) for q in grid[::50]])
    fine = np.array([stay_days(stay, float(q)) for q in grid])
    assert float(np.mean(fine)) == pytest.approx(mean, rel=0.01)
    assert float(np.std(fine)) == pytest.approx(sd, rel=0.05)
    assert np.all(np.diff(days) >= 0)  # a later quantile never stays shorter
    capped = LognormalStay(distribution="lognormal", mean_days=mean, sd_days=sd, max_days=mean)
    assert stay_days(capped, 0.999) == mean


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from([date(2026, 3, 27), date(2026, 10, 23), date(2026, 12, 30)]), st.data())
def test_the_nights_of_a_stretch_are_the_amsterdam_midnights_in_it(
    start: date, data: st.DataObject
) -> None:
    """Slowly, hour by hour from the start's local midnight in UTC: each hour that begins at 00:00
    on an Amsterdam clock is a night, over clock changes too."""
    clock = Clock(start, 5 * 24)
    first = data.draw(st.integers(0, clock.hours))
    last = data.draw(st.integers(first, clock.hours))
    amsterdam = ZoneInfo("Europe/Amsterdam")
    origin = datetime(start.year, start.month, start.day, tzinfo=amsterdam).astimezone(UTC)
    midnights = sum(
        1
        for h in range(first, last)
        if (origin + timedelta(hours=h)).astimezone(amsterdam).strftime("%H:%M") == "00:00"
    )
    assert clock.nights(first, last) == midnights
