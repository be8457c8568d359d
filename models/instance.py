"""A placement instance: the shelters as they are now and the victims waiting for a place."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from models.base import ContractModel
from models.errors import (
    InvalidInput,
    Loc,
    duplicate_problems,
    field_problems,
    parse_json,
    problems_from_error,
)
from models.moment import Moment
from models.shelter import Shelter
from models.victim import Victim

Weight = Annotated[float, Field(ge=0.0, le=1e6)]


class Objective(ContractModel):
    """Weights of the secondary (cost) level of the objective."""

    distance: Weight = 1.0
    specialisation: Weight = 25.0
    language: Weight = 10.0
    move: Weight = 100.0


class Instance(ContractModel):
    """Input of ``solve`` and ``rank``; ids are unique and every reference resolves."""

    format: Literal["safeplace.instance/1"]
    now: Moment | None = None
    shelters: list[Shelter]
    victims: list[Victim]
    objective: Objective = Field(default_factory=Objective)

    @model_validator(mode="after")
    def _references(self) -> Instance:
        problems: list[tuple[Loc, str]] = []
        problems += duplicate_problems("shelters", [s.id for s in self.shelters], "shelter id")
        problems += duplicate_problems("victims", [v.id for v in self.victims], "victim id")
        problems = [((*loc, "id"), msg) for loc, msg in problems]
        shelter_ids = {s.id for s in self.shelters}
        problems += [
            (("victims", index, "current"), f"names no shelter of the instance: '{v.current}'")
            for index, v in enumerate(self.victims)
            if v.current is not None and v.current not in shelter_ids
        ]
        if problems:
            raise field_problems(problems)
        return self

    def shelter(self, shelter_id: str) -> Shelter:
        """The shelter with this id (KeyError when there is none)."""
        for shelter in self.shelters:
            if shelter.id == shelter_id:
                return shelter
        raise KeyError(shelter_id)

    def victim(self, victim_id: str) -> Victim:
        """The victim with this id (KeyError when there is none)."""
        for victim in self.victims:
            if victim.id == victim_id:
                return victim
        raise KeyError(victim_id)


def load_instance(text: str | bytes) -> Instance:
    """Parse an instance document; :class:`InvalidInput` lists every problem by field path."""
    return validate_instance(parse_json(text))


def validate_instance(data: object) -> Instance:
    """Validate already-parsed JSON data as an instance, with every problem by field path."""
    try:
        return Instance.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(problems_from_error(exc)) from None
