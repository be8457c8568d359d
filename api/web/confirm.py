"""Asking before a step that gives up a place: releasing a hold, closing a held referral,
recording that someone left a shelter.

At three in the morning one press on the wrong button would free a place that the desk may not
get back: another desk can take it the next second. So the page's form of such a step does it
only when it says ``confirmed=1``. Without that the page is shown again with a box that says in
words what the step would do (which shelter, how many places, which case: nothing beyond the
pseudonymous case id the page shows already), a button that sends the same form again with
``confirmed=1``, and a link back that changes nothing. The server asks, not a script: a stray
press, a form sent twice or a page left open from before changes nothing without the second
press, with or without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from starlette.datastructures import FormData

from api.schemas import HoldPublic, PlacementPublic

# The form field, and its value, of the second press.
CONFIRMED = "confirmed"
YES = "1"

Step = Literal["release", "close", "discharge"]


def confirmed(form: FormData) -> bool:
    """Whether the form is the second press, made from the box that said what would happen."""
    return form.get(CONFIRMED) == YES


@dataclass(frozen=True)
class Question:
    """A step waiting for the reader's yes: which ``step``, on the hold or placement of ``case``
    at ``shelter`` (its ``places``); ``action`` is the form's path, ``fields`` what it sends
    again besides (the reason a referral is closed for), ``back`` the page "no" leads to."""

    step: Step
    action: str
    case: str
    shelter: str
    places: int
    back: str
    fields: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def about(
        cls,
        step: Step,
        action: str,
        item: HoldPublic | PlacementPublic,
        *,
        back: str,
        fields: Mapping[str, str] | None = None,
    ) -> Question:
        """The question of ``step`` on a hold or placement, naming what it holds."""
        return cls(
            step, action, item.referral_id, item.shelter_id, item.places, back, dict(fields or {})
        )


def refusal(item: HoldPublic | PlacementPublic) -> str | None:
    """The ledger's refusal the step would meet now (a hold confirmed, released or run out
    meanwhile, a placement ended already: see :mod:`api.ledger`), or None while it can still be
    done. Said at the first press, so nobody is asked to confirm what can no longer happen."""
    if isinstance(item, PlacementPublic):
        return None if item.status == "active" else "placement_not_active"
    if item.status == "expired":
        return "hold_expired"
    return None if item.status == "active" else "hold_not_active"
