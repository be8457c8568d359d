"""The output of ``safeplace solve``: who goes where, who could not be placed and why."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from models.base import ContractModel

PlanStatus = Literal["optimal", "feasible"]


class Assignment(ContractModel):
    """Victim placed at shelter, with the exact cost of the contract's formula."""

    victim: str
    shelter: str
    cost: float


class Unassigned(ContractModel):
    """A victim not placed, with per reason code the number of shelters it rules out."""

    victim: str
    blocked_by: dict[str, Annotated[int, Field(ge=0)]]


class Bound(ContractModel):
    """What the search proved when a time limit stopped it before optimality was proven.

    ``priority_placed`` is an upper bound on the first level; ``cost`` a lower bound on the cost
    among plans that reach this plan's ``priority_placed`` (null when that was not proven).
    """

    priority_placed: int
    cost: float | None = None


class PlanObjective(ContractModel):
    """Both levels of the lexicographic objective for the plan."""

    priority_placed: int
    cost: float
    # Only a plan stopped by its time limit carries a bound; an optimal plan's output omits it.
    bound: Annotated[Bound | None, Field(exclude_if=lambda value: value is None)] = None


class Plan(ContractModel):
    """A complete plan: every victim of the instance exactly once, placed or not."""

    format: Literal["safeplace.plan/1"] = "safeplace.plan/1"
    status: PlanStatus
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    objective: PlanObjective
    solve_seconds: Annotated[float, Field(ge=0.0)]
