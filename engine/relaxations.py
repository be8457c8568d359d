"""When no shelter fits: the smallest single changes that would open at least one.

A desk that hears "nothing fits" needs to know what to ask for: a shelter that would accept
addiction, a smaller safety distance, waiting for office hours, one more free place. A change
opens a shelter only when it removes *every* reason of that shelter, so each rule's relaxation
looks at the shelters that rule alone keeps closed. How to relax a rule sits here in one function
per rule, keyed by the rule's name in :data:`RELAXERS`; the ranking asks every rule in the
contract's order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np

from engine.arrays import BoolArray, IntArray, Pairs
from engine.intake import AMSTERDAM, next_opening
from engine.rules import RULES
from models.ranking import Relaxation
from models.shelter import Shelter
from models.victim import Victim

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# A detail names at most this many shelters; ``opens`` always lists them all.
_NAMED = 3


@dataclass(frozen=True, eq=False)
class Refusals:
    """Why each shelter of a network is closed to one victim: the input of every relaxer."""

    victim: Victim
    shelters: Sequence[Shelter]  # in the order of ``pairs.shelters``
    pairs: Pairs  # the one victim against the shelters
    reasons: Mapping[str, BoolArray]  # reason code -> (S,) True where it rules the shelter out

    @cached_property
    def count(self) -> IntArray:
        """(S,) how many reason codes rule out each shelter."""
        total = np.zeros(len(self.shelters), dtype=np.int64)
        for mask in self.reasons.values():
            total += mask
        return total

    def only(self, code: str) -> BoolArray:
        """(S,) shelters that this reason code, and no other, keeps closed."""
        alone: BoolArray = self.reasons[code] & (self.count == 1)
        return alone

    def ids(self, mask: BoolArray) -> list[str]:
        """Ids of the shelters in ``mask``, sorted."""
        return sorted(self.pairs.shelters.ids[s] for s in np.flatnonzero(mask))


Relaxer = Callable[[Refusals], list[Relaxation]]


def relaxations(refusals: Refusals) -> list[Relaxation]:
    """Every rule's smallest single changes, in the contract's rule order."""
    return [found for rule in RULES for found in RELAXERS[rule.name](refusals)]


def _names(ids: Sequence[str]) -> str:
    """``S001, S004`` or ``S001, S002, S003 and 5 more``: short enough to read aloud."""
    shown = ", ".join(ids[:_NAMED])
    return shown if len(ids) <= _NAMED else f"{shown} and {len(ids) - _NAMED} more"


def _opening(refusals: Refusals, code: str, change: str) -> list[Relaxation]:
    """One relaxation for the shelters ``code`` alone keeps closed, if there are any."""
    opens = refusals.ids(refusals.only(code))
    if not opens:
        return []
    return [Relaxation(rule=code, detail=f"{_names(opens)} would need to {change}", opens=opens)]


def _gender(refusals: Refusals) -> list[Relaxation]:
    return _opening(refusals, "gender", f"take in {refusals.victim.gender}")


def _age(refusals: Refusals) -> list[Relaxation]:
    return _opening(refusals, "age", f"take in age {refusals.victim.age}")


def _children(refusals: Refusals) -> list[Relaxation]:
    count = refusals.victim.children
    return _opening(
        refusals, "children", f"take in {'a child' if count == 1 else f'{count} children'}"
    )


def _conditions(refusals: Refusals) -> list[Relaxation]:
    """One relaxation per missing condition: which shelters would need to accept it."""
    return [
        found
        for code in refusals.reasons
        if code.startswith("condition:")
        for found in _opening(refusals, code, f"accept {code.removeprefix('condition:')}")
    ]


def _programme(refusals: Refusals) -> list[Relaxation]:
    """One relaxation per programme: eligibility for it opens that programme's shelters."""
    closed = refusals.only("programme")
    arrays = refusals.pairs.shelters
    found: list[Relaxation] = []
    for p, programme in enumerate(arrays.programme_vocabulary):
        opens = refusals.ids(closed & (arrays.programme == p))
        if opens:
            detail = f"the victim would need eligibility for programme '{programme}'"
            found.append(Relaxation(rule="programme", detail=detail, opens=opens))
    return found


def _security(refusals: Refusals) -> list[Relaxation]:
    """Per danger zone, the largest ``min_km`` that would open a shelter.

    Relaxing one zone opens only shelters that no other zone (and no other rule) keeps closed.
    """
    victims = refusals.pairs.victims
    if not len(victims.zone_min_km):
        return []
    distance = refusals.pairs.zone_distance_km  # (Z, S), rows in the victim's zone order
    too_close = distance < victims.zone_min_km[:, None]
    candidates = refusals.only("security") & (too_close.sum(axis=0) == 1)
    found: list[Relaxation] = []
    for z, min_km in enumerate(victims.zone_min_km.tolist()):
        reachable = candidates & too_close[z]
        if not reachable.any():
            continue
        reach = float(distance[z][reachable].max())
        opens = refusals.ids(reachable & (distance[z] >= reach))
        shown = math.floor(reach * 10) / 10  # rounded down, so the stated distance does open
        change = f"at {shown:.1f} km" if shown > 0 else "dropped"
        detail = f"danger zone {z} {change} instead of {min_km:g} km"
        found.append(Relaxation(rule="security", detail=detail, opens=opens))
    return found


def _intake_hours(refusals: Refusals) -> list[Relaxation]:
    """The shelters closed only for intakes now, and when the first of them opens."""
    now = refusals.pairs.shelters.now
    closed = refusals.only("intake_hours")
    if now is None or not closed.any():
        return []
    openings = {
        s: next_opening(refusals.shelters[s].intake, now) for s in np.flatnonzero(closed).tolist()
    }
    times = [moment for moment in openings.values() if moment is not None]
    opens = refusals.ids(closed)
    if times:
        earliest = min(times)
        first = sorted(refusals.pairs.shelters.ids[s] for s, t in openings.items() if t == earliest)
        detail = f"intake from {_local_time(earliest)} at {_names(first)}"
    else:
        detail = f"no intake hours at all at {_names(opens)}"
    return [Relaxation(rule="intake_hours", detail=detail, opens=opens)]


def _local_time(moment: datetime) -> str:
    """``Mon 30 Nov 09:00`` in Amsterdam time, independent of the process's locale."""
    local = moment.astimezone(AMSTERDAM)
    weekday, month = _WEEKDAYS[local.weekday()], _MONTHS[local.month - 1]
    return f"{weekday} {local.day:02d} {month} {local.hour:02d}:{local.minute:02d}"


def _avoid(refusals: Refusals) -> list[Relaxation]:
    """The shelters closed only by a resident; the detail never says who that is."""
    opens = refusals.ids(refusals.only("avoid"))
    if not opens:
        return []
    detail = f"{_names(opens)}: a resident the victim must avoid lives there"
    return [Relaxation(rule="avoid", detail=detail, opens=opens)]


def _capacity(refusals: Refusals) -> list[Relaxation]:
    """One relaxation per shortfall, fewest missing places first."""
    closed = refusals.only("capacity")
    shortfall = refusals.pairs.victims.demand[0] - refusals.pairs.shelters.free
    found: list[Relaxation] = []
    for missing in sorted(set(shortfall[closed].tolist())):
        opens = refusals.ids(closed & (shortfall == missing))
        places = "place" if missing == 1 else "places"
        detail = f"{_names(opens)} would need {missing} more free {places}"
        found.append(Relaxation(rule="capacity", detail=detail, opens=opens))
    return found


RELAXERS: dict[str, Relaxer] = {
    "gender": _gender,
    "age": _age,
    "children": _children,
    "condition": _conditions,
    "programme": _programme,
    "security": _security,
    "intake_hours": _intake_hours,
    "avoid": _avoid,
    "capacity": _capacity,
}
