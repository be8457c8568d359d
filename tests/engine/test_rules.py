"""The vectorised rules agree with the slow reference rules on every pair and every reason code."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine import reference
from engine.arrays import compile_instance
from engine.intake import always_open, next_opening, open_at
from engine.rules import RULES
from engine.verdicts import compatible, reason_masks, reasons
from models.codes import REASON_CODES
from models.instance import Instance
from models.intake import IntakeWindow
from models.location import Location
from models.shelter import Shelter
from tests.strategies import instances, random_instance

AMSTERDAM_ZONE = ZoneInfo("Europe/Amsterdam")


@settings(max_examples=150, deadline=None, derandomize=True)
@given(instances(max_victims=10, max_shelters=10))
def test_vectorised_rules_equal_reference_on_every_pair(instance: Instance) -> None:
    pairs = compile_instance(instance)
    masks = reason_masks(pairs)
    ok = compatible(pairs)
    for v, victim in enumerate(instance.victims):
        for s, shelter in enumerate(instance.shelters):
            expected = reference.reasons(victim, shelter, instance.now)
            assert reasons(masks, v, s) == expected, (victim.id, shelter.id)
            assert ok[v, s] == (not expected)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances(max_victims=8, max_shelters=8))
def test_vectorised_cost_equals_reference(instance: Instance) -> None:
    pairs = compile_instance(instance)
    weights = instance.objective.model_dump()
    for v, victim in enumerate(instance.victims):
        for s, shelter in enumerate(instance.shelters):
            assert pairs.cost[v, s] == pytest.approx(reference.cost(victim, shelter, weights))


def test_every_reason_code_occurs_in_the_random_instances() -> None:
    """The property tests above would prove little if some rule never fired in them."""
    seen: set[str] = set()
    for seed in range(40):
        masks = reason_masks(compile_instance(random_instance(seed, 12, 10)))
        seen |= {code for code, mask in masks.items() if mask.any()}
    assert seen == set(REASON_CODES)


def test_rule_codes_follow_the_contract_order() -> None:
    instance = random_instance(3, 30, 20)
    codes = [code for rule in RULES for code, _ in rule.blocked(compile_instance(instance))]
    assert codes == [c for c in REASON_CODES if c in codes]


def _window(days: str, start: str, end: str) -> IntakeWindow:
    return IntakeWindow(days=days, start=start, end=end)


@pytest.mark.parametrize(
    ("intake", "moment", "expected"),
    [
        # 02:30 on a Saturday in Amsterdam: office hours are closed, 24/7 is open.
        ("office", datetime.fromisoformat("2026-11-28T02:30:00+01:00"), False),
        ("24/7", datetime.fromisoformat("2026-11-28T02:30:00+01:00"), True),
        # Friday 16:59 is in, 17:00 is out (the window excludes its `to` minute).
        ("office", datetime.fromisoformat("2026-11-27T16:59:00+01:00"), True),
        ("office", datetime.fromisoformat("2026-11-27T17:00:00+01:00"), False),
        ("office", datetime.fromisoformat("2026-11-27T09:00:00+01:00"), True),
        # The same instant in UTC: 08:30 UTC is 09:30 in winter (CET) and 10:30 in summer (CEST).
        ("office", datetime(2026, 1, 5, 7, 30, tzinfo=UTC), False),
        ("office", datetime(2026, 1, 5, 8, 30, tzinfo=UTC), True),
        ("office", datetime(2026, 7, 6, 6, 30, tzinfo=UTC), False),
        ("office", datetime(2026, 7, 6, 7, 30, tzinfo=UTC), True),
        # A window to 24:00 includes 23:59; a range that wraps the week (fri-mon) includes Sunday.
        ([_window("fri-mon", "18:00", "24:00")], datetime(2026, 11, 29, 22, 59, tzinfo=UTC), True),
        ([_window("fri-mon", "18:00", "24:00")], datetime(2026, 12, 1, 22, 59, tzinfo=UTC), False),
        ([_window("sat,sun", "00:00", "10:00")], datetime(2026, 11, 28, 8, 59, tzinfo=UTC), True),
        ([], datetime(2026, 11, 28, 8, 59, tzinfo=UTC), False),
    ],
)
def test_intake_hours_in_amsterdam_time(
    intake: str | list[IntakeWindow], moment: datetime, expected: bool
) -> None:
    assert open_at(intake, moment) is expected  # type: ignore[arg-type]


# Windows to draw intake hours from: a weekday day shift, a weekend that wraps past Sunday and
# ends at 24:00, weekend mornings, and one short slot on a single day (all on quarter hours).
WINDOWS = (
    IntakeWindow(days="mon-fri", start="08:00", end="20:00"),
    IntakeWindow(days="fri-mon", start="18:00", end="24:00"),
    IntakeWindow(days="sat,sun", start="00:00", end="10:00"),
    IntakeWindow(days="wed", start="13:15", end="13:45"),
    # Inside and across the hour the spring clock change skips (02:00-03:00 on its Sunday).
    IntakeWindow(days="sun", start="02:00", end="03:00"),
    IntakeWindow(days="sun", start="02:30", end="04:00"),
    # Up to the middle of the hour the autumn clock change repeats (02:00-03:00 on its Sunday).
    IntakeWindow(days="sun", start="01:00", end="02:30"),
)
QUARTER = timedelta(minutes=15)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    st.one_of(
        st.sampled_from(["office", "24/7"]),
        st.lists(st.sampled_from(WINDOWS), max_size=3, unique=True),
    ),
)
@example(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), [WINDOWS[4]])  # next Sunday, not 02:00
@example(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), [WINDOWS[5]])  # 03:00 summer time
@example(datetime(2026, 3, 29, 0, 20, tzinfo=UTC), [WINDOWS[5]])  # not 01:30 winter time
@example(datetime(2026, 3, 22, 12, 0, tzinfo=UTC), [WINDOWS[4]])  # skipped: in fourteen days
# In the autumn's repeated hour (01:10 UTC is 02:10 the second time): 02:30 comes again at
# 01:30 UTC, not the 02:30 already passed; and 02:00 the second time is inside 01:00-02:30.
@example(datetime(2026, 10, 25, 1, 10, tzinfo=UTC), [WINDOWS[5]])
@example(datetime(2026, 10, 25, 0, 45, tzinfo=UTC), [WINDOWS[6]])
def test_next_opening_is_open_and_nothing_opens_earlier(
    moment: datetime, intake: str | list[IntakeWindow]
) -> None:
    opening = next_opening(intake, moment)  # type: ignore[arg-type]
    if intake == []:
        assert opening is None  # no window at all: never
        return
    assert opening is not None
    # Open at that instant: asked in UTC, so that a wall time that does not exist cannot pass.
    assert open_at(intake, opening.astimezone(UTC))  # type: ignore[arg-type]
    assert opening >= moment
    if opening > moment:
        # A minute before in real time (arithmetic on Amsterdam wall clocks skips no hour).
        before = opening.astimezone(UTC) - timedelta(minutes=1)
        assert not open_at(intake, before)  # type: ignore[arg-type]
    # Every window starts on a quarter hour: none of those before the opening is open.
    probe = moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)
    while probe < opening:
        if probe >= moment:
            assert not open_at(intake, probe), probe  # type: ignore[arg-type]
        probe += QUARTER


# Whole minutes of 2026-2027, most of them next to a quarter hour, where the windows open and
# close (the random instances' windows and moments meet on whole hours only).
YEARS_START = datetime(2026, 1, 1, tzinfo=UTC)
MINUTES = st.integers(0, 2 * 366 * 24 * 60) | st.builds(
    lambda quarter, step: 15 * quarter + step,
    st.integers(0, 2 * 366 * 24 * 4),
    st.integers(-1, 1),
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    MINUTES.map(lambda minutes: YEARS_START + timedelta(minutes=max(minutes, 0))),
    st.one_of(
        st.sampled_from(["office", "24/7"]),
        st.lists(st.sampled_from(WINDOWS), max_size=3, unique=True),
    ),
)
# Wednesday 25 November 2026, 13:15-13:45 in Amsterdam: the first, the last and the first
# closed minute.
@example(datetime(2026, 11, 25, 12, 15, tzinfo=UTC), [WINDOWS[3]])
@example(datetime(2026, 11, 25, 12, 44, tzinfo=UTC), [WINDOWS[3]])
@example(datetime(2026, 11, 25, 12, 45, tzinfo=UTC), [WINDOWS[3]])
def test_the_reference_takes_intakes_exactly_when_the_compiled_hours_are_open(
    moment: datetime, intake: str | list[IntakeWindow]
) -> None:
    """The slow reference, which the final check of every plan uses, and the compiled windows
    behind the rules agree to the minute: a window includes its ``from`` minute and excludes its
    ``to`` minute."""
    shelter = Shelter(
        id="S1",
        location=Location(lat=52.0, lon=5.0),
        capacity=1,
        intake=intake,  # type: ignore[arg-type]
    )
    expected = open_at(intake, moment)  # type: ignore[arg-type]
    assert reference.takes_intake(shelter, moment) is expected


# Windows that together may or may not leave a minute of some day closed.
COVERING = (
    IntakeWindow(days="mon-sun", start="00:00", end="12:00"),
    IntakeWindow(days="mon-sun", start="12:00", end="24:00"),
    IntakeWindow(days="mon-sat", start="00:00", end="24:00"),
    IntakeWindow(days="sun", start="00:00", end="23:45"),
    IntakeWindow(days="sun", start="08:00", end="24:00"),
    *WINDOWS,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.one_of(
        st.sampled_from(["office", "24/7"]),
        st.lists(st.sampled_from(COVERING), max_size=4, unique=True),
    )
)
@example(COVERING[:2])  # day and night as two windows
@example([COVERING[2], COVERING[3], COVERING[4]])  # Sunday covered by two overlapping windows
@example([COVERING[2], COVERING[3]])  # Sunday's last quarter hour closed
def test_always_open_means_no_minute_of_the_week_is_closed(
    intake: str | list[IntakeWindow],
) -> None:
    """Held to every quarter hour of a week without clock changes (windows start and end on
    quarter hours)."""
    week = datetime(2026, 11, 30, tzinfo=UTC).astimezone(AMSTERDAM_ZONE).replace(hour=0)
    quarters = (week + timedelta(minutes=15 * step) for step in range(7 * 24 * 4))
    expected = all(open_at(intake, moment) for moment in quarters)  # type: ignore[arg-type]
    assert always_open(intake) is expected  # type: ignore[arg-type]


def _zone_instance(min_km: float) -> Instance:
    """One shelter in Utrecht, one victim with a danger zone in Amsterdam ``min_km`` wide."""
    return Instance.model_validate(
        {
            "format": "safeplace.instance/1",
            "shelters": [{"id": "S1", "location": {"lat": 52.09, "lon": 5.12}, "capacity": 1}],
            "victims": [
                {
                    "id": "V1",
                    "gender": "female",
                    "age": 30,
                    "danger_zones": [{"location": {"lat": 52.37, "lon": 4.89}, "min_km": min_km}],
                }
            ],
        }
    )


def test_a_shelter_exactly_min_km_away_is_far_enough() -> None:
    """``security`` rules a shelter out only when it is closer than ``min_km``: at exactly that
    distance (as the vectorised haversine computes it) the shelter may be used."""
    pairs = compile_instance(_zone_instance(1.0))
    exact = float(pairs.zone_distance_km[0, 0])
    for min_km, blocked in ((exact, False), (math.nextafter(exact, math.inf), True)):
        masks = reason_masks(compile_instance(_zone_instance(min_km)))
        assert bool(masks["security"][0, 0]) is blocked, min_km
