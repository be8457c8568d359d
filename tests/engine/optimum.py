"""The HiGHS oracle's optimal plan in the solvers' terms, for tests that hold bounds against it."""

from __future__ import annotations

import numpy as np

from engine.arrays import IntArray
from engine.solvers.problem import Problem
from models.instance import Instance
from tests.oracle import solve_oracle


def optimal_assignment(instance: Instance, problem: Problem) -> tuple[IntArray, int]:
    """The oracle's optimal plan as victim row -> shelter index, and its priority placed."""
    optimum = solve_oracle(instance)
    rows = {victim.id: v for v, victim in enumerate(instance.victims)}
    columns = {shelter.id: s for s, shelter in enumerate(instance.shelters)}
    assignment = np.full(problem.num_victims, -1, dtype=np.int64)
    for victim, shelter in optimum.plan.items():
        assignment[rows[victim]] = columns[shelter]
    return assignment, optimum.priority_placed
