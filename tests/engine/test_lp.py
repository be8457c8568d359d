"""The LP relaxations' failures are said in words, not as GLOP's status numbers."""

from __future__ import annotations

import ortools.linear_solver.linear_solver_pb2 as lp_proto
import pytest

from engine.solvers.lp import failure


@pytest.mark.parametrize("status", [lp_proto.MPSOLVER_FEASIBLE, lp_proto.MPSOLVER_NOT_SOLVED])
def test_an_lp_stopped_by_the_clock_says_so(status: int) -> None:
    response = lp_proto.MPSolutionResponse(status=status)
    assert str(failure(response)) == "the time limit ran out before the LP relaxation was solved"


def test_any_other_failure_names_its_status() -> None:
    response = lp_proto.MPSolutionResponse(
        status=lp_proto.MPSOLVER_ABNORMAL,
        status_str="numerical trouble",
    )
    assert str(failure(response)) == "GLOP returned MPSOLVER_ABNORMAL numerical trouble"
