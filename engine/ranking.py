"""Rank one victim against the shelters as they are now: "where can she go, and why not elsewhere?"

The desk asks this for one person at a time against the whole national network, so
:class:`Ranker` compiles the shelters once and then ranks each victim with the same vectorised
rules the solvers use (:mod:`engine.verdicts`): what the ranking offers and what a plan may use can
never disagree. Other victims of an instance play no part here; only free places count.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from engine.arrays import BoolArray, Pairs, compile_shelters, compile_victims, shelters_at
from engine.relaxations import Change, Refusals, relaxations
from engine.verdicts import compatible, reason_masks
from models.instance import Instance, Objective
from models.ranking import Ranking
from models.shelter import Shelter
from models.victim import Victim


class UnknownVictim(KeyError):
    """The victim id names no victim of the instance; the message suggests close ids."""

    def __init__(self, victim_id: str, known: Sequence[str]) -> None:
        super().__init__(victim_id)
        self.victim_id = victim_id
        close = difflib.get_close_matches(victim_id, list(known), n=3, cutoff=0.6)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        self.message = f"unknown victim '{victim_id}'{hint}"

    def __str__(self) -> str:
        # KeyError would quote the whole message; this one is meant to be read as it is.
        return self.message


@dataclass(frozen=True)
class Explained:
    """A ranking, and its relaxations as data (:class:`~engine.relaxations.Change`) for those
    who put them into other words than the contract's English."""

    ranking: Ranking
    changes: list[Change]


class Ranker:
    """The shelters compiled once, ready to rank any number of victims against them.

    ``now`` fixes which shelters take intakes (None: intake hours are not checked), ``objective``
    the weights of the cost. :meth:`at` gives the same compiled shelters at another moment.
    """

    def __init__(
        self, shelters: Sequence[Shelter], now: datetime | None, objective: Objective | None = None
    ) -> None:
        self.shelters = tuple(shelters)
        self.objective = objective if objective is not None else Objective()
        self.arrays = compile_shelters(list(self.shelters), now)
        ids = self.arrays.ids
        # Shelters in id order, and each one's place in it: the excluded order and the tie-break
        # of equal costs.
        self._by_id = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
        self._id_rank = np.empty_like(self._by_id)
        self._id_rank[self._by_id] = np.arange(len(ids))

    def at(self, now: datetime | None) -> Ranker:
        """This ranker at another moment: the shelters are not compiled again, only which of
        them take intakes at ``now`` (the service ranks every request against one compiled
        network, each at its own time)."""
        if now == self.arrays.now:
            return self
        moved = copy.copy(self)
        moved.arrays = shelters_at(self.arrays, now)
        return moved

    def fitting(self, victims: Sequence[Victim], among: Collection[str] | None = None) -> list[int]:
        """How many shelters each victim may go to: the number of :meth:`rank`'s options, for a
        whole waiting list in one vectorised pass (no ranking, no reasons); counting only the
        shelters whose ids are in ``among``, when given (those a public holiday leaves open for
        sure, say)."""
        if not victims:
            return []
        pairs = Pairs(compile_victims(list(victims), self.arrays), self.arrays, self.objective)
        fits = compatible(pairs)
        if among is not None:
            fits = fits[:, np.array([shelter in among for shelter in self.arrays.ids], dtype=bool)]
        counts: list[int] = fits.sum(axis=1).tolist()
        return counts

    def rank(self, victim: Victim) -> Ranking:
        """Every shelter the victim may go to, cheapest first, and why the others are closed.

        A ``current`` shelter outside this network makes every option a move, as the formula says.
        """
        return self.explain(victim).ranking

    def explain(self, victim: Victim) -> Explained:
        """:meth:`rank`, with the relaxations also as data."""
        arrays = self.arrays
        pairs = Pairs(compile_victims([victim], arrays), arrays, self.objective)
        reasons = {code: mask[0] for code, mask in reason_masks(pairs).items()}
        codes = list(reasons)
        blocked = np.array([reasons[c] for c in codes])
        open_ = np.count_nonzero(blocked, axis=0) == 0

        fitting = np.flatnonzero(open_)
        cost = pairs.cost[0]
        fitting = fitting[np.lexsort((self._id_rank[fitting], cost[fitting]))]
        distance: list[float | None] = (
            pairs.distance_km[0, fitting].tolist()
            if victim.location is not None
            else [None] * len(fitting)
        )
        options = [
            {"shelter": arrays.ids[s], "cost": c, "distance_km": d, "free": f}
            for s, c, d, f in zip(
                fitting.tolist(),
                cost[fitting].tolist(),
                distance,
                arrays.free[fitting].tolist(),
                strict=True,
            )
        ]

        # Excluded shelters in id order; nonzero walks them row by row, codes in contract order.
        closed = self._by_id[~open_[self._by_id]]
        per_shelter: BoolArray = blocked[:, closed].T
        names = np.array(codes, dtype=object)[np.nonzero(per_shelter)[1]].tolist()
        ends = np.cumsum(per_shelter.sum(axis=1)).tolist()
        excluded = [
            {"shelter": arrays.ids[s], "reasons": names[start:end]}
            for s, start, end in zip(closed.tolist(), [0, *ends][:-1], ends, strict=True)
        ]

        changes: list[Change] = []
        if not options:
            changes = relaxations(Refusals(victim, self.shelters, pairs, reasons))
        # One validation of plain data: a fifth of the time of building 2,000 models one by one.
        ranking = Ranking.model_validate(
            {
                "victim": victim.id,
                "options": options,
                "excluded": excluded,
                "relaxations": [change.relaxation() for change in changes],
            }
        )
        return Explained(ranking, changes)


def rank(instance: Instance, victim_id: str) -> Ranking:
    """Rank one victim of the instance against its shelters; :class:`UnknownVictim` if absent."""
    try:
        victim = instance.victim(victim_id)
    except KeyError:
        raise UnknownVictim(victim_id, [v.id for v in instance.victims]) from None
    return Ranker(instance.shelters, instance.now, instance.objective).rank(victim)
