"""Dutch municipalities: name, province, police unit and coordinates.

The data file ``data/municipalities.csv`` is derived from GeoNames (CC BY 4.0) by
``models/build_gazetteer.py``. Look-ups forgive case, diacritics, punctuation and the common
alternative names ('s-Hertogenbosch / Den Bosch, Den Haag / 's-Gravenhage), because the desk types
these names under time pressure and a near miss must not become a wrong place.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

POLICE_UNITS: tuple[str, ...] = (
    "Noord-Nederland",
    "Oost-Nederland",
    "Midden-Nederland",
    "Noord-Holland",
    "Amsterdam",
    "Den Haag",
    "Rotterdam",
    "Zeeland-West-Brabant",
    "Oost-Brabant",
    "Limburg",
)

# Other names people use for a municipality, normalised, mapped to the official name.
ALIASES: dict[str, str] = {
    "den bosch": "'s-Hertogenbosch",
    "s hertogenbosch": "'s-Hertogenbosch",
    "hertogenbosch": "'s-Hertogenbosch",
    "bois le duc": "'s-Hertogenbosch",
    "s gravenhage": "Den Haag",
    "gravenhage": "Den Haag",
    "the hague": "Den Haag",
    "la haye": "Den Haag",
    "hague": "Den Haag",
}


@dataclass(frozen=True)
class Municipality:
    """One Dutch municipality as the gazetteer knows it."""

    name: str
    province: str
    police_unit: str
    lat: float
    lon: float


def normalise(name: str) -> str:
    """Case-, accent- and punctuation-free form used as the look-up key."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    spaced = "".join(ch if ch.isalnum() else " " for ch in plain)
    words = spaced.split()
    # Strip every leading filler word, not just one, so that normalising twice changes nothing.
    while words and words[0] in ("gemeente", "municipality"):
        words = words[1:]
    return " ".join(words)


@cache
def municipalities() -> tuple[Municipality, ...]:
    """Every municipality in the shipped data file, in file order."""
    text = resources.files("models").joinpath("data/municipalities.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Municipality(
            name=row["name"],
            province=row["province"],
            police_unit=row["police_unit"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
        )
        for row in rows
    )


@cache
def _index() -> dict[str, Municipality]:
    by_key = {normalise(m.name): m for m in municipalities()}
    for alias, official in ALIASES.items():
        if normalise(official) in by_key:
            by_key.setdefault(alias, by_key[normalise(official)])
    return by_key


@cache
def find(name: str) -> Municipality | None:
    """The municipality called ``name`` (forgiving form), or None; cached, since compiling a
    network asks for the same few names thousands of times."""
    return _index().get(normalise(name))


def close_matches(name: str, n: int = 3) -> list[str]:
    """Official names of the municipalities whose names are closest to ``name``."""
    index = _index()
    keys = difflib.get_close_matches(normalise(name), list(index), n=n * 2, cutoff=0.6)
    names: list[str] = []
    for key in keys:
        official = index[key].name
        if official not in names:
            names.append(official)
    return names[:n]


def resolve(name: str) -> Municipality:
    """The municipality called ``name``; ValueError naming close matches when there is none."""
    found = find(name)
    if found is None:
        matches = close_matches(name)
        hint = f" (did you mean {' or '.join(repr(m) for m in matches)}?)" if matches else ""
        raise ValueError(f"unknown municipality '{name}'{hint}")
    return found
