"""When no shelter fits: the smallest single changes that would open at least one.

A desk that hears "nothing fits" needs to know what to ask for: a shelter that would accept
addiction, a smaller safety distance, waiting for office hours, one more free place. A change
opens a shelter only when it removes *every* reason of that shelter, so each rule's relaxation
looks at the shelters that rule alone keeps closed. How to relax a rule sits here in one function
per rule, keyed by the rule's name in :data:`RELAXERS`; the ranking asks every rule in the
contract's order.

A change is found as data (:class:`Change`: which rule, which shelters, and the numbers that say
how far) and only then put into the contract's English words (:meth:`Change.relaxation`), so that
the desk's pages can say the same change in Dutch without reading an English sentence back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
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


@dataclass(frozen=True)
class Change:
    """One single change that would open the shelters ``opens``: the rule (reason code) it lifts
    and, where the rule's name is not enough, how far."""

    rule: str
    opens: tuple[str, ...]
    # gender, age, children: what the shelters would need to take in; programme: its name.
    wanted: str | int | None = None
    # security: the danger zone (in the victim's order), its distance now, and the distance
    # that opens (rounded down to 0.1 km, so that it does open; 0.0: only dropping it does).
    zone: int | None = None
    min_km: float | None = None
    km: float | None = None
    # intake_hours: the first intake moment and the shelters taking it (None: no hours at all).
    intake: datetime | None = None
    first: tuple[str, ...] = ()
    # capacity: how many free places the shelters are short.
    missing: int | None = None

    def relaxation(self) -> Relaxation:
        """The change as the contract states it, with its detail in English."""
        return Relaxation(rule=self.rule, detail=self._detail(), opens=list(self.opens))

    def _detail(self) -> str:
        names = _names(self.opens)
        match self.rule:
            case "gender":
                return f"{names} would need to take in {self.wanted}"
            case "age":
                return f"{names} would need to take in age {self.wanted}"
            case "children":
                children = "a child" if self.wanted == 1 else f"{self.wanted} children"
                return f"{names} would need to take in {children}"
            case "programme":
                return f"the victim would need eligibility for programme '{self.wanted}'"
            case "security":
                change = f"at {self.km:.1f} km" if self.km else "dropped"
                return f"danger zone {self.zone} {change} instead of {self.min_km:g} km"
            case "intake_hours" if self.intake is not None:
                return f"intake from {_local_time(self.intake)} at {_names(self.first)}"
            case "intake_hours":
                return f"no intake hours at all at {names}"
            case "avoid":
                return f"{names}: a resident the victim must avoid lives there"
            case "capacity":
                places = "place" if self.missing == 1 else "places"
                return f"{names} would need {self.missing} more free {places}"
            case _:  # a condition
                return f"{names} would need to accept {self.rule.removeprefix('condition:')}"


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

    def ids(self, mask: BoolArray) -> tuple[str, ...]:
        """Ids of the shelters in ``mask``, sorted."""
        return tuple(sorted(self.pairs.shelters.ids[s] for s in np.flatnonzero(mask)))


Relaxer = Callable[[Refusals], list[Change]]


def relaxations(refusals: Refusals) -> list[Change]:
    """Every rule's smallest single changes, in the contract's rule order."""
    return [found for rule in RULES for found in RELAXERS[rule.name](refusals)]


def _names(ids: Sequence[str]) -> str:
    """``S001, S004`` or ``S001, S002, S003 and 5 more``: short enough to read aloud."""
    shown = ", ".join(ids[:_NAMED])
    return shown if len(ids) <= _NAMED else f"{shown} and {len(ids) - _NAMED} more"


def _opening(refusals: Refusals, code: str, wanted: str | int | None = None) -> list[Change]:
    """One change for the shelters ``code`` alone keeps closed, if there are any."""
    opens = refusals.ids(refusals.only(code))
    return [Change(rule=code, opens=opens, wanted=wanted)] if opens else []


def _gender(refusals: Refusals) -> list[Change]:
    return _opening(refusals, "gender", refusals.victim.gender)


def _age(refusals: Refusals) -> list[Change]:
    return _opening(refusals, "age", refusals.victim.age)


def _children(refusals: Refusals) -> list[Change]:
    return _opening(refusals, "children", refusals.victim.children)


def _conditions(refusals: Refusals) -> list[Change]:
    """One change per missing condition: which shelters would need to accept it."""
    return [
        found
        for code in refusals.reasons
        if code.startswith("condition:")
        for found in _opening(refusals, code)
    ]


def _programme(refusals: Refusals) -> list[Change]:
    """One change per programme: eligibility for it opens that programme's shelters."""
    closed = refusals.only("programme")
    arrays = refusals.pairs.shelters
    found: list[Change] = []
    for p, programme in enumerate(arrays.programme_vocabulary):
        opens = refusals.ids(closed & (arrays.programme == p))
        if opens:
            found.append(Change(rule="programme", opens=opens, wanted=programme))
    return found


def _security(refusals: Refusals) -> list[Change]:
    """Per danger zone, the largest ``min_km`` that would open a shelter.

    Relaxing one zone opens only shelters that no other zone (and no other rule) keeps closed.
    """
    victims = refusals.pairs.victims
    if not len(victims.zone_min_km):
        return []
    distance = refusals.pairs.zone_distance_km  # (Z, S), rows in the victim's zone order
    too_close = distance < victims.zone_min_km[:, None]
    candidates = refusals.only("security") & (too_close.sum(axis=0) == 1)
    found: list[Change] = []
    for z, min_km in enumerate(victims.zone_min_km.tolist()):
        reachable = candidates & too_close[z]
        if not reachable.any():
            continue
        reach = float(distance[z][reachable].max())
        opens = refusals.ids(reachable & (distance[z] >= reach))
        km = math.floor(reach * 10) / 10  # rounded down, so the stated distance does open
        found.append(Change(rule="security", opens=opens, zone=z, min_km=min_km, km=km))
    return found


def _intake_hours(refusals: Refusals) -> list[Change]:
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
    if not times:
        return [Change(rule="intake_hours", opens=opens)]
    # Compared as instants: Amsterdam wall clocks alone cannot tell the repeated autumn hour apart.
    earliest = min(times, key=_instant)
    first = sorted(
        refusals.pairs.shelters.ids[s]
        for s, t in openings.items()
        if t is not None and _instant(t) == _instant(earliest)
    )
    return [Change(rule="intake_hours", opens=opens, intake=earliest, first=tuple(first))]


def _instant(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _local_time(moment: datetime) -> str:
    """``Mon 30 Nov 09:00`` in Amsterdam time, independent of the process's locale."""
    local = moment.astimezone(AMSTERDAM)
    weekday, month = _WEEKDAYS[local.weekday()], _MONTHS[local.month - 1]
    return f"{weekday} {local.day:02d} {month} {local.hour:02d}:{local.minute:02d}"


def _avoid(refusals: Refusals) -> list[Change]:
    """The shelters closed only by a resident; the change never says who that is."""
    return _opening(refusals, "avoid")


def _capacity(refusals: Refusals) -> list[Change]:
    """One change per shortfall, fewest missing places first."""
    closed = refusals.only("capacity")
    shortfall = refusals.pairs.victims.demand[0] - refusals.pairs.shelters.free
    return [
        Change(
            rule="capacity", opens=refusals.ids(closed & (shortfall == missing)), missing=missing
        )
        for missing in sorted(set(shortfall[closed].tolist()))
    ]


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
