"""What a hard rule is: a reason-code family with a vectorised filter over all pairs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from engine.arrays import BoolArray, Pairs

Masks = Iterator[tuple[str, BoolArray]]


@dataclass(frozen=True)
class Rule:
    """A hard rule: ``blocked(pairs)`` yields ``(reason_code, mask)`` with mask (V, S) True where
    the rule rules the pair out. A family such as ``condition`` yields one code per condition.
    """

    name: str
    blocked: Callable[[Pairs], Masks]
