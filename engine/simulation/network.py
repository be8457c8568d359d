"""The shelters of a scenario as the simulation sees them: kinds, police units, places open.

The desk's engine works on contract shelters; the simulation adds what planning needs around them:
the kind of each shelter (for lengths of stay and reports), its police unit (for regional KPIs),
the share of its places open to trafficking victims at all, which shelters are emergency beds
(fallback, never a placement), and the new locations that ``add_places`` events open.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

from engine.arrays import BoolArray, FloatArray, IntArray
from engine.geo import haversine_km
from models import gazetteer
from models.location import Location
from models.scenario import AddPlacesEvent, Scenario
from models.shelter import Shelter
from models.victim import Victim

ADDED_KIND = "added"
_CENTRE = (52.1, 5.3)
# Where an ``add_places`` event opens its new location: the unit's largest city.
MAIN_CITY: dict[str, str] = {
    "Noord-Nederland": "Groningen",
    "Oost-Nederland": "Arnhem",
    "Midden-Nederland": "Utrecht",
    "Noord-Holland": "Haarlem",
    "Amsterdam": "Amsterdam",
    "Den Haag": "Den Haag",
    "Rotterdam": "Rotterdam",
    "Zeeland-West-Brabant": "Breda",
    "Oost-Brabant": "Eindhoven",
    "Limburg": "Maastricht",
}


def place_of(location: Location) -> gazetteer.Municipality:
    """The municipality named, or the one nearest to a coordinate."""
    if location.municipality is not None:
        return gazetteer.resolve(location.municipality)
    places = gazetteer.municipalities()
    lat, lon = location.point
    distance = haversine_km(
        np.array([lat]),
        np.array([lon]),
        np.array([m.lat for m in places]),
        np.array([m.lon for m in places]),
    )
    return places[int(np.argmin(distance[0]))]


@cache
def _main_cities() -> tuple[FloatArray, FloatArray]:
    cities = [gazetteer.resolve(MAIN_CITY[unit]) for unit in gazetteer.POLICE_UNITS]
    return np.array([c.lat for c in cities]), np.array([c.lon for c in cities])


def nearest_safe_unit(victim: Victim) -> str:
    """The police unit whose largest city is nearest to the person and outside their danger zones.

    That is where a new place could take them in (a place near where they were exploited is no
    place for them at all), so the capacity advice counts their nights there. Without a location
    the nearest is measured from the centre of the country.
    """
    lat, lon = _main_cities()
    here = victim.location.point if victim.location is not None else _CENTRE
    distance = haversine_km(np.array([here[0]]), np.array([here[1]]), lat, lon)[0]
    for zone in victim.danger_zones:
        zlat, zlon = zone.location.point
        close = haversine_km(np.array([zlat]), np.array([zlon]), lat, lon)[0] < zone.min_km
        distance[close] = np.inf
    return gazetteer.POLICE_UNITS[int(np.argmin(distance))]


def kind_of(shelter: Shelter, kinds: Mapping[str, str]) -> str:
    """A shelter's kind: as the network file groups it, else its programme, else ``other``."""
    return kinds.get(shelter.id) or shelter.programme or "other"


def added_id(number: int) -> str:
    """Id of the location opened by event number ``number`` of the scenario."""
    return f"ADD{number:02d}"


def added_shelter(number: int, event: AddPlacesEvent) -> Shelter:
    """The new location an ``add_places`` event opens (its places count only in its period)."""
    city = gazetteer.resolve(MAIN_CITY[event.police_unit])
    women = event.gender == "female"
    ages = {"min_age": 12, "max_age": 17, "programme": "youth"} if event.youth else {}
    return Shelter.model_validate(
        {
            "id": added_id(number),
            "location": {"lat": city.lat, "lon": city.lon},
            "capacity": event.places,
            "genders": ["female", "x"] if women else [event.gender],
            "children": women and not event.youth,
            "accepts": list(event.conditions),
            "languages": ["nl", "en"],
            "intake": event.intake,
            **ages,
        }
    )


@dataclass(frozen=True, eq=False)
class Network:
    """Placement shelters (with coordinates) and the emergency beds of each police unit.

    ``base_capacity`` is each placement shelter's places open to the simulated flow before events
    (``share_open`` applied; 0 for an added location, whose places come with its event).
    """

    shelters: tuple[Shelter, ...]
    kinds: tuple[str, ...]
    units: tuple[str, ...]
    provinces: tuple[str, ...]
    base_capacity: IntArray
    initial_occupied: IntArray
    emergency_beds: Mapping[str, int]
    holiday_intake: BoolArray

    @cached_property
    def index(self) -> dict[str, int]:
        """Shelter id -> position."""
        return {shelter.id: s for s, shelter in enumerate(self.shelters)}

    @cached_property
    def unit_index(self) -> IntArray:
        """Position of each shelter's police unit in :data:`gazetteer.POLICE_UNITS`."""
        return np.array([gazetteer.POLICE_UNITS.index(u) for u in self.units], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.shelters)


def build_network(
    scenario: Scenario,
    shelters: Sequence[Shelter],
    kinds: Mapping[str, str],
    holiday_intake: Collection[str] = (),
) -> Network:
    """The scenario's network from contract shelters and their kinds (``kinds`` may be partial),
    ``holiday_intake`` naming those that keep their intake hours on public holidays.

    Locations are turned into coordinates once, so the desk's engine never looks a name up again.
    """
    emergency_kind = scenario.fallback.emergency_kind
    emergency: dict[str, int] = dict.fromkeys(gazetteer.POLICE_UNITS, 0)
    kept: list[Shelter] = []
    kept_kinds: list[str] = []
    units: list[str] = []
    provinces: list[str] = []
    capacity: list[int] = []
    occupied: list[int] = []
    on_holidays: list[bool] = []
    for shelter in shelters:
        kind = kind_of(shelter, kinds)
        place = place_of(shelter.location)
        if emergency_kind is not None and kind == emergency_kind:
            emergency[place.police_unit] += shelter.capacity
            continue
        share = scenario.network.share_open.get(kind, 1.0)
        places = round(shelter.capacity * share)
        lat, lon = shelter.location.point
        kept.append(shelter.model_copy(update={"location": Location(lat=lat, lon=lon)}))
        kept_kinds.append(kind)
        units.append(place.police_unit)
        provinces.append(place.province)
        capacity.append(places)
        occupied.append(min(places, round(shelter.occupied * share)))
        on_holidays.append(shelter.id in holiday_intake)
    for number, event in enumerate(scenario.events):
        if isinstance(event, AddPlacesEvent):
            kept.append(added_shelter(number, event))
            kept_kinds.append(ADDED_KIND)
            units.append(event.police_unit)
            provinces.append(gazetteer.resolve(MAIN_CITY[event.police_unit]).province)
            capacity.append(0)
            occupied.append(0)
            on_holidays.append(False)
    return Network(
        shelters=tuple(kept),
        kinds=tuple(kept_kinds),
        units=tuple(units),
        provinces=tuple(provinces),
        base_capacity=np.array(capacity, dtype=np.int64),
        initial_occupied=np.array(occupied, dtype=np.int64),
        emergency_beds=emergency,
        holiday_intake=np.array(on_holidays, dtype=np.bool_),
    )
