"""The desk's policies: how waiting people are matched to free places at one moment.

Each policy calls the engine the desk itself uses, never a copy of its rules: ``rank`` asks
:class:`engine.ranking.Ranker` for each person in turn (most urgent first) and takes the best
option; ``batch`` hands everyone waiting to :func:`engine.solve.solve` at once; ``greedy`` hands
them to the same entry point with the greedy method, which is today's phone-around. A person is only
offered to the engine when the engine's own hard-rule masks leave a shelter that is open for
intakes and has room, which skips the calls that could not place anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import numpy as np

from engine.arrays import BoolArray, IntArray, Pairs, ShelterArrays, compile_victims
from engine.ranking import Ranker
from engine.solve import Method, solve
from engine.verdicts import reason_masks
from models.instance import Instance, Objective
from models.scenario import Policy
from models.shelter import Shelter
from models.victim import Victim


class DeskError(RuntimeError):
    """The engine's ranking disagrees with its own rule masks (a bug, never a shortage)."""


@dataclass(frozen=True, eq=False)
class Candidate:
    """A waiting person the engine may be able to place now.

    ``fits`` marks the shelters (network positions) whose hard rules, other than room, let this
    person in now: a person is only put to the engine while one of them has room.
    """

    person: int
    victim: Victim
    fits: BoolArray


@dataclass(frozen=True, eq=False)
class Moment:
    """The network as the desk sees it at one hour: places, intake hours, who is waiting.

    ``shelters`` has every shelter of the network (by position) with its capacity and occupancy
    now; ``open_now`` marks those taking intakes in this hour. The engine is asked without a
    moment, about open shelters only: the same options as ranking the whole network at that
    moment (a shelter's options never depend on other shelters), at a fraction of the cost.
    """

    shelters: Sequence[Shelter]
    open_now: BoolArray
    free: IntArray  # free places of every shelter, by position
    candidates: Sequence[Candidate]  # most urgent first

    def offered(self, mask: BoolArray) -> list[Shelter]:
        """The shelters in ``mask``, as the desk hands them to the engine."""
        return [self.shelters[s] for s in np.flatnonzero(mask).tolist()]

    def useful(self) -> BoolArray:
        """Open shelters with room that the rules allow for at least one candidate.

        The others cannot take part in any plan, so leaving them out changes no plan (greedy's
        tie-breaks and the optimum alike) and saves the engine from checking them.
        """
        mask = np.zeros(len(self.shelters), dtype=np.bool_)
        for candidate in self.candidates:
            mask |= candidate.fits & (self.free >= candidate.victim.places_needed)
        return mask

    @cached_property
    def index(self) -> dict[str, int]:
        """Shelter id -> position."""
        return {shelter.id: s for s, shelter in enumerate(self.shelters)}


class Desk(Protocol):
    """A placement policy: which candidates go to which shelter (by position) now."""

    def decide(self, moment: Moment) -> list[tuple[int, int]]:
        """``(person, shelter)`` pairs; the caller moves the people."""
        ...


class RankDesk:
    """One person at a time, most urgent first, to the engine ranking's best option."""

    def decide(self, moment: Moment) -> list[tuple[int, int]]:
        """Rank each candidate against the places left after the ones before.

        Only the shelters whose other rules let the person in and that have room are handed to
        the ranking (it re-checks every rule on them): its options are those of the whole
        network, since a shelter's place in the options depends on nothing but itself.
        """
        shelters = list(moment.shelters)
        free = moment.free.copy()
        chosen: list[tuple[int, int]] = []
        for candidate in moment.candidates:
            needed = candidate.victim.places_needed
            room = candidate.fits & (free >= needed)
            if not room.any():
                continue  # the people before took the last place that fitted
            offered = [shelters[s] for s in np.flatnonzero(room).tolist()]
            ranking = Ranker(offered, None).rank(candidate.victim)
            if not ranking.options:
                raise DeskError(f"the ranking offers no place to {candidate.victim.id}")
            best = moment.index[ranking.options[0].shelter]
            chosen.append((candidate.person, best))
            free[best] -= needed
            taken = shelters[best].occupied + needed
            shelters[best] = shelters[best].model_copy(update={"occupied": taken})
        return chosen


class PlanDesk:
    """Everyone waiting at once, through the engine's plan entry point with ``method``."""

    def __init__(self, method: Method, time_limit: float) -> None:
        self.method = method
        self.time_limit = time_limit

    def decide(self, moment: Moment) -> list[tuple[int, int]]:
        """Plan the candidates together; the plan's order of victims is the urgency order."""
        if not moment.candidates:
            return []
        instance = Instance(
            format="safeplace.instance/1",
            now=None,
            shelters=moment.offered(moment.useful()),
            victims=[c.victim for c in moment.candidates],
        )
        plan = solve(instance, time_limit=self.time_limit, method=self.method)
        person = {c.victim.id: c.person for c in moment.candidates}
        return [(person[a.victim], moment.index[a.shelter]) for a in plan.assignments]


def make_desk(policy: Policy) -> Desk:
    """The desk for a scenario's policy."""
    if policy.kind == "rank":
        return RankDesk()
    if policy.kind == "batch":
        return PlanDesk("auto", policy.time_limit_seconds)
    return PlanDesk("greedy", policy.time_limit_seconds)


STATIC_RULES_SKIPPED = ("capacity", "intake_hours")


def static_fit(shelters: ShelterArrays, victims: Sequence[Victim]) -> BoolArray:
    """(V, S) shelters the engine's hard rules allow, leaving out room and intake hours.

    Those two change by the hour; everything else about a person and a shelter stays fixed while
    the person waits, so this is worked out once for everyone with the engine's own rule masks.
    """
    pairs = Pairs(compile_victims(list(victims), shelters), shelters, Objective())
    ok = np.ones((len(victims), len(shelters)), dtype=np.bool_)
    for code, mask in reason_masks(pairs).items():
        if code not in STATIC_RULES_SKIPPED:
            ok &= ~mask
    return ok
