"""``security``: the shelter lies within a danger zone's minimum distance (near the exploiter)."""

from __future__ import annotations

import numpy as np

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs where some danger zone of the victim is closer to the shelter than its min_km."""
    victims = pairs.victims
    mask = np.zeros((len(victims), len(pairs.shelters)), dtype=np.bool_)
    if len(victims.zone_victim):
        too_close = pairs.zone_distance_km < victims.zone_min_km[:, None]
        np.logical_or.at(mask, victims.zone_victim, too_close)
    yield "security", mask


RULE = Rule("security", blocked)
