"""Solvers of the placement problem, all on the same compatible pairs (:mod:`.problem`).

- :mod:`.flow`: min-cost flow, exact and fast when nobody brings children and no two victims who
  avoid each other could meet (a transportation problem); :mod:`.pricing` proves a flow on each
  victim's cheapest options optimal for all pairs;
- :mod:`.cpsat`: the general case, under a time limit: LP relaxations (:mod:`.lp`), the flow
  relaxation (:mod:`.relaxed_flow`), LP rounding (:mod:`.rounding`) and CP-SAT (:mod:`.cpmodel`)
  on the pairs that can matter;
- :mod:`.greedy`: today's practice, as the baseline the others are measured against.

Each returns an assignment: victim row -> shelter index, -1 when not placed.
"""
