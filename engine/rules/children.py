"""``children``: the victim comes with children and the shelter takes in no children."""

from __future__ import annotations

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs where the victim has children and the shelter does not take them."""
    yield "children", (pairs.victims.children > 0)[:, None] & ~pairs.shelters.children[None, :]


RULE = Rule("children", blocked)
