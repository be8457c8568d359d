"""``programme``: the shelter is funded for a programme (e.g. COSM, youth) the victim is not in."""

from __future__ import annotations

import numpy as np

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs where the shelter has a programme and the victim is not eligible for it."""
    programme = pairs.shelters.programme
    restricted = programme >= 0
    if pairs.victims.programmes.shape[1] == 0:
        eligible = np.zeros((len(pairs.victims), len(pairs.shelters)), dtype=np.bool_)
    else:
        eligible = pairs.victims.programmes[:, np.maximum(programme, 0)]
    yield "programme", restricted[None, :] & ~eligible


RULE = Rule("programme", blocked)
