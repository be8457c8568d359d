"""A placement instance: the shelters as they are now and the victims waiting for a place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from models.base import ContractModel
from models.errors import (
    InputProblem,
    InvalidInput,
    Loc,
    duplicate_problems,
    field_problems,
    format_path,
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
        problems = reference_problems(
            [s.id for s in self.shelters], [(v.id, v.current) for v in self.victims]
        )
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


def reference_problems(
    shelter_ids: Sequence[object], victims: Sequence[tuple[object, object]]
) -> list[tuple[Loc, str]]:
    """Ids given twice, and a ``current`` naming no shelter: what no single field can know."""
    problems: list[tuple[Loc, str]] = []
    problems += duplicate_problems("shelters", shelter_ids, "shelter id")
    problems += duplicate_problems("victims", [victim_id for victim_id, _ in victims], "victim id")
    problems = [((*loc, "id"), msg) for loc, msg in problems]
    known = {shelter_id for shelter_id in shelter_ids if isinstance(shelter_id, str)}
    problems += [
        (("victims", index, "current"), f"names no shelter of the instance: '{current}'")
        for index, (_, current) in enumerate(victims)
        if isinstance(current, str) and current not in known
    ]
    return problems


def _raw_reference_problems(data: object) -> list[InputProblem]:
    """:func:`reference_problems` on the document as it came, for when some field failed: the
    instance is then never built, but the reader must still hear every problem in one round."""
    if not isinstance(data, dict):
        return []

    def entries(name: str) -> list[dict[str, object]]:
        found = data.get(name)
        items = found if isinstance(found, list) else []
        return [item if isinstance(item, dict) else {} for item in items]

    shelter_ids = [shelter.get("id") for shelter in entries("shelters")]
    victims = [(victim.get("id"), victim.get("current")) for victim in entries("victims")]
    return [
        InputProblem(format_path(loc), message)
        for loc, message in reference_problems(shelter_ids, victims)
    ]


def load_instance(text: str | bytes) -> Instance:
    """Parse an instance document; :class:`InvalidInput` lists every problem by field path."""
    return validate_instance(parse_json(text))


def validate_instance(data: object) -> Instance:
    """Validate already-parsed JSON data as an instance, with every problem by field path."""
    try:
        return Instance.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_error(exc)
        problems += [p for p in _raw_reference_problems(data) if p not in problems]
        raise InvalidInput(problems) from None
