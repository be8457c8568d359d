"""The simulator's rules one at a time, each on a case small enough to work out by hand.

Every test here holds one rule of the hour-by-hour run or of the drawn arrivals that the larger
scenarios could break without any KPI moving visibly: who the queue serves first, which hours
count as nights, how long an emergency bed lasts, when a missed placement is put down to intake
hours, how initial residents leave, where a late surge lands and that priorities are drawn.
"""

from __future__ import annotations

from typing import Any

from engine.simulation.arrivals import draw_arrivals
from engine.simulation.kpis import PersonRecord
from engine.simulation.run import Replication, prepare
from models.scenario import Scenario
from models.shelter import Shelter
from tests.scenario_helpers import PLAIN_MIX, one_shelter, tiny

URGENT_MIX: dict[str, Any] = {**PLAIN_MIX, "priority_weights": [0, 0, 1]}


def surge(day: int, hour: int, victims: int = 1, mix: dict[str, Any] = PLAIN_MIX) -> dict[str, Any]:
    """Women found in Utrecht at ``hour`` on ``day``, all in that hour."""
    return {"type": "surge", "day": day, "hour": hour, "municipality": "Utrecht",
            "victims": victims, "mix": mix}  # fmt: skip


def people(
    scenario: Scenario, shelters: list[Shelter], kinds: dict[str, str]
) -> list[PersonRecord]:
    """What happened to each person of one replication, in order of arrival."""
    replication = Replication(prepare(scenario, shelters, kinds), 1, None, check=True)
    replication.run()
    return replication.records


def test_the_queue_serves_the_most_urgent_first_and_then_the_longest_waiting() -> None:
    # One place, taken at 10:00 by A until hour 58. Then B (priority 1, 11:00), C and D (both
    # priority 3, 12:00 and 13:00) wait: at hour 58 the place goes to C, the most urgent who has
    # waited longest. B and D give up (hours 83 and 85) before C's stay ends (hour 106).
    scenario = tiny(
        events=[surge(0, 10), surge(0, 11), surge(0, 12, mix=URGENT_MIX),
                surge(0, 13, mix=URGENT_MIX)],
    )  # fmt: skip
    prepared = prepare(scenario, one_shelter(), {})
    arrivals = draw_arrivals(scenario, prepared.clock, 1)
    assert [(a.hour, a.victim.priority) for a in arrivals] == [(10, 1), (11, 1), (12, 3), (13, 3)]
    records = people(scenario, one_shelter(), {})
    assert [r.placed for r in records] == [10, -1, 58, -1]
    assert [r.left for r in records] == [-1, 83, -1, 85]
