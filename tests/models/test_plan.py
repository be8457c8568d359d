"""A plan read back (``safeplace.plan/1``) refuses counts and times no solver can produce."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from models.plan import Plan


def _plan(blocked_by: dict[str, int], solve_seconds: float) -> str:
    data: dict[str, Any] = {
        "format": "safeplace.plan/1",
        "status": "optimal",
        "assignments": [],
        "unassigned": [{"victim": "V1", "blocked_by": blocked_by}],
        "objective": {"priority_placed": 0, "cost": 0.0},
        "solve_seconds": solve_seconds,
    }
    return json.dumps(data)


def test_a_plan_with_zero_counts_and_no_time_is_read() -> None:
    plan = Plan.model_validate_json(_plan({"capacity": 0, "gender": 3}, 0.0))
    assert plan.unassigned[0].blocked_by == {"capacity": 0, "gender": 3}
    assert plan.solve_seconds == 0.0


def test_a_negative_count_of_blocking_shelters_is_refused() -> None:
    # A reason rules out a number of shelters: none at least, never fewer.
    with pytest.raises(ValidationError, match=r"unassigned\.0\.blocked_by\.capacity"):
        Plan.model_validate_json(_plan({"gender": 2, "capacity": -1}, 0.5))


def test_a_negative_solve_time_is_refused() -> None:
    with pytest.raises(ValidationError, match="solve_seconds"):
        Plan.model_validate_json(_plan({}, -0.001))
