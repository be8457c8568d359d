"""``intake_hours``: ``now`` is given and the shelter takes no intake at that moment.

Most shelters take intakes in office hours only; at night this rule is what leaves victims in
emergency beds, so it is kept apart from the others to show exactly that.
"""

from __future__ import annotations

import numpy as np

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs whose shelter is closed for intakes at ``now``."""
    closed = ~pairs.shelters.intake_open
    yield "intake_hours", np.broadcast_to(closed[None, :], (len(pairs.victims), len(closed)))


RULE = Rule("intake_hours", blocked)
