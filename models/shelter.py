"""A shelter as the contract describes it: who it takes in, where, and how many places are free."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from models.base import ContractModel
from models.codes import GENDERS, Condition, Exploitation, Gender
from models.errors import Loc, duplicate_problems, field_problems
from models.intake import Intake
from models.location import Location

# The whole text (``$`` would also end before a final newline).
_LANGUAGE = re.compile(r"[a-z]{2}")


def _language(code: str) -> str:
    if not _LANGUAGE.fullmatch(code):
        raise ValueError(f"'{code}' is not an ISO 639-1 language code (two lower-case letters)")
    return code


LanguageCode = Annotated[str, AfterValidator(_language)]
Identifier = Annotated[str, Field(min_length=1, max_length=64)]
# Far above any shelter (the largest Dutch ones hold a few hundred places), and small enough that
# the places of a whole network add up without overflowing the engine's 64-bit arrays.
MOST_PLACES = 1_000_000
Places = Annotated[int, Field(ge=0, le=MOST_PLACES)]


class Shelter(ContractModel):
    """One shelter location with its places, admission profile and intake hours."""

    id: Identifier
    location: Location
    capacity: Places
    occupied: Places = 0
    genders: list[Gender] = Field(default_factory=lambda: list(GENDERS))
    min_age: Annotated[int, Field(ge=0, le=120)] = 18
    max_age: Annotated[int, Field(ge=0, le=120)] = 120
    children: bool = False
    accepts: list[Condition] = Field(default_factory=list)
    specialisations: list[Exploitation] = Field(default_factory=list)
    languages: list[LanguageCode] = Field(default_factory=lambda: ["nl"])
    programme: Annotated[str, Field(min_length=1)] | None = None
    intake: Intake = "24/7"
    residents: list[Identifier] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Shelter:
        problems: list[tuple[Loc, str]] = []
        if self.occupied > self.capacity:
            problems.append((("occupied",), f"{self.occupied} exceeds capacity {self.capacity}"))
        if self.min_age > self.max_age:
            problems.append((("max_age",), f"{self.max_age} is below min_age {self.min_age}"))
        problems += duplicate_problems("genders", self.genders, "gender")
        problems += duplicate_problems("accepts", self.accepts, "condition")
        problems += duplicate_problems("specialisations", self.specialisations, "specialisation")
        problems += duplicate_problems("residents", self.residents, "resident")
        if problems:
            raise field_problems(problems)
        return self

    @property
    def free(self) -> int:
        """Places not in use now."""
        return self.capacity - self.occupied
