"""The capacity map: the Netherlands drawn from the gazetteer, with free places on it.

Positions follow the API's rules. A role that may read the shelters themselves (the admin) sees
each shelter where it is; everyone else sees one circle per police unit, at the centre of the
unit's municipalities, with the unit's numbers exactly as the capacity route gives them to that
role (small counts withheld for planners). Colours say how many places are free, and every circle
has a tooltip saying it in words, with the table next to the map as its text equivalent.

A circle is the places for a placement; emergency beds (a few nights, no placement) are a small
dot with a dark ring on it, in the same colours, so that a unit whose only free places are
emergency beds shows a red circle with a coloured dot, not room. Where a planner's emergency counts
are withheld, the circle counts them in (:mod:`api.web.beds`) and is drawn paler.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from api.ledger import EMERGENCY_KIND
from api.schemas import CapacityCell, ShelterPublic
from api.svg import MapPoint, map_chart
from api.web.beds import Split, split
from models import gazetteer

# Colours of "no free place", "a few" (1-4), "room" (5 or more) and "withheld".
FULL, FEW, ROOM, WITHHELD = "#b3261e", "#c77700", "#1a7f37", "#6b7785"
FEW_BELOW = 5
# A circle whose places count the emergency beds in (their numbers withheld) is paler.
PALE = 0.35
# The emergency beds' dot: its size and its ring.
BEDS_RADIUS, BEDS_RING, BEDS_RING_WIDTH = 4.5, "#1b1f24", 1.5


@dataclass(frozen=True)
class Words:
    """The tooltips in the reader's language, each with ``%(where)s``, ``%(free)s`` and
    ``%(total)s``: places for a placement, every place with the emergency beds counted in,
    emergency beds; and the word for a withheld count."""

    placement: str
    included: str
    beds: str
    withheld: str

    def say(self, text: str, where: str, free: int | None, total: int | None) -> str:
        """``text`` filled in, withheld counts in words."""
        return text % {
            "where": where,
            "free": self.withheld if free is None else free,
            "total": self.withheld if total is None else total,
        }


def colour(free: int | None) -> str:
    """The colour of a circle with ``free`` places (None: the count is withheld)."""
    if free is None:
        return WITHHELD
    if free == 0:
        return FULL
    return FEW if free < FEW_BELOW else ROOM


def unit_map(title: str, cells: Sequence[CapacityCell], words: Words) -> str:
    """One circle per police unit for the given cells (one profile), sized by its places for a
    placement, with a dot for its emergency beds where it has any that the reader may count."""
    centres = unit_centres()
    circles, dots = [], []
    for cell in cells:
        if cell.police_unit in centres:
            (lat, lon), counts = centres[cell.police_unit], split(cell)
            circles.append(_circle(lat, lon, cell.police_unit, counts, words))
            if counts.emergency_total:
                dots.append(_dot(lat, lon, cell.police_unit, counts, words))
    return map_chart(title, _outline(), circles + dots)


def shelter_map(title: str, shelters: Sequence[ShelterPublic], words: Words) -> str:
    """One circle per shelter location (shelters in one place share it), sized by places, and
    a dot for the emergency beds there; a place of emergency beds only has the dot alone."""
    together: defaultdict[tuple[float, float], list[ShelterPublic]] = defaultdict(list)
    for shelter in shelters:
        together[shelter.location.point].append(shelter)
    circles, dots = [], []
    for (lat, lon), here in sorted(together.items()):
        places = [s for s in here if s.kind != EMERGENCY_KIND]
        beds = [s for s in here if s.kind == EMERGENCY_KIND]
        counts = Split(
            sum(s.free for s in places),
            sum(s.capacity for s in places),
            sum(s.free for s in beds),
            sum(s.capacity for s in beds),
        )
        if places:
            circles.append(_circle(lat, lon, ", ".join(s.id for s in places), counts, words))
        if beds:
            dots.append(_dot(lat, lon, ", ".join(s.id for s in beds), counts, words))
    return map_chart(title, _outline(), circles + dots)


def _circle(lat: float, lon: float, where: str, counts: Split, words: Words) -> MapPoint:
    """The places for a placement (or every place, emergency beds counted in, paler)."""
    text = words.included if counts.included else words.placement
    return MapPoint(
        lat,
        lon,
        _radius(counts.total),
        colour(counts.free),
        words.say(text, where, counts.free, counts.total),
        opacity=PALE if counts.included else MapPoint.opacity,
    )


def _dot(lat: float, lon: float, where: str, counts: Split, words: Words) -> MapPoint:
    """The emergency beds, drawn over the circle."""
    return MapPoint(
        lat,
        lon,
        BEDS_RADIUS,
        colour(counts.emergency_free),
        words.say(words.beds, where, counts.emergency_free, counts.emergency_total),
        stroke=BEDS_RING,
        stroke_width=BEDS_RING_WIDTH,
    )


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
