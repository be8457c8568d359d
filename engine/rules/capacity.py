"""``capacity``: the shelter has fewer free places than the victim and their children need."""

from __future__ import annotations

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs where 1 + children exceeds the shelter's free places now."""
    yield "capacity", pairs.victims.demand[:, None] > pairs.shelters.free[None, :]


RULE = Rule("capacity", blocked)
