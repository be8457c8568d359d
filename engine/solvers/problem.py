"""The placement problem as the solvers see it: compatible pairs with integer costs.

Every solver works on the same list of compatible pairs (victim row, shelter index), so no solver
can ever consider a pair the hard rules forbid. Costs are scaled to integers because the flow and
CP-SAT solvers are exact in integers: a solver's optimum is then optimal for the rounded costs, and
the plan reports the exact float cost of the contract's formula. Rounding moves each pair's cost by
at most ``0.5 / scale``, so a plan optimal for the rounded costs is within ``placed / scale`` of the
float optimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.arrays import BoolArray, FloatArray, IntArray, Pairs
from engine.verdicts import compatible
from models.instance import Instance

# Integer cost units per unit of the contract's cost; milli-units unless the totals would not fit.
PREFERRED_SCALE = 1000.0
# Headroom under 2**63 for every integer objective the solvers form (flow multiplies its largest
# arc cost by the number of nodes when scaling, so that product must fit as well).
INT_LIMIT = 2**62


@dataclass(frozen=True, eq=False)
class Problem:
    """Compatible pairs, sorted by victim then shelter, with everything a solver needs."""

    pairs: Pairs
    compatible: BoolArray  # (V, S)
    victim: IntArray  # (P,) victim row of each compatible pair
    shelter: IntArray  # (P,) shelter index of each compatible pair
    cost: IntArray  # (P,) scaled, rounded cost of each pair
    scale: float  # integer cost units per unit of the contract's cost
    avoid: IntArray  # (A, 2) victim rows (a < b) that avoid each other and share a shelter option

    @property
    def num_victims(self) -> int:
        """Victims of the instance (rows)."""
        return len(self.pairs.victims)

    @property
    def num_shelters(self) -> int:
        """Shelters of the instance (columns)."""
        return len(self.pairs.shelters)

    @property
    def demand(self) -> IntArray:
        """Places each victim takes at one shelter."""
        return self.pairs.victims.demand

    @property
    def priority(self) -> IntArray:
        """First-level weight of placing each victim."""
        return self.pairs.victims.priority

    @property
    def free(self) -> IntArray:
        """Free places of each shelter before this plan."""
        return self.pairs.shelters.free

    @cached_property
    def cost_bound(self) -> int:
        """An upper bound on the scaled cost of any plan: every victim at its dearest option."""
        return int(per_victim_max(self.cost, self.victim).sum())

    @cached_property
    def is_transport(self) -> bool:
        """True when only single places are asked for and no avoid pair can meet at a shelter.

        Then the problem is a transportation problem that min-cost flow solves exactly; children
        of a victim with no option at all and avoid pairs without a shared option do not count.
        """
        has_option = np.zeros(self.num_victims, dtype=np.bool_)
        has_option[self.victim] = True
        return not bool(np.any(has_option & (self.demand > 1))) and len(self.avoid) == 0

    @cached_property
    def pair_keys(self) -> IntArray:
        """``victim * shelters + shelter`` of every pair, ascending (the pairs' own order): made
        once, since the searches look plans up in it over and over (at millions of pairs making
        it took 30 ms a time)."""
        keys: IntArray = self.victim * self.num_shelters + self.shelter
        return keys

    def placed_priority(self, assignment: IntArray) -> int:
        """First level of the objective for ``assignment``: the priority of everyone placed."""
        return int(self.priority[assignment >= 0].sum())

    def plan_cost(self, assignment: IntArray) -> int:
        """Second level: the scaled integer cost of the pairs ``assignment`` uses."""
        return int(self.cost[self.pair_index(assignment)].sum())

    def order_key(self, assignment: IntArray) -> tuple[int, int]:
        """Sorts plans as the contract ranks them: most priority placed, then cheapest."""
        return -self.placed_priority(assignment), self.plan_cost(assignment)

    def pair_index(self, assignment: IntArray) -> IntArray:
        """Index into the pair arrays of each placed victim's pair (placed victims in row order)."""
        rows = np.flatnonzero(assignment >= 0)
        index = np.searchsorted(self.pair_keys, rows * self.num_shelters + assignment[rows])
        return np.asarray(index, dtype=np.int64)


def build_problem(instance: Instance, pairs: Pairs) -> Problem:
    """Compatible pairs, integer costs and the avoid pairs that matter, from a compiled instance."""
    ok = compatible(pairs)
    victim, shelter = np.nonzero(ok)
    float_cost = pairs.cost[victim, shelter]
    scale = choose_scale(float_cost, victim, len(pairs.victims), len(pairs.shelters))
    return Problem(
        pairs=pairs,
        compatible=ok,
        victim=victim.astype(np.int64),
        shelter=shelter.astype(np.int64),
        cost=np.rint(float_cost * scale).astype(np.int64),
        scale=scale,
        avoid=avoid_pairs(instance, ok),
    )


def choose_scale(cost: FloatArray, victim: IntArray, victims: int, shelters: int) -> float:
    """The largest power of ten up to milli-units for which every integer objective fits.

    The flow solver's largest arc cost is three times the big-M that makes a priority point worth
    more than any total cost (``engine.solvers.flow``), and it multiplies that by the node count.
    """
    total = float(per_victim_max(cost, victim).sum())
    scale = PREFERRED_SCALE
    while scale > 1e-12:
        big_m = total * scale + victims + 1  # rounding adds at most 1/2 per victim
        if (3 * big_m + 1) * (victims + shelters + 2) < INT_LIMIT:
            return scale
        scale /= 10.0
    raise ValueError("costs are too large to scale to 64-bit integers")


def avoid_pairs(instance: Instance, ok: BoolArray) -> IntArray:
    """Victim row pairs (a < b) where one avoids the other and both may go to some shelter.

    Between victims of the instance ``avoid`` is symmetric; a pair without a shared option can
    never meet, so it constrains nothing.
    """
    row = {victim.id: v for v, victim in enumerate(instance.victims)}
    found = sorted(
        {
            (min(a, row[other]), max(a, row[other]))
            for a, victim in enumerate(instance.victims)
            for other in victim.avoid
            if other in row
        }
    )
    kept = [(a, b) for a, b in found if bool(np.any(ok[a] & ok[b]))]
    return np.array(kept, dtype=np.int64).reshape(-1, 2)


def per_victim_max(values: NDArray[Any], victim: IntArray) -> NDArray[Any]:
    """Largest value of each victim that has pairs (``victim`` sorted ascending)."""
    if not len(victim):
        return values[:0]
    starts = np.flatnonzero(np.r_[True, victim[1:] != victim[:-1]])
    return np.maximum.reduceat(values, starts)


def meets_someone_avoided(
    problem: Problem, assignment: IntArray, inside: BoolArray, pairs: IntArray
) -> BoolArray:
    """Per pair: would its victim share the shelter with someone it avoids who stays put?

    ``inside`` marks the victims being re-planned; everyone else placed stays where
    ``assignment`` has them. (Victims re-planned together are kept apart by the search itself.)
    """
    a, b = problem.avoid[:, 0], problem.avoid[:, 1]
    movers = np.r_[a, b]
    stayers = np.r_[b, a]
    keep = inside[movers] & ~inside[stayers] & (assignment[stayers] >= 0)
    blocked = movers[keep] * problem.num_shelters + assignment[stayers[keep]]
    keys = problem.victim[pairs] * problem.num_shelters + problem.shelter[pairs]
    meets: BoolArray = np.isin(keys, blocked)
    return meets
