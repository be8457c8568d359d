"""Languages by name or code: every name CLDR gives, in Dutch or English, reads back as its code."""

from __future__ import annotations

import time

import pytest
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

from api.web.i18n import LANGUAGES, Language
from api.web.languages import codes_of, name_of
from tests.web.site import Site, text
from tests.web.test_desk import register

CODES = sorted(code for code in Locale("en").languages if isinstance(code, str) and len(code) == 2)
# Codes whose names are longer than a code in both languages: what a list may spell by name.
NAMED = [code for code in CODES if all(len(name_of(code, each)) > 2 for each in LANGUAGES)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_languages_name_reads_as_its_code(language: Language) -> None:
    """Read back from its name in either language, as the pages show it, and in any case;
    except a name of two letters, which is read as the code it spells (Dutch calls Sichuan Yi,
    ``ii``, "Yi", and ``yi`` is Yiddish): the form asks for codes of two letters."""
    for code in CODES:
        name = name_of(code, language)
        if len(name) == 2:
            assert codes_of(name) == [name.lower()]
            continue
        assert codes_of(name) == [code], name
        assert codes_of(name.upper()) == [code], name


@given(st.lists(st.sampled_from(NAMED), min_size=1, max_size=5), st.sampled_from(LANGUAGES))
def test_a_list_of_names_and_codes_reads_in_order_each_once(
    codes: list[str], language: Language
) -> None:
    """However a list is written (names or codes, commas, semicolons or slashes), the same
    languages come back in the order typed, a repeated one once."""
    typed = ", ".join(
        name_of(code, language) if number % 2 else code for number, code in enumerate(codes)
    )
    assert codes_of(typed) == list(dict.fromkeys(codes))
    assert codes_of(typed.replace(",", ";")) == list(dict.fromkeys(codes))


def test_en_joins_two_names_but_is_english_alone_or_between_codes() -> None:
    assert codes_of("Arabisch en Frans") == ["ar", "fr"]
    assert codes_of("Romanian and English") == ["ro", "en"]
    assert codes_of("ro en nl") == ["ro", "en", "nl"]
    assert codes_of("Arabisch, en") == ["ar", "en"]
    assert codes_of("en") == ["en"]


def test_names_of_several_words_accents_and_common_names_are_read() -> None:
    assert codes_of("Haïtiaans Creools Engels") == ["ht", "en"]
    assert codes_of("haitiaans  creools") == ["ht"]
    assert codes_of("Farsi; Dari") == ["fa"]
    assert codes_of("") == []


def test_a_long_list_is_read_in_a_moment() -> None:
    """A form may send thousands of words: each is read against the names that start there, not
    against every run of words after it (600 took seconds, a page of them hours)."""
    typed = " ".join(f"w{number}" for number in range(600))
    started = time.monotonic()
    assert codes_of(typed) == typed.split()
    assert codes_of(typed + ", Haïtiaans Creools")[-1] == "ht"
    assert time.monotonic() - started < 1


def test_a_word_that_names_no_language_is_left_for_the_api_to_name() -> None:
    assert codes_of("Klingon, nl") == ["klingon", "nl"]
    assert name_of("xx", "nl") == "xx"


def test_the_desk_types_names_and_reads_them_in_its_language(site: Site) -> None:
    desk = site.visitor("desk")
    referral = register(desk, languages="Roemeens; Tigrinya")
    stored = site.api("desk", "GET", f"/api/v1/referrals/{referral}")
    assert stored["languages"] == ["ro", "ti"]
    assert "Roemeens, Tigrinya" in text(desk.get(f"/desk/referrals/{referral}"))
    desk.post("/language", {"language": "en", "next": "/desk"})
    assert "Romanian, Tigrinya" in text(desk.get(f"/desk/referrals/{referral}"))
