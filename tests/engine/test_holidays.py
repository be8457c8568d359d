"""Dutch public holidays and office hours on workdays, held to a minute-by-minute search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.holidays import next_office_opening, office_open, public_holiday

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
