"""Shelter and victim documents on a line running north from one point, for hand-made examples
whose costs follow from distances alone."""

from __future__ import annotations

from typing import Any

# One degree of latitude is 111.2 km on the contract's sphere.
KM = 1 / 111.19492664455873


def shelter(sid: str, north_km: float, **fields: Any) -> dict[str, Any]:
    """A shelter ``north_km`` north of the point where victims are by default."""
    return {"id": sid, "location": {"lat": 52.0 + north_km * KM, "lon": 5.0}, **fields}


def victim(vid: str, **fields: Any) -> dict[str, Any]:
    """A woman of 30 at the point, with ``fields`` on top."""
    location = {"lat": 52.0, "lon": 5.0}
    return {"id": vid, "gender": "female", "age": 30, "location": location, **fields}
