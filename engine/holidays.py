"""Dutch public holidays: on such a day a shelter with set intake hours often takes nobody in.

Intake hours repeat weekly (the contract knows no dates), so on Christmas Day at ten an
office-hours shelter reads as open for intake like any Friday. Whether it really is depends on
the shelter, so the service does not rank it out; it tells the desk to phone first. Office hours
themselves, the desk's sense of "the next morning intake", are on workdays only. The days are
those of the ``holidays`` package (maintained, with the Dutch names; it follows the calendar's
moving feasts and the lustrum rule for Liberation Day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays as calendar

from engine.intake import IntakeValue, next_opening, open_at
from models.intake import TIMEZONE

_AMSTERDAM = ZoneInfo(TIMEZONE)

# The package's language codes for the service's languages.
_LANGUAGES = {"nl": "nl", "en": "en_US"}


# Office hours (``"office"`` intake) are searched this many days ahead for a workday opening:
# more than the longest run of holidays and weekend days in the Dutch calendar.
_WORKDAY_SEARCH_DAYS = 10


def public_holiday(moment: datetime, language: str) -> str | None:
    """The name, in ``language``, of the Dutch public holiday on the Dutch date of ``moment``."""
    return public_holiday_on(moment.astimezone(_AMSTERDAM).date(), language)


def public_holiday_on(day: date, language: str) -> str | None:
    """The name, in ``language``, of the Dutch public holiday on ``day``, a Dutch date."""
    return _of_year(day.year, _LANGUAGES.get(language, "en_US")).get(day)


def office_open(moment: datetime) -> bool:
    """Whether ``moment`` is within office hours on a workday (not on a public holiday)."""
    return open_at("office", moment) and public_holiday(moment, "en") is None


def next_office_opening(moment: datetime) -> datetime | None:
    """The first moment at or after ``moment`` within office hours on a workday."""
    at = moment
    for _ in range(_WORKDAY_SEARCH_DAYS):
        opens = next_opening("office", at)
        if opens is None or public_holiday(opens, "en") is None:
            return opens
        day = opens.astimezone(_AMSTERDAM).date() + timedelta(days=1)
        at = datetime.combine(day, time(), tzinfo=_AMSTERDAM)
    return None


def holiday_opening(intake: IntakeValue, start: datetime, end: datetime) -> datetime | None:
    """The first moment in ``[start, end)`` at which weekly hours ``intake`` take people in on a
    Dutch public holiday; None when there is none.

    A hold keeps places from now until it runs out, and the person may come at any intake in
    between: one that falls on a holiday (the next opening of an office-hours shelter on
    Christmas Eve evening, or the hour a hold was made for on the ranking for a later intake) is
    one a shelter with set hours may not keep. Only the Dutch dates the span touches are looked
    at, each from its midnight (or ``start``) to its first opening.
    """
    day = start.astimezone(_AMSTERDAM).date()
    while day <= end.astimezone(_AMSTERDAM).date():
        if _of_year(day.year, "en_US").get(day) is not None:
            midnight = datetime.combine(day, time(), tzinfo=_AMSTERDAM)
            opens = next_opening(intake, max(start, midnight))
            if opens is not None and opens < end and opens.astimezone(_AMSTERDAM).date() == day:
                return opens
        day += timedelta(days=1)
    return None


@cache
def _of_year(year: int, language: str) -> dict[date, str]:
    return dict(calendar.country_holidays("NL", years=year, language=language).items())
