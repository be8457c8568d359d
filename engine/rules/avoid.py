"""``avoid``: a resident of the shelter is someone the victim must not live with.

Between victims of one instance ``avoid`` is a plan-level constraint (never at the same shelter),
handled by the solvers; this pair rule covers the people already living at a shelter.
"""

from __future__ import annotations

import numpy as np

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs where the victim avoids one of the shelter's residents."""
    mask = np.zeros((len(pairs.victims), len(pairs.shelters)), dtype=np.bool_)
    for v, s in pairs.victims.avoid_shelters:
        mask[v, s] = True
    yield "avoid", mask


RULE = Rule("avoid", blocked)
