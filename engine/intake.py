"""Whether a shelter takes an intake at a given moment, and when it next does.

The contract's windows are wall-clock times in Europe/Amsterdam, so a moment given with any offset
is first converted there (daylight saving time included).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from models.intake import TIMEZONE, IntakeWindow, parse_days, parse_minute, windows_of

AMSTERDAM = ZoneInfo(TIMEZONE)
IntakeValue = Literal["24/7", "office"] | list[IntakeWindow]


Span = tuple[frozenset[int], int, int]  # weekdays, first open minute, first closed minute
MINUTES_PER_DAY = 24 * 60


@cache
def _span(days: str, start: str, end: str) -> Span:
    """A window parsed once: compiling a national network asks the same few windows again."""
    return parse_days(days), parse_minute(start), parse_minute(end)


def spans_of(intake: IntakeValue) -> tuple[Span, ...]:
    """An intake value as the spans :func:`open_spans` checks (compile once, ask often)."""
    return tuple(_span(w.days, w.start, w.end) for w in windows_of(intake))


def open_at(intake: IntakeValue, moment: datetime) -> bool:
    """True when a shelter with this intake value takes an intake at ``moment``."""
    return open_spans([spans_of(intake)], moment)[0]


def always_open(intake: IntakeValue) -> bool:
    """True when the windows leave no minute of the week without intake: ``"24/7"``, or windows
    that add up to it (``mon-sun 00:00-24:00``, or day and night written as two windows)."""
    spans = spans_of(intake)
    for weekday in range(7):
        covered = 0  # every minute before this one is open on ``weekday``
        windows = sorted((start, end) for days, start, end in spans if weekday in days)
        for start, end in windows:
            if start > covered:
                break
            covered = max(covered, end)
        if covered < MINUTES_PER_DAY:
            return False
    return True


def open_spans(spans: Sequence[tuple[Span, ...]], moment: datetime | None) -> list[bool]:
    """:func:`open_at` for many shelters at one moment, their intake values compiled with
    :func:`spans_of` (all open when ``moment`` is None).

    The moment is converted to Amsterdam time once: a national network has thousands of shelters.
    """
    if moment is None:
        return [True] * len(spans)
    local = moment.astimezone(AMSTERDAM)
    minute = local.hour * 60 + local.minute
    weekday = local.weekday()
    return [
        any(weekday in days and start <= minute < end for days, start, end in windows)
        for windows in spans
    ]


def next_opening(intake: IntakeValue, moment: datetime) -> datetime | None:
    """The first minute at or after ``moment`` when intakes are taken; None if never.

    Searched minute-exact over window starts of the coming fifteen days, so a window that opens
    later today or next Monday is found, and so is one that the spring clock change skips (it
    opens a week later); a shelter with no windows at all gives None. On the autumn day the hour
    from 02:00 comes twice, and so may a window in it: times are compared as real instants, so
    the second pass counts too, and one already passed does not.
    """
    if open_at(intake, moment):
        return moment
    after = moment.astimezone(UTC)
    today = moment.astimezone(AMSTERDAM).date()
    candidates: list[datetime] = []
    for day in range(15):
        on = today + timedelta(days=day)
        for window in windows_of(intake):
            if on.weekday() not in window.weekdays:
                continue
            for start in _openings(on, window.start_minute, window.end_minute):
                if start.astimezone(UTC) > after:
                    candidates.append(start)
    # Datetimes in one zone compare by wall clock, blind to the repeated hour: compare in UTC.
    return min(candidates, key=lambda start: start.astimezone(UTC)) if candidates else None


def _openings(day: date, first: int, end: int) -> list[datetime]:
    """The moments a window ``[first, end)`` of ``day`` opens: its first real minute, and on the
    autumn day also the first of its minutes in the repeated hour, the second time round."""
    start = _first_real_minute(day, first, end)
    if start is None:
        return []
    midnight = datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)
    offset, tomorrow = midnight.utcoffset(), (midnight + timedelta(days=1)).utcoffset()
    if offset is None or tomorrow is None or offset <= tomorrow:
        return [start]  # the clocks do not go back that day: every minute happens at most once
    for minute in range(first, end):
        # The second time round (or any time after the change): winter time, with fold=1.
        again = (midnight + timedelta(minutes=minute)).replace(fold=1)
        if again.utcoffset() == tomorrow:
            return [start, again]
    return [start]


def _first_real_minute(day: date, first: int, end: int) -> datetime | None:
    """The first wall-clock minute in ``[first, end)`` of ``day`` that exists in Amsterdam.

    On the spring day 02:00-02:59 does not exist: a window from 02:30 opens at 03:00, and one that
    ends by 03:00 does not open that day at all.
    """
    midnight = datetime(day.year, day.month, day.day)
    for minute in range(first, end):
        wall = midnight + timedelta(minutes=minute)
        moment = wall.replace(tzinfo=AMSTERDAM)
        if moment.astimezone(UTC).astimezone(AMSTERDAM).replace(tzinfo=None) == wall:
            return moment
    return None
