"""The police unit a location counts under, for aggregates that must not name a place.

Capacity for planners and the statistics kept after a purge are grouped by the ten police units:
coarse enough to name no shelter or person, fine enough to plan with. A municipality belongs to
its unit in the gazetteer; coordinates count under the unit of the nearest municipality.
"""

from __future__ import annotations

from functools import cache

from models import gazetteer
from models.location import Location, distance_km


def police_unit(location: Location) -> str:
    """The police unit of ``location`` (a municipality's own, or the nearest municipality's)."""
    if location.municipality is not None:
        return gazetteer.resolve(location.municipality).police_unit
    return _nearest_unit(location)


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
