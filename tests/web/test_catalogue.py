"""The Dutch catalogue covers every message the pages use, and its placeholders match.

Messages are found the way translators find them (Babel's extractor with ``locale/babel.cfg``),
so a new English message without a Dutch translation fails here rather than showing up in
English on a Dutch page.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import api.web
from api.web.i18n import catalogue_path, translations

PAGES = Path(api.web.__file__).parent


def used() -> set[str | tuple[str, str]]:
    """Every message id in the pages' templates and modules."""
    with (PAGES / "locale" / "babel.cfg").open() as config:
        # Babel's configuration reader has no type hints.
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PAGES), method_map, options_map=options_map
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def dutch() -> Catalog:
    """The Dutch catalogue as the pages read it."""
    with catalogue_path("nl").open("rb") as source:
        return read_po(source, locale="nl")


def test_every_message_has_a_dutch_translation_and_none_is_left_over() -> None:
    catalogue = dutch()
    translated = {
        (m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): m for m in catalogue if m.id
    }
    assert used() == set(translated)
    for message in translated.values():
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id


def test_placeholders_agree_between_english_and_dutch() -> None:
    problems = [(message.id, errors) for message, errors in dutch().check() if errors]
    assert problems == []


def test_the_catalogue_is_read_at_run_time_and_english_passes_through() -> None:
    assert translations("nl").gettext("Waiting list") == "Wachtlijst"
    assert translations("nl").ngettext("%(num)d child", "%(num)d children", 2) == (
        "%(num)d kinderen"
    )
    assert translations("en").gettext("Waiting list") == "Waiting list"
