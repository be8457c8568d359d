"""Apply every hard rule to all pairs: which pairs are compatible, and why the others are not."""

from __future__ import annotations

import numpy as np

from engine.arrays import BoolArray, Pairs
from engine.rules import RULES


def reason_masks(pairs: Pairs) -> dict[str, BoolArray]:
    """Reason code -> (V, S) mask of the pairs it rules out (also codes ruling nothing out)."""
    return {code: mask for rule in RULES for code, mask in rule.blocked(pairs)}


def compatible(pairs: Pairs) -> BoolArray:
    """(V, S) True where no hard rule rules the pair out (the static ``capacity`` included)."""
    ok = np.ones((len(pairs.victims), len(pairs.shelters)), dtype=np.bool_)
    for rule in RULES:
        for _, mask in rule.blocked(pairs):
            ok &= ~mask
    return ok


def reasons(masks: dict[str, BoolArray], v: int, s: int) -> list[str]:
    """Every reason code ruling out pair (v, s), in the contract's order."""
    return [code for code, mask in masks.items() if mask[v, s]]
