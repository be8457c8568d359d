"""The police unit a location counts under, for aggregates that must not name a place.

Capacity for planners and the statistics kept after a purge are grouped by the ten police units:
coarse enough to name no shelter or person, fine enough to plan with. A municipality belongs to
its unit in the gazetteer; coordinates count under the unit of the nearest municipality.
"""

from __future__ import annotations

from functools import cache

from models import gazetteer
from models.location import Location, distance_km

# A box around the European Netherlands with a margin (its extremes: 50.75-53.56 N, 3.36-7.23 E).
# A shelter outside it is a typing error, most often latitude and longitude swapped: kept, it
# would sit thousands of kilometres away, clear of every danger zone, and be offered to the desk.
# A box cannot tell a point just across the border (Antwerp, Aachen) from one inside: the check
# catches gross errors, not every place abroad.
NETHERLANDS_LAT = (50.6, 53.7)
NETHERLANDS_LON = (3.2, 7.4)


def police_unit(location: Location) -> str:
    """The police unit of ``location`` (a municipality's own, or the nearest municipality's)."""
    if location.municipality is not None:
        return gazetteer.resolve(location.municipality).police_unit
    return _nearest_unit(location)


def outside_netherlands(location: Location) -> str | None:
    """What is wrong with coordinates outside the Netherlands (None: inside, or a municipality)."""
    if location.lat is None or location.lon is None:
        return None
    if inside_netherlands(location.lat, location.lon):
        return None
    where = f"({location.lat}, {location.lon}) lies outside the Netherlands"
    if inside_netherlands(location.lon, location.lat):
        return f"{where}; lat and lon look swapped"
    (south, north), (west, east) = NETHERLANDS_LAT, NETHERLANDS_LON
    return f"{where} (lat {south} to {north}, lon {west} to {east})"


def inside_netherlands(lat: float, lon: float) -> bool:
    """Whether the point lies in the box around the Netherlands (:data:`NETHERLANDS_LAT`)."""
    return (
        NETHERLANDS_LAT[0] <= lat <= NETHERLANDS_LAT[1]
        and NETHERLANDS_LON[0] <= lon <= NETHERLANDS_LON[1]
    )


@cache
def _nearest_unit(location: Location) -> str:
    nearest = min(_municipality_locations(), key=lambda pair: distance_km(location, pair[0]))
    return nearest[1]


@cache
def _municipality_locations() -> tuple[tuple[Location, str], ...]:
    """Every municipality as a location, with its police unit."""
    return tuple(
        (Location(lat=m.lat, lon=m.lon), m.police_unit) for m in gazetteer.municipalities()
    )
