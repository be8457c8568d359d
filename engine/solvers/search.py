"""What the searches for the general case share: the time left, the outcome, the order of plans.

:mod:`engine.solvers.cpsat` (LP-guided CP-SAT) and :mod:`engine.solvers.large` (networks with
millions of pairs) both hand out one time limit in shares to their steps, keep the better of two
plans in the contract's order, and report the same outcome.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.arrays import IntArray
from engine.solvers.problem import Problem

# Below this many seconds left, another step is not worth its set-up.
MIN_SECONDS = 0.2


@dataclass(frozen=True, eq=False)
class Outcome:
    """The best assignment found and what was proven about it (costs in scaled integer units)."""

    assignment: IntArray
    optimal: bool
    priority_bound: int  # no plan places more priority
    cost_bound: int | None  # no plan reaching this plan's priority costs less (None: unknown)


class Clock:
    """The time left of the whole search, handed out in shares to its steps."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds to the end, never negative."""
        return max(self.end - time.monotonic(), 0.0)


def better(problem: Problem, first: IntArray, second: IntArray) -> IntArray:
    """The lexicographically better of two assignments (the first on a tie)."""
    return second if problem.order_key(second) < problem.order_key(first) else first
