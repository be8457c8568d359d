"""When a shelter takes intakes: ``"24/7"``, ``"office"`` or a list of weekly windows.

Times are wall-clock times in Europe/Amsterdam. A window includes its ``from`` minute and excludes
its ``to`` minute; ``to`` may be ``24:00``. A window never crosses midnight: a night window is
written as two windows (``22:00``-``24:00`` and ``00:00``-``07:00`` on the next days), which keeps
"which day is this?" unambiguous.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from models.base import ContractModel
from models.codes import WEEKDAYS
from models.errors import field_problems, suggest

TIMEZONE = "Europe/Amsterdam"
# Windows one shelter's intake may list: several a day for a week is 30-odd. A bound at all,
# because every ranking and every page walks them: 18,000 windows made a ranking 80 times slower.
MAX_WINDOWS = 64
# ASCII digits, the whole text: ``\d`` takes any script's digits and ``$`` a final newline.
_TIME = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")


def parse_days(spec: str) -> frozenset[int]:
    """``"mon-fri"``, ``"sat,sun"``, ``"fri-mon"`` (wraps) -> weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in spec.split(","):
        ends = [p.strip().lower() for p in part.split("-")]
        if len(ends) > 2 or not all(ends):
            raise ValueError(f"cannot read days '{spec}': use e.g. 'mon-fri' or 'sat,sun'")
        for end in ends:
            if end not in WEEKDAYS:
                raise ValueError(f"unknown day '{end}'{suggest(end, WEEKDAYS)}")
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        span = (last - first) % 7
        days.update((first + step) % 7 for step in range(span + 1))
    return frozenset(days)


def parse_minute(text: str) -> int:
    """``"09:30"`` -> 570; ``"24:00"`` -> 1440."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"'{text}' is not a time HH:MM")
    minute = int(match.group(1)) * 60 + int(match.group(2))
    if minute > 24 * 60:
        raise ValueError(f"'{text}' is not a time of day (at most 24:00)")
    return minute


class IntakeWindow(ContractModel):
    """Weekly intake window, e.g. ``{"days": "mon-fri", "from": "09:00", "to": "17:00"}``."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    days: str
    start: Annotated[str, Field(alias="from")]
    end: Annotated[str, Field(alias="to")]

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("start", "end")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_minute(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> IntakeWindow:
        if parse_minute(self.start) == 24 * 60:
            raise field_problems([(("from",), "must be before 24:00")])
        if parse_minute(self.end) <= parse_minute(self.start):
            raise field_problems(
                [(("to",), "must be later than 'from' (split a night window at 24:00)")]
            )
        return self

    @property
    def weekdays(self) -> frozenset[int]:
        """Weekday numbers this window is open on (Monday = 0)."""
        return parse_days(self.days)

    @property
    def start_minute(self) -> int:
        """First open minute of the day."""
        return parse_minute(self.start)

    @property
    def end_minute(self) -> int:
        """First closed minute after the window (1440 for 24:00)."""
        return parse_minute(self.end)


def _intake_words(value: object) -> object:
    if isinstance(value, str) and value not in ("24/7", "office"):
        raise ValueError(f'unknown intake \'{value}\': use "24/7", "office" or a list of windows')
    return value


def _intake_form(value: object) -> str:
    return "(windows)" if isinstance(value, list) else "(words)"


# A tagged union, so that a list is only checked as windows and a word only as a word; the tags are
# in parentheses, which :func:`models.errors.format_path` leaves out of field paths.
Intake = Annotated[
    Annotated[Literal["24/7", "office"], BeforeValidator(_intake_words), Tag("(words)")]
    | Annotated[list[IntakeWindow], Field(max_length=MAX_WINDOWS), Tag("(windows)")],
    Discriminator(_intake_form),
]

ALWAYS: tuple[IntakeWindow, ...] = (IntakeWindow(days="mon-sun", start="00:00", end="24:00"),)
OFFICE_HOURS: tuple[IntakeWindow, ...] = (IntakeWindow(days="mon-fri", start="09:00", end="17:00"),)


def windows_of(intake: Literal["24/7", "office"] | list[IntakeWindow]) -> tuple[IntakeWindow, ...]:
    """The windows an intake value stands for (``24/7`` is every minute of every day)."""
    if intake == "24/7":
        return ALWAYS
    if intake == "office":
        return OFFICE_HOURS
    return tuple(intake)
