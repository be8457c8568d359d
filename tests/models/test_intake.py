"""Intake hours as the contract writes them: days, times to ``24:00``, and windows within a day."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from models.codes import WEEKDAYS
from models.errors import InvalidInput
from models.instance import load_instance
from models.intake import MAX_WINDOWS, IntakeWindow, parse_days, parse_minute


def _days_reference(ends: list[tuple[str, str]]) -> set[int]:
    """Slowly: for each range, walk the week day by day from its first day to its last."""
    days: set[int] = set()
    for first, last in ends:
        day = WEEKDAYS.index(first)
        days.add(day)
        while WEEKDAYS[day] != last:
            day = (day + 1) % 7
            days.add(day)
    return days


def _written(draw: st.DrawFn, day: str) -> str:
    """A day as someone types it: any case, with spaces around."""
    typed = "".join(draw(st.sampled_from([c, c.upper()])) for c in day)
    return draw(st.sampled_from(["", " "])) + typed + draw(st.sampled_from(["", " "]))


@st.composite
def day_specs(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    ends = draw(
        st.lists(st.tuples(st.sampled_from(WEEKDAYS), st.sampled_from(WEEKDAYS)), min_size=1)
    )
    parts = [
        _written(draw, first)
        if first == last and draw(st.booleans())
        else f"{_written(draw, first)}-{_written(draw, last)}"
        for first, last in ends
    ]
    return ",".join(parts), ends


@settings(max_examples=200, deadline=None, derandomize=True)
@given(day_specs())
@example(("fri-mon", [("fri", "mon")]))
@example(("sun-sat", [("sun", "sat")]))
@example(("Sat, Sun", [("sat", "sat"), ("sun", "sun")]))
def test_days_are_every_day_from_the_first_to_the_last_round_the_week(
    spec: tuple[str, list[tuple[str, str]]],
) -> None:
    text, ends = spec
    assert parse_days(text) == _days_reference(ends)


@pytest.mark.parametrize(
    "text", ["", "mon-", "-fri", "mon--fri", "mon-wed-fri", "mon,", ",sun", "mon,,fri", "monday"]
)
def test_days_that_name_no_range_or_list_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="day"):
        parse_days(text)


def test_every_time_from_00_00_to_24_00_is_read_and_no_other() -> None:
    """Each ``HH:MM`` with two digits each, against the clock: minutes 0-59 of hours 0-23, and
    24:00, the end of the day."""
    for hour in range(100):
        for minute in range(100):
            text = f"{hour:02d}:{minute:02d}"
            if (hour < 24 and minute < 60) or (hour, minute) == (24, 0):
                assert parse_minute(text) == 60 * hour + minute, text
            else:
                with pytest.raises(ValueError, match="not a time"):
                    parse_minute(text)


@pytest.mark.parametrize(
    "text", ["9:00", "09:0", "09.00", "0900", " 09:00", "09:00 ", "09:00\n", "0٩:00", "1٢:3٠"]
)
def test_a_time_is_written_hh_mm(text: str) -> None:
    with pytest.raises(ValueError, match="not a time HH:MM"):
        parse_minute(text)


def _window_problems(window: dict[str, str]) -> list[str]:
    try:
        IntakeWindow.model_validate(window)
    except ValidationError as exc:
        return [str(error["msg"]) for error in exc.errors()]
    return []


@pytest.mark.parametrize(
    ("start", "end", "taken"),
    [
        ("00:00", "00:01", True),
        ("23:59", "24:00", True),
        ("00:00", "24:00", True),
        ("09:00", "09:00", False),  # no minute at all
        ("09:01", "09:00", False),
        ("24:00", "24:00", False),
    ],
)
def test_a_window_holds_at_least_its_from_minute(start: str, end: str, taken: bool) -> None:
    found = _window_problems({"days": "mon", "from": start, "to": end})
    assert (found == []) is taken, found


def test_a_window_from_24_00_is_refused_at_from() -> None:
    document = {
        "format": "safeplace.instance/1",
        "shelters": [
            {
                "id": "S1",
                "location": {"lat": 52.0, "lon": 5.0},
                "capacity": 1,
                "intake": [{"days": "mon", "from": "24:00", "to": "24:00"}],
            }
        ],
        "victims": [],
    }
    with pytest.raises(InvalidInput) as caught:
        load_instance(json.dumps(document))
    assert [str(p) for p in caught.value.problems] == [
        "shelters[0].intake[0].from: must be before 24:00"
    ]


def _shelter_with_windows(count: int) -> dict[str, Any]:
    window = {"days": "mon-sun", "from": "09:00", "to": "17:00"}
    return {
        "format": "safeplace.instance/1",
        "shelters": [
            {
                "id": "S1",
                "location": {"lat": 52.0, "lon": 5.0},
                "capacity": 1,
                "intake": [window] * count,
            }
        ],
        "victims": [],
    }


def test_a_shelter_lists_at_most_64_windows() -> None:
    assert len(load_instance(json.dumps(_shelter_with_windows(MAX_WINDOWS))).shelters) == 1
    with pytest.raises(InvalidInput) as caught:
        load_instance(json.dumps(_shelter_with_windows(MAX_WINDOWS + 1)))
    found = [str(p) for p in caught.value.problems]
    assert len(found) == 1
    assert found[0].startswith("shelters[0].intake: List should have at most 64 items"), found
