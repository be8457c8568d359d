"""``age``: the victim's age is outside the shelter's inclusive age range (youth vs adult care)."""

from __future__ import annotations

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs where age < min_age or age > max_age."""
    age = pairs.victims.age[:, None]
    yield "age", (age < pairs.shelters.min_age[None, :]) | (age > pairs.shelters.max_age[None, :])


RULE = Rule("age", blocked)
