"""A place: WGS84 coordinates or a Dutch municipality resolved through the gazetteer."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from models import gazetteer
from models.base import ContractModel
from models.errors import field_problems

EARTH_RADIUS_KM = 6371.0


class Location(ContractModel):
    """Either ``{"lat", "lon"}`` or ``{"municipality"}``, never a mix.

    A municipality keeps its name (so a document round-trips unchanged); :attr:`point` gives the
    coordinates the engine computes with.
    """

    lat: Annotated[float, Field(ge=-90.0, le=90.0)] | None = None
    lon: Annotated[float, Field(ge=-180.0, le=180.0)] | None = None
    municipality: str | None = None

    @field_validator("municipality")
    @classmethod
    def _known_municipality(cls, name: str | None) -> str | None:
        if name is not None:
            gazetteer.resolve(name)
        return name

    @model_validator(mode="after")
    def _one_form(self) -> Location:
        has_coordinates = self.lat is not None or self.lon is not None
        if self.municipality is not None and has_coordinates:
            raise field_problems([((), "give either lat and lon or a municipality, not both")])
        if self.municipality is None:
            missing = [name for name in ("lat", "lon") if getattr(self, name) is None]
            if missing == ["lat", "lon"]:
                raise field_problems([((), "give either lat and lon or a municipality")])
            if missing:
                raise field_problems([((missing[0],), "required field is missing")])
        return self

    @property
    def point(self) -> tuple[float, float]:
        """(latitude, longitude) in degrees."""
        if self.municipality is not None:
            place = gazetteer.resolve(self.municipality)
            return (place.lat, place.lon)
        if self.lat is None or self.lon is None:  # excluded by _one_form
            raise AssertionError("a location has either a municipality or coordinates")
        return (self.lat, self.lon)


def distance_km(a: Location, b: Location) -> float:
    """Great-circle (haversine) distance on a sphere of radius 6371.0 km, as the contract says."""
    (lat1, lon1), (lat2, lon2) = a.point, b.point
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
