"""Regenerate ``models/data/sample_network.json``: a synthetic national network of shelters.

The network copies the public *structure* of trafficking-victim shelter in the Netherlands, so that
the engine is exercised on realistic scarcity, and nothing else: no shelter here exists, no id is a
real organisation, and every location is only a municipality (shelter addresses are secret).

What it mirrors (public sources, see the project's domain notes):

- COSM (categorale opvang): 40 places for adult non-Dutch victims in their reflection period, in
  three lots: women in Rotterdam and in Westerveld (the municipality of Geeuwenbrug), men in
  Amsterdam. Programme ``cosm``; "structureel vol".
- OMM (opvang meervoudige problematiek): 36 places for victims with addiction, psychiatric problems
  or a mild intellectual disability (lvb), in Amsterdam, Almere, Alkmaar, Enschede, Rotterdam and
  Zwolle. No other shelter accepts all three of those conditions.
- Women's shelter: most places, in every police unit, many taking children, intake mostly in office
  hours; usually excluding addiction, psychiatric problems and lvb.
- Men's shelter: six locations (Amsterdam, Den Haag, Rotterdam, Utrecht, Goirle, Zwolle).
- Youth: specialist care for girls (Leeuwarden, ages 12-17 under programme ``youth``, plus a
  young-adult group 18-23) and protected shelter for unaccompanied foreign minors.
- Emergency beds (noodbedden): two to four beds with 24/7 intake in every police unit, where the
  police place victims out of hours; few conditions accepted.

Occupancy is drawn so that most shelters are full or have one place left. Attributes that vary from
shelter to shelter (languages, conditions, intake hours of the women's shelters) come from a fixed
seed, so the file is reproducible; edit the tables below and run::

    python -m models.build_sample_network
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import gazetteer
from models.shelter import Shelter

OUTPUT = Path(__file__).resolve().parent / "data" / "sample_network.json"
SEED = 2026

NOTE = (
    "Synthetic sample network for tests and demonstrations. It mirrors the public structure of "
    "shelter for trafficking victims in the Netherlands (COSM, OMM, women's, men's, youth and "
    "emergency places per police unit); no shelter, id or resident here is real, and locations "
    "are municipalities only. Regenerate with: python -m models.build_sample_network"
)

OFFICE: str = "office"
ALWAYS: str = "24/7"
# CoMensha's hours since the 24/7 pilot ended (2017).
COMENSHA_HOURS: list[dict[str, str]] = [{"days": "mon-fri", "from": "08:00", "to": "19:00"}]
LATE_WEEKDAYS: list[dict[str, str]] = [{"days": "mon-fri", "from": "09:00", "to": "21:00"}]
WEEKDAYS_AND_SATURDAY: list[dict[str, str]] = [
    {"days": "mon-fri", "from": "09:00", "to": "17:00"},
    {"days": "sat", "from": "10:00", "to": "14:00"},
]
EXTENDED_WITH_NIGHTS: list[dict[str, str]] = [
    {"days": "mon-fri", "from": "08:00", "to": "24:00"},
    {"days": "sat,sun", "from": "10:00", "to": "18:00"},
]
ALL_EXPLOITATION = ["sexual", "labour", "criminal", "other"]


@dataclass
class Spec:
    """One shelter of the network before occupancy is drawn."""

    kind: str
    municipality: str
    capacity: int
    genders: list[str] = field(default_factory=lambda: ["female"])
    min_age: int = 18
    max_age: int = 120
    children: bool = False
    accepts: list[str] = field(default_factory=list)
    specialisations: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["nl", "en"])
    programme: str | None = None
    intake: str | list[dict[str, str]] = OFFICE
    residents: int = 0


SPECIAL: list[Spec] = [
    # COSM: 14 + 12 + 14 = 40 places, two lots for women, one for men.
    Spec(
        "cosm",
        "Rotterdam",
        14,
        genders=["female", "x"],
        children=True,
        accepts=["pregnancy", "medical"],
        specialisations=ALL_EXPLOITATION,
        languages=["nl", "en", "fr", "es", "pt", "ro", "bg"],
        programme="cosm",
        intake=COMENSHA_HOURS,
        residents=2,
    ),
    Spec(
        "cosm",
        "Westerveld",
        12,
        children=True,
        accepts=["pregnancy", "psychiatric"],
        specialisations=ALL_EXPLOITATION,
        languages=["nl", "en", "pl", "ro", "bg", "ru"],
        programme="cosm",
        intake=COMENSHA_HOURS,
    ),
    Spec(
        "cosm",
        "Amsterdam",
        14,
        genders=["male"],
        accepts=["medical"],
        specialisations=ALL_EXPLOITATION,
        languages=["nl", "en", "pl", "ro", "bg", "uk", "ru", "ar"],
        programme="cosm",
        intake=ALWAYS,
        residents=2,
    ),
    # OMM: 8 + 6 + 5 + 5 + 6 + 6 = 36 places.
    Spec(
        "omm",
        "Amsterdam",
        8,
        genders=["female", "x"],
        accepts=["addiction", "psychiatric", "lvb", "suicidality"],
        specialisations=["sexual", "labour"],
        languages=["nl", "en", "es"],
        intake=OFFICE,
        residents=1,
    ),
    Spec(
        "omm",
        "Almere",
        6,
        children=True,
        accepts=["addiction", "psychiatric", "lvb", "pregnancy"],
        specialisations=["sexual"],
        languages=["nl", "en"],
        intake=OFFICE,
    ),
    Spec(
        "omm",
        "Alkmaar",
        5,
        accepts=["addiction", "psychiatric", "lvb"],
        specialisations=["sexual"],
        languages=["nl", "en", "pl"],
        intake=WEEKDAYS_AND_SATURDAY,
    ),
    Spec(
        "omm",
        "Enschede",
        5,
        accepts=["addiction", "psychiatric", "lvb", "aggression"],
        specialisations=["sexual", "labour"],
        languages=["nl", "en", "de"],
        intake=OFFICE,
    ),
    Spec(
        "omm",
        "Rotterdam",
        6,
        genders=["female", "male", "x"],
        accepts=["addiction", "psychiatric", "lvb", "suicidality", "medical"],
        specialisations=["sexual", "labour", "criminal"],
        languages=["nl", "en", "pt", "es"],
        intake=ALWAYS,
        residents=1,
    ),
    Spec(
        "omm",
        "Zwolle",
        6,
        accepts=["addiction", "psychiatric", "lvb"],
        specialisations=["sexual", "criminal"],
        languages=["nl", "en"],
        intake=[{"days": "mon-fri", "from": "08:30", "to": "17:00"}],
    ),
    # Men's shelter, the six cities of 2017.
    Spec(
        "men",
        "Amsterdam",
        8,
        genders=["male"],
        accepts=["medical", "psychiatric"],
        specialisations=["labour", "criminal"],
        languages=["nl", "en", "pl", "ro", "ar"],
        intake=OFFICE,
        residents=1,
    ),
    Spec(
        "men",
        "Den Haag",
        6,
        genders=["male"],
        specialisations=["labour", "sexual"],
        languages=["nl", "en", "pl", "bg"],
        intake=OFFICE,
    ),
    Spec(
        "men",
        "Rotterdam",
        8,
        genders=["male", "x"],
        accepts=["addiction"],
        specialisations=["labour", "criminal"],
        languages=["nl", "en", "pl", "ro", "es", "pt"],
        intake=ALWAYS,
    ),
    Spec(
        "men",
        "Utrecht",
        6,
        genders=["male"],
        accepts=["lvb"],
        specialisations=["labour"],
        languages=["nl", "en", "ar", "fr"],
        intake=WEEKDAYS_AND_SATURDAY,
    ),
    Spec(
        "men",
        "Goirle",
        10,
        genders=["male"],
        accepts=["medical", "wheelchair"],
        specialisations=["labour"],
        languages=["nl", "en", "pl", "ro", "bg", "hu"],
        intake=OFFICE,
        residents=1,
    ),
    Spec(
        "men",
        "Zwolle",
        6,
        genders=["male"],
        specialisations=["labour", "criminal"],
        languages=["nl", "en", "pl", "de"],
        intake=OFFICE,
    ),
    # Youth: girls 12-17 (loverboy victims), a young-adult group, protected shelter for minors.
    Spec(
        "youth",
        "Leeuwarden",
        12,
        min_age=12,
        max_age=17,
        accepts=["psychiatric", "lvb", "suicidality"],
        specialisations=["sexual", "criminal"],
        languages=["nl", "en"],
        programme="youth",
        intake=ALWAYS,
    ),
    Spec(
        "young_adult",
        "Leeuwarden",
        6,
        min_age=18,
        max_age=23,
        accepts=["psychiatric", "lvb", "suicidality"],
        specialisations=["sexual"],
        languages=["nl", "en"],
        intake=OFFICE,
    ),
    Spec(
        "youth",
        "Amersfoort",
        8,
        genders=["female", "male", "x"],
        min_age=12,
        max_age=17,
        specialisations=ALL_EXPLOITATION,
        languages=["nl", "en", "fr", "ar", "ti"],
        programme="youth",
        intake=ALWAYS,
    ),
    Spec(
        "youth",
        "'s-Hertogenbosch",
        6,
        min_age=12,
        max_age=17,
        accepts=["pregnancy"],
        specialisations=["sexual", "labour"],
        languages=["nl", "en", "fr", "vi", "zh"],
        programme="youth",
        intake=ALWAYS,
    ),
    # Emergency beds: one location per police unit (two in the largest units), 24/7.
    Spec("emergency", "Groningen", 3, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Arnhem", 3, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Enschede", 2, genders=["female", "x"], children=True, intake=ALWAYS),
    Spec("emergency", "Utrecht", 3, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Haarlem", 2, genders=["female", "male", "x"], intake=ALWAYS),
    Spec(
        "emergency",
        "Amsterdam",
        4,
        genders=["female", "male", "x"],
        accepts=["pregnancy"],
        intake=ALWAYS,
    ),
    Spec("emergency", "Den Haag", 3, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Rotterdam", 3, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Breda", 2, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Eindhoven", 3, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Maastricht", 2, genders=["female", "male", "x"], intake=ALWAYS),
    Spec("emergency", "Venlo", 2, genders=["male"], intake=ALWAYS),
]

# Women's shelters: (municipality, capacity). Other attributes are drawn from the seed.
WOMEN: list[tuple[str, int]] = [
    ("Groningen", 16),
    ("Leeuwarden", 12),
    ("Emmen", 10),
    ("Assen", 8),
    ("Zwolle", 14),
    ("Enschede", 12),
    ("Arnhem", 14),
    ("Nijmegen", 14),
    ("Apeldoorn", 10),
    ("Deventer", 8),
    ("Ede", 8),
    ("Utrecht", 16),
    ("Amersfoort", 12),
    ("Almere", 10),
    ("Lelystad", 6),
    ("Hilversum", 8),
    ("Haarlem", 12),
    ("Alkmaar", 10),
    ("Zaanstad", 8),
    ("Den Helder", 6),
    ("Amsterdam", 20),
    ("Amsterdam", 12),
    ("Amstelveen", 8),
    ("Den Haag", 18),
    ("Leiden", 12),
    ("Delft", 8),
    ("Zoetermeer", 8),
    ("Rotterdam", 20),
    ("Rotterdam", 10),
    ("Dordrecht", 10),
    ("Schiedam", 8),
    ("Breda", 12),
    ("Tilburg", 14),
    ("Middelburg", 8),
    ("Bergen op Zoom", 6),
    ("Eindhoven", 14),
    ("'s-Hertogenbosch", 12),
    ("Helmond", 8),
    ("Maastricht", 12),
    ("Venlo", 10),
    ("Heerlen", 10),
    ("Roermond", 8),
]

EXTRA_LANGUAGES = ["pl", "ro", "bg", "es", "fr", "ar", "tr", "pt", "uk", "ru", "hu"]
# Conditions a regular women's shelter may accept, with the share that does.
WOMEN_ACCEPTS: list[tuple[str, float]] = [
    ("pregnancy", 0.65),
    ("medical", 0.25),
    ("wheelchair", 0.2),
    ("psychiatric", 0.15),
    ("suicidality", 0.1),
    ("lvb", 0.1),
    ("addiction", 0.05),
]
OMM_CONDITIONS = {"addiction", "psychiatric", "lvb"}


def women_spec(rng: random.Random, municipality: str, capacity: int) -> Spec:
    """A regular women's shelter: most take children, most intakes in office hours."""
    accepts = [code for code, share in WOMEN_ACCEPTS if rng.random() < share]
    if set(accepts) >= OMM_CONDITIONS:  # only OMM takes all three
        accepts.remove("addiction")
    specialisations = ["sexual"] if rng.random() < 0.6 else []
    if rng.random() < 0.25:
        specialisations.append("labour")
    extra = rng.sample(EXTRA_LANGUAGES, rng.choice([0, 1, 1, 2, 2, 3]))
    roll = rng.random()
    intake: str | list[dict[str, str]]
    if roll < 0.55:
        intake = OFFICE
    elif roll < 0.8:
        intake = ALWAYS
    else:
        intake = rng.choice([LATE_WEEKDAYS, WEEKDAYS_AND_SATURDAY, EXTENDED_WITH_NIGHTS])
    return Spec(
        "women",
        municipality,
        capacity,
        genders=["female", "x"] if rng.random() < 0.3 else ["female"],
        children=rng.random() < 0.75,
        accepts=accepts,
        specialisations=specialisations,
        languages=["nl", "en", *sorted(extra)],
        intake=intake,
        residents=1 if rng.random() < 0.15 else 0,
    )


def occupied(rng: random.Random, spec: Spec) -> int:
    """Places in use: most shelters are full or nearly so ("structureel vol")."""
    free = rng.choices([0, 1, 2, 3, 4], weights=[35, 35, 17, 8, 5])[0]
    if spec.kind == "emergency":
        free = rng.choices([0, 1, 2], weights=[30, 50, 20])[0]
    return max(0, spec.capacity - free)


def build(seed: int = SEED) -> dict[str, Any]:
    """The network document: the synthetic label, the shelter ids of each kind, and the shelters."""
    rng = random.Random(seed)
    specs = SPECIAL + [women_spec(rng, name, capacity) for name, capacity in WOMEN]
    shelters: list[dict[str, Any]] = []
    kinds: dict[str, list[str]] = {}
    resident_number = 0
    for number, spec in enumerate(specs, start=1):
        shelter_id = f"S{number:03d}"
        taken = occupied(rng, spec)
        residents: list[str] = []
        for _ in range(min(spec.residents, taken)):
            resident_number += 1
            residents.append(f"R{resident_number:04d}")
        document: dict[str, Any] = {
            "id": shelter_id,
            "location": {"municipality": spec.municipality},
            "capacity": spec.capacity,
            "occupied": taken,
            "genders": spec.genders,
            "min_age": spec.min_age,
            "max_age": spec.max_age,
            "children": spec.children,
            "accepts": spec.accepts,
            "specialisations": spec.specialisations,
            "languages": spec.languages,
            "intake": spec.intake,
        }
        if spec.programme is not None:
            document["programme"] = spec.programme
        if residents:
            document["residents"] = residents
        Shelter.model_validate(document)  # fail here, not in the loader
        shelters.append(document)
        kinds.setdefault(spec.kind, []).append(shelter_id)
    return {"synthetic": True, "note": NOTE, "kinds": kinds, "shelters": shelters}


def dumps(network: dict[str, Any]) -> str:
    """JSON with one shelter per line, so the file reads as a table and diffs line by line."""
    lines = ["{"]
    for key in ("synthetic", "note"):
        lines.append(f" {json.dumps(key)}: {json.dumps(network[key], ensure_ascii=False)},")
    lines.append(' "kinds": {')
    kinds = [f"  {json.dumps(k)}: {json.dumps(ids)}" for k, ids in network["kinds"].items()]
    lines.append(",\n".join(kinds))
    lines.append(" },")
    lines.append(' "shelters": [')
    rows = [json.dumps(s, ensure_ascii=False) for s in network["shelters"]]
    lines += [f"  {row}," for row in rows[:-1]] + [f"  {rows[-1]}"]
    lines.append(" ]\n}\n")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="JSON file to write")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the varying attributes")
    args = parser.parse_args(argv)
    network = build(args.seed)
    text = dumps(network)
    if json.loads(text) != network:
        raise SystemExit("internal error: the written JSON does not read back as the network")
    args.output.write_text(text, encoding="utf-8")
    shelters: list[dict[str, Any]] = network["shelters"]
    capacity = {s["id"]: s["capacity"] for s in shelters}
    places = {kind: sum(capacity[i] for i in ids) for kind, ids in network["kinds"].items()}
    units = {gazetteer.resolve(s["location"]["municipality"]).police_unit for s in shelters}
    out = sys.stdout
    out.write(f"{len(network['shelters'])} shelters written to {args.output.name}\n")
    for kind, total in places.items():
        out.write(f"  {kind}: {total} places\n")
    out.write(f"  police units covered: {len(units)} of {len(gazetteer.POLICE_UNITS)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
