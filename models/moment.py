"""A moment as the contract and the API take it: a date and time with its offset.

Pydantic parses times laxly, which also reads a number, or a string of digits, as Unix seconds:
``"now": 1764230400`` would pass for a moment nobody wrote. And a moment near the ends of the
calendar cannot be turned into Dutch time, or a week past it into a date at all, which the intake
rules need. So a moment must be written out, and lie in the years this service can plan in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

FIRST_YEAR = 1970
LAST_YEAR = 2999
_NUMBER = re.compile(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*")


def _written_out(value: object) -> object:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("write a date and time with its offset, e.g. 2026-12-01T21:30:00+01:00")
    return value


def _plannable(moment: datetime) -> datetime:
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:  # 0001-01-01T00:00+14:00 has no UTC equivalent
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must lie in the years {FIRST_YEAR}-{LAST_YEAR}")
    return moment


# Lax only so that a JSON string becomes a datetime; numbers are refused before parsing.
Moment = Annotated[
    AwareDatetime, Field(strict=False), BeforeValidator(_written_out), AfterValidator(_plannable)
]
