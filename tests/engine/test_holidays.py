"""Dutch public holidays and office hours on workdays, held to a minute-by-minute search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine.holidays import holiday_opening, next_office_opening, office_open, public_holiday
from engine.intake import IntakeValue, open_at
from models.intake import IntakeWindow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_the_days_are_named_in_the_readers_language() -> None:
    christmas = datetime(2026, 12, 25, 23, 30, tzinfo=AMSTERDAM)
    assert public_holiday(christmas, "nl") == "Eerste kerstdag"
    assert public_holiday(christmas, "en") == "Christmas Day"
    # 23:30 UTC on Christmas Eve is already Christmas Day in the Netherlands.
    assert public_holiday(datetime(2026, 12, 24, 23, 30, tzinfo=UTC), "nl") == "Eerste kerstdag"
    assert public_holiday(datetime(2026, 12, 24, 22, 30, tzinfo=UTC), "nl") is None
    # Moving feasts: Ascension Day is 39 days after Easter Sunday.
    assert public_holiday(datetime(2027, 5, 6, 12, 0, tzinfo=AMSTERDAM), "nl") == "Hemelvaartsdag"


@settings(max_examples=40, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2028, 12, 20),
        timezones=st.just(AMSTERDAM),
    )
)
# Good Friday, Easter Monday and King's Day on Tuesday 27 April 2038: from the Thursday evening,
# three workday holidays in a row before the Wednesday morning, the longest run in the years an
# instance's ``now`` may name (1970-2999).
@example(datetime(2038, 4, 22, 18, 0, tzinfo=AMSTERDAM))
def test_the_next_office_opening_is_the_first_workday_minute_of_office_hours(
    moment: datetime,
) -> None:
    """Nothing before it is office hours on a workday, and it is."""
    opens = next_office_opening(moment)
    assert opens is not None
    assert office_open(opens)
    probe = moment.replace(second=0, microsecond=0)
    if probe < moment:
        probe += timedelta(minutes=1)
    while probe < opens:
        assert not office_open(probe), probe
        probe += timedelta(minutes=1)


# Weekly hours: day and night, office hours, and windows that run to midnight, start at it, or
# open on the weekend only.
HOURS: list[IntakeValue] = [
    "24/7",
    "office",
    [IntakeWindow(days="mon-fri", start="08:00", end="20:00")],
    [IntakeWindow(days="fri-mon", start="18:00", end="24:00")],
    [IntakeWindow(days="sat,sun", start="00:00", end="10:00")],
    [IntakeWindow(days="wed", start="02:30", end="02:45")],
    [],
]


def first_holiday_minute(intake: IntakeValue, start: datetime, end: datetime) -> datetime | None:
    """The obvious search: ``start`` itself, then every whole minute before ``end`` (counted in
    UTC, so that a clock change neither skips nor repeats one), the first that is open for intake
    on a public holiday."""
    probe = start
    while probe < end:
        if open_at(intake, probe) and public_holiday(probe, "en") is not None:
            return probe
        probe = (probe.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return None


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(HOURS),
    st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2028, 12, 20),
        timezones=st.just(AMSTERDAM),
    )
    | st.sampled_from(
        [
            datetime(2026, 12, 24, 16, 30, 12, tzinfo=AMSTERDAM),  # Christmas Eve, at work
            datetime(2026, 12, 24, 23, 59, 30, tzinfo=AMSTERDAM),  # a minute before Christmas
            datetime(2027, 4, 26, 21, 0, tzinfo=AMSTERDAM),  # the evening before King's Day
            datetime(2027, 5, 4, 20, 0, tzinfo=AMSTERDAM),  # May 5th: no holiday in 2027
            datetime(2027, 5, 6, 12, 0, 20, tzinfo=AMSTERDAM),  # Ascension Day, at noon
            datetime(2026, 12, 26, 23, 0, tzinfo=AMSTERDAM),  # Boxing Day's last hour
        ]
    ),
    st.integers(min_value=0, max_value=3 * 24 * 60),
)
def test_the_first_holiday_intake_of_a_span_is_the_first_open_holiday_minute(
    intake: IntakeValue, start: datetime, minutes: int
) -> None:
    end = start + timedelta(minutes=minutes)
    assert holiday_opening(intake, start, end) == first_holiday_minute(intake, start, end)


def test_a_hold_over_christmas_eve_night_meets_the_christmas_morning_intake() -> None:
    evening = datetime(2026, 12, 24, 19, 0, tzinfo=AMSTERDAM)
    morning = datetime(2026, 12, 25, 9, 0, tzinfo=AMSTERDAM)
    assert holiday_opening("office", evening, morning + timedelta(minutes=30)) == morning
    assert holiday_opening("office", evening, morning) is None
    assert holiday_opening("24/7", evening, morning) == datetime(2026, 12, 25, tzinfo=AMSTERDAM)
    # On Christmas Day itself the intake open now is the one.
    later = morning + timedelta(hours=1)
    assert holiday_opening("office", later, later + timedelta(minutes=90)) == later
