"""Where to add places: the cells (police unit x profile) whose people spend most nights unsuitably.

A new place can spare at most one unsuitable night per night, so the places go one at a time to
the cell with the most nights still unspared (its measured nights minus the nights of the places it
already got). Each cell becomes one new location for that profile in the unit's largest city, which
accepts the profile's condition and every condition after it in the contract's order: a person's
profile is their first condition, so every person of the cell fits it. The alternative, the same
number of places spread over all shelters in proportion to their size, is what a flat budget
increase does; simulating both on the same seeds shows what targeting is worth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from engine.simulation.kpis import YOUTH
from engine.simulation.network import Network
from models.codes import CONDITIONS, GENDERS
from models.scenario import AddPlacesEvent, CapacityEvent, Event, Scenario, Where
from models.scenario_result import Estimate

_SEPARATOR = " | "


def advice_events(
    nights_by_cell: Mapping[str, Estimate], places: int, measured_days: int
) -> list[AddPlacesEvent]:
    """New places for the cells with most unsuitable nights, ``places`` in all."""
    left = {key: estimate.mean for key, estimate in nights_by_cell.items() if estimate.mean > 0}
    given: Counter[str] = Counter()
    for _ in range(places):
        if not left:
            break
        best = max(sorted(left), key=lambda key: left[key])
        given[best] += 1
        left[best] -= measured_days
        if left[best] <= 0:
            del left[best]
    return [_event(key, count) for key, count in sorted(given.items())]


def _event(key: str, places: int) -> AddPlacesEvent:
    unit, profile = key.split(_SEPARATOR)
    gender, condition, *minor = (part.strip() for part in profile.split("/"))
    accepts = list(CONDITIONS[CONDITIONS.index(condition) :]) if condition in CONDITIONS else []
    return AddPlacesEvent(
        type="add_places",
        police_unit=unit,
        gender=GENDERS[GENDERS.index(gender)],
        conditions=accepts,
        places=places,
        youth=minor == [YOUTH],
    )


def pro_rata_events(network: Network, places: int) -> list[CapacityEvent]:
    """The same number of places spread over all shelters in proportion to their size."""
    base = [int(c) for c in network.base_capacity]
    total = sum(base)
    if total == 0 or places == 0:
        return []
    exact = [places * c / total for c in base]
    shares = [int(x) for x in exact]
    order = sorted(range(len(base)), key=lambda s: (-(exact[s] - shares[s]), s))
    for s in order[: places - sum(shares)]:
        shares[s] += 1
    return [
        CapacityEvent(type="capacity", where=Where(shelter=network.shelters[s].id), places=count)
        for s, count in enumerate(shares)
        if count
    ]


def with_events(scenario: Scenario, events: list[AddPlacesEvent] | list[CapacityEvent]) -> Scenario:
    """The scenario with extra events, and a name that says so."""
    extra: list[Event] = list(events)
    return scenario.model_copy(update={"events": [*scenario.events, *extra]})
