"""Police units of locations, and the check that a shelter lies in the Netherlands."""

from __future__ import annotations

import pytest

from api.regions import outside_netherlands, police_unit
from models import gazetteer
from models.location import Location

MUNICIPALITIES = gazetteer.municipalities()


@pytest.mark.parametrize("place", MUNICIPALITIES, ids=[m.name for m in MUNICIPALITIES])
def test_every_municipality_lies_in_the_netherlands_and_swapped_it_does_not(
    place: gazetteer.Municipality,
) -> None:
    assert outside_netherlands(Location(lat=place.lat, lon=place.lon)) is None
    assert outside_netherlands(Location(municipality=place.name)) is None
    problem = outside_netherlands(Location(lat=place.lon, lon=place.lat))
    assert problem is not None
    assert problem.endswith("lat and lon look swapped")


@pytest.mark.parametrize(
    ("lat", "lon"), [(48.86, 2.35), (40.42, -3.7), (12.15, -68.27), (-52.1, -5.1), (0.0, 0.0)]
)
def test_places_abroad_are_named_outside(lat: float, lon: float) -> None:
    problem = outside_netherlands(Location(lat=lat, lon=lon))
    assert problem is not None
    assert problem.startswith(f"({lat}, {lon}) lies outside the Netherlands")
    assert "swapped" not in problem


def test_coordinates_count_under_the_nearest_municipalitys_unit() -> None:
    utrecht = gazetteer.resolve("Utrecht")
    near = Location(lat=utrecht.lat + 0.001, lon=utrecht.lon)
    assert police_unit(near) == police_unit(Location(municipality="Utrecht")) == "Midden-Nederland"
