"""``gender``: the shelter does not take in the victim's gender (few places exist for men)."""

from __future__ import annotations

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule


def blocked(pairs: Pairs) -> Masks:
    """Pairs whose shelter's genders do not include the victim's."""
    yield "gender", ~pairs.shelters.genders[:, pairs.victims.gender].T


RULE = Rule("gender", blocked)
