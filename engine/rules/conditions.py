"""``condition:<code>``: a contra-indication the shelter cannot care for, one code per condition.

Addiction, psychiatric problems and aggression are why many victims are refused; naming each
missing condition separately tells the desk which single acceptance would open the shelter.
"""

from __future__ import annotations

from engine.arrays import Pairs
from engine.rules.base import Masks, Rule
from models.codes import CONDITIONS


def blocked(pairs: Pairs) -> Masks:
    """For every condition some victim has, pairs where the shelter does not accept it."""
    for c, condition in enumerate(CONDITIONS):
        has = pairs.victims.conditions[:, c]
        if has.any():
            yield f"condition:{condition}", has[:, None] & ~pairs.shelters.accepts[None, :, c]


RULE = Rule("condition", blocked)
