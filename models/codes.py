"""Closed vocabularies of the contract, with did-you-mean errors for typos.

Each vocabulary is a ``Literal`` (so mypy knows the values) wrapped in a before-validator that turns
an unknown value into ``unknown condition 'adiction' (did you mean 'addiction'?)`` instead of
pydantic's generic literal error.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BeforeValidator

from models.errors import suggest

GenderCode = Literal["female", "male", "x"]
ConditionCode = Literal[
    "addiction",
    "psychiatric",
    "aggression",
    "suicidality",
    "lvb",
    "pregnancy",
    "medical",
    "wheelchair",
]
ExploitationCode = Literal["sexual", "labour", "criminal", "other"]

GENDERS: tuple[GenderCode, ...] = get_args(GenderCode)
CONDITIONS: tuple[ConditionCode, ...] = get_args(ConditionCode)
EXPLOITATIONS: tuple[ExploitationCode, ...] = get_args(ExploitationCode)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Reason codes of the hard rules, in the order of the contract's table. Conditions expand to one
# code per condition: ``condition:addiction`` and so on.
RULE_CODES: tuple[str, ...] = (
    "gender",
    "age",
    "children",
    "condition",
    "programme",
    "security",
    "intake_hours",
    "avoid",
    "capacity",
)
REASON_CODES: tuple[str, ...] = (
    "gender",
    "age",
    "children",
    *(f"condition:{c}" for c in CONDITIONS),
    "programme",
    "security",
    "intake_hours",
    "avoid",
    "capacity",
)


def _vocabulary(kind: str, choices: tuple[str, ...]) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, str) and value not in choices:
            raise ValueError(f"unknown {kind} '{value}'{suggest(value, choices)}")
        return value

    return BeforeValidator(check)


Gender = Annotated[GenderCode, _vocabulary("gender", GENDERS)]
Condition = Annotated[ConditionCode, _vocabulary("condition", CONDITIONS)]
Exploitation = Annotated[ExploitationCode, _vocabulary("exploitation", EXPLOITATIONS)]
