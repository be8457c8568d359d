"""Rows to contract types and back, field by field.

The engine only ever sees validated contract types (:class:`Shelter`, :class:`Victim`), never ORM
objects: a row that no longer satisfies the contract fails here, loudly, instead of deep inside a
solver. Rows are written only from validated models, so what is stored always parses again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row

from api.db.tables import ReferralRow, ShelterRow
from api.regions import police_unit
from models.location import Location
from models.shelter import Shelter
from models.victim import Victim


def shelter_columns(shelter: Shelter) -> dict[str, Any]:
    """The shelters-table columns of a validated shelter (its state columns are left out)."""
    data = shelter.model_dump(mode="json", by_alias=True)
    location = data.pop("location")
    return data | {
        "municipality": location["municipality"],
        "lat": location["lat"],
        "lon": location["lon"],
    }


def referral_columns(victim: Victim) -> dict[str, Any]:
    """The referrals-table columns of a validated victim; the victim id is the case id.

    ``region`` is the police unit where the victim is now, kept for anonymous statistics.
    """
    data = victim.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {
        "id": victim.id,
        "gender": victim.gender,
        "age": victim.age,
        "children": victim.children,
        "conditions": data["conditions"],
        "exploitation": victim.exploitation,
        "languages": data["languages"],
        "programmes": data["programmes"],
        "location": data.get("location"),
        "danger_zones": data["danger_zones"],
        "priority": victim.priority,
        "avoid": data["avoid"],
        "current": victim.current,
        "region": None if victim.location is None else police_unit(victim.location),
    }


def location_of(row: ShelterRow) -> Location:
    """Where the shelter is: its municipality, or its coordinates."""
    if row.municipality is not None:
        return Location(municipality=row.municipality)
    return Location(lat=row.lat, lon=row.lon)


def shelter_from_row(row: ShelterRow, *, taken: int = 0, residents: Iterable[str] = ()) -> Shelter:
    """The contract shelter of ``row`` as the engine must see it now (see :func:`live_shelter`)."""
    return live_shelter(
        stored_shelter_fields(row), closed=row.closed, taken=taken, residents=residents
    )


def live_shelter(
    stored: dict[str, Any], *, closed: bool, taken: int = 0, residents: Iterable[str] = ()
) -> Shelter:
    """The contract shelter of a row's stored fields (:func:`stored_shelter_fields`) and its
    ``closed`` flag, as the engine must see it now.

    ``taken`` places (active holds and placements) are added to ``occupied``, capped at the
    capacity, and a closed shelter is full: the contract's ``free`` is then the live free places.
    ``residents`` (people placed or expected there) join the stored residents, so that ``avoid``
    also keeps people apart from those the service itself placed.
    """
    capacity: int = stored["capacity"]
    occupied = capacity if closed else min(capacity, stored["occupied"] + taken)
    live = {"occupied": occupied, "residents": _merged(stored["residents"], residents)}
    return Shelter.model_validate(stored | live)


def victim_from_row(row: ReferralRow | Row[Any], *, avoided_by: Iterable[str] = ()) -> Victim:
    """The contract victim of a referral (its ORM row, or a plain row of all its columns); its
    case id is the victim id.

    ``avoided_by`` names people already held or placed who must not share a shelter with this
    one: they join ``avoid``, so the contract's one-way resident rule keeps both apart.
    """
    return Victim.model_validate(
        {
            "id": row.id,
            "gender": row.gender,
            "age": row.age,
            "children": row.children,
            "conditions": row.conditions,
            "exploitation": row.exploitation,
            "languages": row.languages,
            "programmes": row.programmes,
            "location": row.location,
            "danger_zones": row.danger_zones,
            "priority": row.priority,
            "avoid": _merged(row.avoid, (other for other in avoided_by if other != row.id)),
            "current": row.current,
        }
    )


def stored_shelter_fields(row: ShelterRow) -> dict[str, Any]:
    """The contract fields of a shelter as they were given (not its live state)."""
    return {
        "id": row.id,
        "location": location_of(row).model_dump(exclude_none=True),
        "capacity": row.capacity,
        "occupied": row.occupied,
        "genders": row.genders,
        "min_age": row.min_age,
        "max_age": row.max_age,
        "children": row.children,
        "accepts": row.accepts,
        "specialisations": row.specialisations,
        "languages": row.languages,
        "programme": row.programme,
        "intake": row.intake,
        "residents": row.residents,
    }


def _merged(stored: list[Any], extra: Iterable[str]) -> list[str]:
    """``stored`` followed by the ids of ``extra`` it does not have yet (the contract forbids
    duplicates)."""
    merged = [str(item) for item in stored]
    seen = set(merged)
    for item in extra:
        if item not in seen:
            seen.add(item)
            merged.append(item)
    return merged
