"""Languages as the desk says them: by name, in Dutch or English, or by ISO 639-1 code.

The contract keeps a language as two letters (``ro``), but a desk at night knows it as
"Roemeens" or "Romanian" and may not know that Tigrinya is ``ti``. The referral form reads names
and codes alike, and the pages show names in the reader's language. Names come from Babel's
locale data (CLDR), so there is no list of our own to keep.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from babel import Locale

from api.web.i18n import Language

# Names in use that CLDR spells otherwise. Dari is a form of Persian without a code of its own
# in ISO 639-1, and the shelters' staff who speak one understand the other.
_ALIASES = {"farsi": "fa", "dari": "fa"}
# Between the languages of a list: commas and semicolons; within one name, blanks may fall
# ("Haïtiaans Creools"), so blanks separate only where the words are not one name.
_LIST = re.compile(r"[,;/]+")
# Words that join two names in a list typed as a sentence.
_JOINING = {"en", "and"}
_CODE = re.compile(r"^[a-z]{2}$")


def codes_of(text: str) -> list[str]:
    """The codes of the languages in ``text`` ("Roemeens, en" -> ``["ro", "en"]``), in order,
    each once. Names of several words are read whole ("Haïtiaans Creools"), and "en" or "and"
    between two names joins them ("Arabisch en Frans"), though "en" alone, or between codes, is
    English. A word that names no language is kept as typed, lower-cased, so that the API's
    check names it to the desk."""
    found: dict[str, None] = {}
    for part in _LIST.split(text):
        found.update(dict.fromkeys(_codes_in(part.split())))
    return list(found)


def _codes_in(words: list[str]) -> list[str]:
    """The languages of blank-separated words: at each word the longest name that starts there
    (no name is longer than :func:`_most_words`: a form may send thousands of words, and trying
    every run of them would take hours)."""
    codes: list[str] = []
    start = 0
    while start < len(words):
        for end in range(min(len(words), start + _most_words()), start, -1):
            code = _code(" ".join(words[start:end]))
            if code is not None:
                break
        else:
            code, end = words[start].lower(), start + 1
        if not _joins(words, start):
            codes.append(code)
        start = end
    return codes


def _joins(words: list[str], at: int) -> bool:
    """Whether ``words[at]`` is "en" or "and" joining two names, not the code for English."""
    if _key(words[at]) not in _JOINING or not 0 < at < len(words) - 1:
        return False
    return not (_CODE.match(_key(words[at - 1])) and _CODE.match(_key(words[at + 1])))


def name_of(code: str, language: Language) -> str:
    """A code's name in the reader's language ("Roemeens"), or the code itself when it names no
    language (the API checks only that a code is two letters)."""
    return _names(language).get(code, code)


def _code(word: str) -> str | None:
    key = _key(word)
    if _CODE.match(key):
        return key
    return _codes().get(key)


@cache
def _codes() -> dict[str, str]:
    """Every two-letter language's English and Dutch names, folded, to its code."""
    codes: dict[str, str] = {}
    for language in ("en", "nl"):
        for code, name in Locale(language).languages.items():
            if len(code) == 2:
                codes.setdefault(_key(name), code)
    return codes | _ALIASES


@cache
def _most_words() -> int:
    """The most words of any language's name (or alias)."""
    return max(len(name.split()) for name in _codes())


@cache
def _names(language: Language) -> dict[str, str]:
    return {code: name for code, name in Locale(language).languages.items() if len(code) == 2}


def _key(text: str) -> str:
    """Lower case without accents or doubled blanks: "Haïtiaans  creools" finds its language."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())
