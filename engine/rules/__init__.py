"""The hard rules of the contract, one module each, in the order of the contract's table.

Every rule is a :class:`~engine.rules.base.Rule`: a named unit whose ``blocked`` yields, per reason
code, a (V, S) mask of the pairs it rules out. The same masks filter (a pair is compatible when no
mask is set) and explain (the reasons of a pair are the codes whose mask is set), so what the
engine refuses and what it says about the refusal can never disagree.
"""

from __future__ import annotations

from engine.rules import (
    age,
    avoid,
    capacity,
    children,
    conditions,
    gender,
    intake_hours,
    programme,
    security,
)
from engine.rules.base import Rule

RULES: tuple[Rule, ...] = (
    gender.RULE,
    age.RULE,
    children.RULE,
    conditions.RULE,
    programme.RULE,
    security.RULE,
    intake_hours.RULE,
    avoid.RULE,
    capacity.RULE,
)

__all__ = ["RULES", "Rule"]
