"""The output of ``safeplace rank``: one victim against the shelters as they are now."""

from __future__ import annotations

from typing import Literal

from models.base import ContractModel


class Option(ContractModel):
    """A shelter the victim may go to now."""

    shelter: str
    cost: float
    distance_km: float | None
    free: int


class Excluded(ContractModel):
    """A shelter the victim may not go to, with every reason code that applies."""

    shelter: str
    reasons: list[str]


class Relaxation(ContractModel):
    """One single change that would open at least one shelter."""

    rule: str
    detail: str
    opens: list[str]


class Ranking(ContractModel):
    """Options cheapest first, every excluded shelter with reasons, and relaxations if none fit."""

    format: Literal["safeplace.ranking/1"] = "safeplace.ranking/1"
    victim: str
    options: list[Option]
    excluded: list[Excluded]
    relaxations: list[Relaxation]
