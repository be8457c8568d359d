"""Dutch by default, English on request: the message catalogue, read from its ``.po`` file.

The ``.po`` file under ``locale/`` is the only copy of the translations. It is read with Babel
and turned into a gettext catalogue in memory when the app is built, so there is no compile step
and no binary ``.mo`` file in the repository that could fall out of step with its source (a test
holds the catalogue to every message the templates and modules use). English is the source
language of every message, so it needs no catalogue of its own.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import Final, Literal

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

Language = Literal["nl", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("nl", "en")
DEFAULT: Final[Language] = "nl"
# The language switch is remembered in this cookie, for a year.
COOKIE: Final = "safeplace_lang"
COOKIE_SECONDS: Final = 365 * 24 * 3600
LOCALE_DIR: Final = Path(__file__).with_name("locale")
DOMAIN: Final = "messages"


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark ``message`` for the catalogue; it is translated where it is shown."""
    return message


def catalogue_path(language: Language) -> Path:
    """Where the ``.po`` file of ``language`` lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The messages of ``language``; English is the source language and passes through.

    Read and compiled once per process: the catalogue ships with the code, and a report's page
    asked for it on every request."""
    if language == "en":
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


def language_of(request: Request) -> Language:
    """The language chosen with the switch (its cookie), else Dutch."""
    chosen = request.cookies.get(COOKIE)
    for language in LANGUAGES:
        if chosen == language:
            return language
    return DEFAULT
