"""The changes that would open a shelter, in the desk's words: every kind the engine finds is said
in Dutch from the change's own numbers, never by showing the API's English detail."""

from __future__ import annotations

from functools import cache
from gettext import NullTranslations
from typing import Any

from markupsafe import Markup

from api.web.i18n import Language, translations
from api.web.pages.referral import CAUTION_LEVELS, caution_of, cautious_first
from api.web.render import environment, label
from engine import reference
from engine.ranking import Ranker
from engine.relaxations import Change
from engine.rules import RULES
from models.victim import DangerZone
from tests.strategies import random_instance


def words(language: Language, change: Change, zones: list[DangerZone]) -> str:
    """The change as the referral page says it."""
    said: Markup = _macros(language).change_words(change, zones)
    return str(said)


@cache
def _macros(language: Language) -> Any:
    """The page macros of ``language``, built once: the sweep below says hundreds of changes."""
    return environment(language, _catalogue(language)).get_template("_macros.html").module


@cache
def _catalogue(language: Language) -> NullTranslations:
    """The messages of ``language``, read once: reading the catalogue takes a while (0.05-0.3 s),
    and the sweeps below look up a label for every change they find."""
    return translations(language)


def found_changes() -> list[tuple[Change, list[DangerZone]]]:
    """Every change the engine finds for the victims of a seeded sweep, against the shelters
    closed to each (so that nothing fits), with the victim's danger zones."""
    found: list[tuple[Change, list[DangerZone]]] = []
    for seed in range(40):
        instance = random_instance(seed, 12, 10, density=0.6)
        for listed in instance.victims:
            victim = listed.model_copy(update={"current": None})
            closed = [s for s in instance.shelters if reference.reasons(victim, s, instance.now)]
            changes = Ranker(closed, instance.now).explain(victim).changes
            found += [(change, list(victim.danger_zones)) for change in changes]
    return found


def test_every_change_is_said_in_dutch_with_its_own_numbers() -> None:
    found = found_changes()
    assert {change.rule.split(":")[0] for change, _ in found} == {rule.name for rule in RULES}
    for change, zones in found:
        dutch, english = words("nl", change, zones), words("en", change, zones)
        assert 'lang="en"' not in dutch, dutch
        assert "%(" not in dutch, dutch
        assert dutch != english, english
        if change.rule == "security":
            assert change.zone is not None
            assert change.min_km is not None
            assert f"(zone {change.zone + 1})" in dutch
            assert f"{change.min_km:.1f} km".replace(".", ",") in dutch
            if change.km:
                assert f"op {change.km:.1f} km".replace(".", ",") in dutch
        if change.rule == "capacity":
            assert f"{change.missing} vrije plaats" in dutch
        if change.rule == "intake_hours" and change.intake is not None:
            assert all(shelter in dutch for shelter in change.first)


def test_a_danger_zone_is_named_by_its_municipality() -> None:
    zone = DangerZone.model_validate({"location": {"municipality": "Utrecht"}, "min_km": 400.0})
    change = Change(rule="security", opens=("S1",), zone=0, min_km=400.0, km=312.4)
    assert words("nl", change, [zone]) == "Utrecht (zone 1) op 312,4 km in plaats van 400,0 km"
    dropped = Change(rule="security", opens=("S1",), zone=0, min_km=400.0, km=0.0)
    assert words("nl", dropped, [zone]) == "Utrecht (zone 1) laten vervallen, nu 400,0 km"


def test_every_change_says_what_it_asks_and_those_that_only_take_time_come_first() -> None:
    """Over every kind of change the engine finds: the page keeps them all, lists those that
    only take time before those that need someone's consent, and those before the ones that put
    the person or others at risk, keeps the engine's order within each, and says which is which
    in Dutch. Safety, gender and age are never called a matter of time."""
    found = [change for change, _ in found_changes()]
    offered = cautious_first(found)
    levels = [CAUTION_LEVELS[item.caution] for item in offered]
    assert levels == sorted(levels)
    for level in set(levels):
        assert [item.change for item in offered if CAUTION_LEVELS[item.caution] == level] == [
            change for change in found if CAUTION_LEVELS[caution_of(change)] == level
        ]
    risky = {"security", "gender", "age"}
    for item in offered:
        rule = item.change.rule
        assert (CAUTION_LEVELS[item.caution] == 2) == (rule in risky), rule
        timely = rule in {"capacity", "avoid"} or (
            rule == "intake_hours" and item.change.intake is not None
        )
        assert (item.caution == "time") == timely, rule
        dutch = label("change_caution", item.caution, _catalogue("nl"))
        assert dutch != label("change_caution", item.caution, _catalogue("en"))
