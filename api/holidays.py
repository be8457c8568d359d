"""Dutch public holidays: on such a day a shelter with set intake hours often takes nobody in.

Intake hours repeat weekly (the contract knows no dates), so on Christmas Day at ten an
office-hours shelter reads as open for intake like any Friday. Whether it really is depends on
the shelter, so the service does not rank it out; it tells the desk to phone first. The days are
those of the ``holidays`` package (maintained, with the Dutch names; it follows the calendar's
moving feasts and the lustrum rule for Liberation Day).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

import holidays as calendar

from models.intake import TIMEZONE

# The package's language codes for the service's languages.
_LANGUAGES = {"nl": "nl", "en": "en_US"}


def public_holiday(moment: datetime, language: str) -> str | None:
    """The name, in ``language``, of the Dutch public holiday on the Dutch date of ``moment``."""
    day = moment.astimezone(ZoneInfo(TIMEZONE)).date()
    return _of_year(day.year, _LANGUAGES.get(language, "en_US")).get(day)


@cache
def _of_year(year: int, language: str) -> dict[date, str]:
    return dict(calendar.country_holidays("NL", years=year, language=language).items())
