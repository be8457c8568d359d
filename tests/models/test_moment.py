"""A moment (``models.moment.Moment``): written out with its offset, in 1970-2999 (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from models.moment import Moment

MOMENT: TypeAdapter[datetime] = TypeAdapter(Moment)
WRITE_IT_OUT = "write a date and time with its offset"
OUTSIDE = "must lie in the years 1970-2999"


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("1970-01-01T00:00:00+00:00", True),
        ("1969-12-31T23:59:59.999999+00:00", False),
        ("1970-01-01T00:30:00+01:00", False),  # 23:30 UTC on the last day of 1969
        ("1969-12-31T23:30:00-01:00", True),  # 00:30 UTC on the first day of 1970
        ("2999-12-31T23:59:59.999999+00:00", True),
        ("3000-01-01T00:00:00+00:00", False),
        ("3000-01-01T00:30:00+01:00", True),  # still 2999 in UTC
        ("2999-12-31T23:30:00-01:00", False),  # already 3000 in UTC
        ("0001-01-01T00:00:00+14:00", False),  # before year 1 in UTC: no UTC moment at all
    ],
)
def test_the_years_are_bounded_exactly_in_utc(text: str, taken: bool) -> None:
    if taken:
        assert MOMENT.validate_python(text) == datetime.fromisoformat(text)
    else:
        with pytest.raises(ValidationError, match=OUTSIDE):
            MOMENT.validate_python(text)


@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(3100, 12, 30)),
    st.integers(-14 * 60, 14 * 60),
)
def test_a_moment_is_taken_exactly_when_its_utc_year_is_plannable(
    local: datetime, offset_minutes: int
) -> None:
    moment = local.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    utc = local - timedelta(minutes=offset_minutes)  # the same moment, naive, in UTC
    if datetime(1970, 1, 1) <= utc < datetime(3000, 1, 1):
        assert MOMENT.validate_python(moment.isoformat()) == moment
    else:
        with pytest.raises(ValidationError, match=OUTSIDE):
            MOMENT.validate_python(moment.isoformat())


@pytest.mark.parametrize(
    "value",
    [
        1764230400,
        1.5e9,
        "1764230400",
        " 1764230400 ",
        "-1",
        "+12",
        "1.5",
        ".5",
        "5.",
        "1e9",
        "2E+3",
    ],
)
def test_a_number_is_no_moment(value: object) -> None:
    with pytest.raises(ValidationError, match=WRITE_IT_OUT):
        MOMENT.validate_python(value)


@pytest.mark.parametrize("text", ["2026-12-01T21:30:00", "2026-12-01"])
def test_a_moment_without_an_offset_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="timezone"):
        MOMENT.validate_python(text)


def test_a_moment_written_out_is_read_as_written() -> None:
    assert MOMENT.validate_python("2026-12-01T21:30:00+01:00") == datetime(
        2026, 12, 1, 20, 30, tzinfo=UTC
    )
