"""The capacity map: the Netherlands drawn from the gazetteer, with free places on it.

Positions follow the API's rules. A role that may read the shelters themselves (the admin) sees
each shelter where it is; everyone else sees one circle per police unit, at the centre of the
unit's municipalities, with the unit's numbers exactly as the capacity route gives them to that
role (small counts withheld for planners). Colours say how many places are free, and every circle
has a tooltip saying it in words, with the table next to the map as its text equivalent.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache

from api.schemas import CapacityCell, ShelterPublic
from api.svg import MapPoint, map_chart
from models import gazetteer

# Colours of "no free place", "a few" (1-4), "room" (5 or more) and "withheld".
FULL, FEW, ROOM, WITHHELD = "#b3261e", "#c77700", "#1a7f37", "#6b7785"
FEW_BELOW = 5

Describe = Callable[[str, int | None, int | None], str]


def colour(free: int | None) -> str:
    """The colour of a circle with ``free`` places (None: the count is withheld)."""
    if free is None:
        return WITHHELD
    if free == 0:
        return FULL
    return FEW if free < FEW_BELOW else ROOM


def unit_map(title: str, cells: Sequence[CapacityCell], describe: Describe) -> str:
    """One circle per police unit for the given cells (one profile), sized by its places."""
    centres = unit_centres()
    points = [
        MapPoint(
            lat=centres[cell.police_unit][0],
            lon=centres[cell.police_unit][1],
            radius=_radius(cell.total),
            colour=colour(cell.free),
            title=describe(cell.police_unit, cell.free, cell.total),
        )
        for cell in cells
        if cell.police_unit in centres
    ]
    return map_chart(title, _outline(), points)


def shelter_map(title: str, shelters: Sequence[ShelterPublic], describe: Describe) -> str:
    """One circle per shelter location (shelters in one place share it), sized by places."""
    together: defaultdict[tuple[float, float], list[ShelterPublic]] = defaultdict(list)
    for shelter in shelters:
        together[shelter.location.point].append(shelter)
    points = []
    for (lat, lon), here in sorted(together.items()):
        free, total = sum(s.free for s in here), sum(s.capacity for s in here)
        names = ", ".join(s.id for s in here)
        points.append(
            MapPoint(lat, lon, _radius(total), colour(free), describe(names, free, total))
        )
    return map_chart(title, _outline(), points)


def _radius(total: int | None) -> float:
    """Circle size grows with the square root of places, so area tracks the count."""
    return 5.0 + 1.6 * math.sqrt(total if total is not None else 4)


@cache
def unit_centres() -> dict[str, tuple[float, float]]:
    """The mean position of each police unit's municipalities."""
    members: defaultdict[str, list[gazetteer.Municipality]] = defaultdict(list)
    for municipality in gazetteer.municipalities():
        members[municipality.police_unit].append(municipality)
    return {
        unit: (
            sum(m.lat for m in places) / len(places),
            sum(m.lon for m in places) / len(places),
        )
        for unit, places in members.items()
    }


@cache
def _outline() -> tuple[tuple[float, float], ...]:
    """Every municipality as a grey dot: the shape of the country without a map file."""
    return tuple((m.lat, m.lon) for m in gazetteer.municipalities())
