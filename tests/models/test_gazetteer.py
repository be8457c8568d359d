"""The shipped gazetteer: complete for the desk, forgiving in look-ups, inside the country."""

from __future__ import annotations

import csv
import difflib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from models import gazetteer
from models.gazetteer import POLICE_UNITS, find, municipalities, normalise, resolve

DATA = Path(gazetteer.__file__).resolve().parent / "data"

# The Netherlands (European part, with the Wadden islands) fits in this box.
LAT_RANGE = (50.74, 53.56)
LON_RANGE = (3.35, 7.23)

LARGE_CITIES = (
    "Amsterdam",
    "Rotterdam",
    "Den Haag",
    "Utrecht",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Enschede",
    "Zwolle",
    "Alkmaar",
    "Leeuwarden",
    "Maastricht",
    "Arnhem",
    "'s-Hertogenbosch",
    "Emmen",
    "Goirle",
    "Haarlem",
    "Zaanstad",
    "Leiden",
    "Dordrecht",
    "Venlo",
    "Amersfoort",
    "Apeldoorn",
    "Middelburg",
    "Assen",
    "Lelystad",
    "Heerlen",
)


def test_every_municipality_of_2024_is_there_once() -> None:
    """The README's "all 342 municipalities of 2024", none twice."""
    shipped = {normalise(m.name) for m in municipalities()}
    assert len(shipped) == len(municipalities()) == 342


def test_every_exception_of_the_police_table_is_there() -> None:
    """The table names the municipalities where a police unit crosses a province; each must be
    in the gazetteer, or its row would never apply."""
    table = DATA / "police_units.csv"
    with table.open(encoding="utf-8", newline="") as handle:
        named = {row["name"] for row in csv.DictReader(handle) if row["scope"] == "municipality"}
    shipped = {m.name for m in municipalities()}
    assert named <= shipped


@pytest.mark.parametrize("name", LARGE_CITIES)
def test_large_cities_present(name: str) -> None:
    assert resolve(name).name == name


def test_every_police_unit_occurs_and_no_other() -> None:
    units = {m.police_unit for m in municipalities()}
    assert units == set(POLICE_UNITS)


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("Amsterdam", "Amsterdam"),
        ("Amstelveen", "Amsterdam"),
        ("Haarlem", "Noord-Holland"),
        ("Hilversum", "Midden-Nederland"),
        ("Almere", "Midden-Nederland"),
        ("Den Haag", "Den Haag"),
        ("Leiden", "Den Haag"),
        ("Rotterdam", "Rotterdam"),
        ("Dordrecht", "Rotterdam"),
        ("Tilburg", "Zeeland-West-Brabant"),
        ("Middelburg", "Zeeland-West-Brabant"),
        ("Eindhoven", "Oost-Brabant"),
        ("'s-Hertogenbosch", "Oost-Brabant"),
        ("Zwolle", "Oost-Nederland"),
        ("Nijmegen", "Oost-Nederland"),
        ("Groningen", "Noord-Nederland"),
        ("Leeuwarden", "Noord-Nederland"),
        ("Maastricht", "Limburg"),
        # Completed from the second GeoNames source (see models.build_gazetteer).
        ("Zuidplas", "Den Haag"),
        ("Gilze en Rijen", "Zeeland-West-Brabant"),
        ("Mook en Middelaar", "Oost-Nederland"),
        ("Landgraaf", "Limburg"),
        ("Deurne", "Oost-Brabant"),
        ("Oostzaan", "Noord-Holland"),
    ],
)
def test_police_units_of_known_cities(name: str, unit: str) -> None:
    assert resolve(name).police_unit == unit


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("den bosch", "'s-Hertogenbosch"),
        ("'S-HERTOGENBOSCH", "'s-Hertogenbosch"),
        ("s-hertogenbosch", "'s-Hertogenbosch"),
        ("Den Haag", "Den Haag"),
        ("'s-Gravenhage", "Den Haag"),
        ("the hague", "Den Haag"),
        ("Hague", "Den Haag"),
        ("La Haye", "Den Haag"),
        ("Gravenhage", "Den Haag"),
        ("Bois-le-Duc", "'s-Hertogenbosch"),
        ("Hertogenbosch", "'s-Hertogenbosch"),
        ("Zwolle ", "Zwolle"),
        ("  zwolle", "Zwolle"),
        ("Gemeente Utrecht", "Utrecht"),
        ("Municipality Utrecht", "Utrecht"),
        ("Súdwest-Fryslân", "Súdwest-Fryslân"),
        ("Sudwest Fryslan", "Súdwest-Fryslân"),
        ("sudwest-fryslan", "Súdwest-Fryslân"),
        ("Bodegraven Reeuwijk", "Bodegraven-Reeuwijk"),
    ],
)
def test_forgiving_lookup(typed: str, official: str) -> None:
    found = find(typed)
    assert found is not None
    assert found.name == official


def test_unknown_name_is_none() -> None:
    assert find("Atlantis") is None


def test_resolve_typo_names_close_matches() -> None:
    with pytest.raises(ValueError, match="unknown municipality 'Zwole'") as excinfo:
        resolve("Zwole")
    assert "'Zwolle'" in str(excinfo.value)
    assert "did you mean" in str(excinfo.value)


def test_resolve_typo_of_official_with_prefix() -> None:
    with pytest.raises(ValueError, match="Rotterdam"):
        resolve("Roterdam")


def test_resolve_names_the_close_matches_the_readme_shows() -> None:
    """The README's example, word for word: every close match (up to three), nearest first."""
    with pytest.raises(ValueError, match="unknown municipality") as excinfo:
        resolve("Roterdam")
    assert str(excinfo.value) == (
        "unknown municipality 'Roterdam' (did you mean 'Rotterdam' or 'Roerdalen' or 'Amsterdam'?)"
    )


@pytest.mark.parametrize("typed", ["Atlantis", "xyz", "Parijs"])
def test_a_name_like_no_municipality_suggests_none(typed: str) -> None:
    with pytest.raises(ValueError, match="unknown municipality") as excinfo:
        resolve(typed)
    assert str(excinfo.value) == f"unknown municipality '{typed}'"


def _similarities(typed: str) -> dict[str, float]:
    """Slowly: each municipality whose name, or one of its other names, is at least 0.6 similar
    to the typed one (difflib's ratio), with the best similarity of them."""
    key = normalise(typed)
    best: dict[str, float] = {}
    for m in municipalities():
        names = [normalise(m.name), *(a for a, o in gazetteer.ALIASES.items() if o == m.name)]
        score = max(difflib.SequenceMatcher(None, name, key).ratio() for name in names)
        if score >= 0.6:
            best[m.name] = score
    return best


_TYPED_NAMES = [m.name for m in municipalities()] + list(gazetteer.ALIASES)


@st.composite
def typos(draw: st.DrawFn) -> str:
    """A municipality's name (or another name of one) with a letter dropped, doubled or changed,
    in any case."""
    name = draw(st.sampled_from(_TYPED_NAMES))
    at = draw(st.integers(0, len(name) - 1))
    letter = draw(st.sampled_from("aeiounrst"))
    edit = draw(st.sampled_from(["drop", "double", "change"]))
    typed = {
        "drop": name[:at] + name[at + 1 :],
        "double": name[: at + 1] + name[at:],
        "change": name[:at] + letter + name[at + 1 :],
    }[edit]
    return typed.upper() if draw(st.booleans()) else typed


@settings(max_examples=100, deadline=None, derandomize=True)
@given(typos())
# Den Haag has six names: the three nearest names must still be three municipalities.
@example("the hage")
@example("hage")
@example("Zwole")
def test_close_matches_are_the_nearest_municipalities_once_each(typed: str) -> None:
    """Three at most, none twice, nearest first: equally near ones may come in either order, so
    the similarities are compared, and the names only for being near enough."""
    found = gazetteer.close_matches(typed)
    similar = _similarities(typed)
    assert len(found) == len(set(found)) == min(3, len(similar)), (found, similar)
    assert set(found) <= set(similar), (found, similar)
    nearest = sorted(similar.values(), reverse=True)[: len(found)]
    assert [similar[name] for name in found] == nearest, (found, similar)


def test_close_matches_returns_official_names() -> None:
    matches = gazetteer.close_matches("Amsterdm")
    assert matches
    assert matches[0] == "Amsterdam"


def test_coordinates_inside_the_netherlands() -> None:
    for m in municipalities():
        assert LAT_RANGE[0] <= m.lat <= LAT_RANGE[1], m
        assert LON_RANGE[0] <= m.lon <= LON_RANGE[1], m


def test_names_unique_after_normalise() -> None:
    keys = [normalise(m.name) for m in municipalities()]
    assert len(keys) == len(set(keys))


def test_names_are_trimmed_and_nonempty() -> None:
    for m in municipalities():
        assert m.name == m.name.strip()
        assert normalise(m.name)
        assert m.province


def test_aliases_point_to_shipped_municipalities() -> None:
    names = {m.name for m in municipalities()}
    for alias, official in gazetteer.ALIASES.items():
        assert official in names, alias
        assert normalise(alias) == alias


@given(st.text())
@example("gemeente gemeente Zwolle")
@example("Municipality of 's-Gravenhage")
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.sampled_from([m.name for m in municipalities()]))
def test_every_official_name_finds_itself(name: str) -> None:
    found = find(name)
    assert found is not None
    assert found.name == name
    assert find(name.upper()) == found


@pytest.mark.parametrize("typed", ["Etten-Leur", "etten leur", "ETTEN-LEUR"])
def test_etten_leur_has_its_point_from_elsewhere(typed: str) -> None:
    """Neither GeoNames package places it; the build script's point from another source does,
    between its neighbours Breda and Roosendaal, in the police unit the table gives it."""
    found = resolve(typed)
    assert found.name == "Etten-Leur"
    assert found.police_unit == "Zeeland-West-Brabant"
    breda, roosendaal = resolve("Breda"), resolve("Roosendaal")
    assert roosendaal.lon < found.lon < breda.lon
    assert min(breda.lat, roosendaal.lat) < found.lat < max(breda.lat, roosendaal.lat)
