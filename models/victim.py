"""A victim waiting for a place, as the contract describes it: pseudonymous, never a name."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from models.base import ContractModel
from models.codes import Condition, Exploitation, Gender
from models.errors import Loc, duplicate_problems, field_problems
from models.location import Location
from models.shelter import Identifier, LanguageCode

# Urgency from 1 (normal) to 3 (acute danger).
Priority = Annotated[int, Field(ge=1, le=3)]


class DangerZone(ContractModel):
    """A place the shelter must be at least ``min_km`` away from."""

    location: Location
    min_km: Annotated[float, Field(gt=0.0, le=2000.0)]


class Victim(ContractModel):
    """One person to place: admission profile, safety constraints and urgency."""

    id: Identifier
    gender: Gender
    age: Annotated[int, Field(ge=0, le=120)]
    children: Annotated[int, Field(ge=0, le=20)] = 0
    conditions: list[Condition] = Field(default_factory=list)
    exploitation: Exploitation | None = None
    languages: list[LanguageCode] = Field(default_factory=list)
    programmes: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    location: Location | None = None
    danger_zones: list[DangerZone] = Field(default_factory=list)
    priority: Priority = 1
    avoid: list[Identifier] = Field(default_factory=list)
    current: Identifier | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Victim:
        problems: list[tuple[Loc, str]] = []
        problems += duplicate_problems("conditions", self.conditions, "condition")
        problems += duplicate_problems("avoid", self.avoid, "id")
        problems += [
            (("avoid", index), "a victim cannot avoid themselves")
            for index, other in enumerate(self.avoid)
            if other == self.id
        ]
        if problems:
            raise field_problems(problems)
        return self

    @property
    def places_needed(self) -> int:
        """Places taken at one shelter: the victim and each accompanying child."""
        return 1 + self.children
