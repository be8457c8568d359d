"""What a scenario names in its network: every kind, programme and shelter must be there.

A kind, programme or shelter the network does not have, or an emergency bed where a placement
shelter is meant, selects nothing, and the scenario would quietly simulate the baseline under
another name. A scenario may name a network file, so these checks run once the network is known,
on the network as the simulation builds it, and each problem names the scenario's field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.simulation.network import ADDED_KIND, Network, build_network, kind_of
from engine.simulation.timeline import selected
from models.errors import InputProblem, suggest
from models.scenario import (
    AddPlacesEvent,
    CapacityEvent,
    ClosureEvent,
    IntakeEvent,
    Scenario,
    Where,
)
from models.shelter import Shelter

_NO_EFFECT = "the event would change nothing"


def network_problems(
    scenario: Scenario, shelters: Sequence[Shelter], kinds: Mapping[str, str]
) -> list[InputProblem]:
    """Every name in ``scenario`` that selects nothing in the network of ``shelters``."""
    network = build_network(scenario, shelters, kinds)
    everywhere = {
        "kind": {kind_of(shelter, kinds) for shelter in shelters},
        "programme": {shelter.programme for shelter in shelters if shelter.programme},
        "shelter": {shelter.id for shelter in shelters},
    }
    placement_kinds = set(network.kinds) - {ADDED_KIND}
    problems = _placements(scenario, network)
    problems += _fallback(scenario, everywhere["kind"])
    problems += _share_open(scenario, placement_kinds)
    problems += _stays(scenario, network)
    for index, event in enumerate(scenario.events):
        if isinstance(event, CapacityEvent | IntakeEvent):
            problems += _where(network, event.where, f"events[{index}].where", everywhere)
        elif isinstance(event, ClosureEvent):
            where = Where(shelter=event.shelter)
            problems += _where(network, where, f"events[{index}]", everywhere)
    return problems


def _placements(scenario: Scenario, network: Network) -> list[InputProblem]:
    """A network without a single place to be placed in would report everyone unplaced, which
    says nothing about any shortage."""
    if int(network.base_capacity.sum()) > 0 or any(
        isinstance(event, AddPlacesEvent) or (isinstance(event, CapacityEvent) and event.places > 0)
        for event in scenario.events
    ):
        return []
    field = "network.file" if scenario.network.file is not None else "network"
    return [InputProblem(field, "the network has no placement shelter with a place open")]


def _fallback(scenario: Scenario, every_kind: set[str]) -> list[InputProblem]:
    """An emergency kind the network lacks would turn its emergency beds into placements; only a
    kind the scenario names itself is checked, since a network may have no emergency beds."""
    kind = scenario.fallback.emergency_kind
    named = "emergency_kind" in scenario.fallback.model_fields_set
    if kind is None or kind in every_kind or not named:
        return []
    message = f"no shelter of kind '{kind}' in the network{suggest(kind, every_kind)}"
    return [InputProblem("fallback.emergency_kind", f"{message}; its kinds: {_listed(every_kind)}")]


def _share_open(scenario: Scenario, placement_kinds: set[str]) -> list[InputProblem]:
    problems: list[InputProblem] = []
    for kind in scenario.network.share_open:
        if kind in placement_kinds:
            continue
        if kind == scenario.fallback.emergency_kind:
            message = "emergency beds are no placement places: share_open does not apply to them"
        else:
            message = (
                f"no placement shelter of kind '{kind}'{suggest(kind, placement_kinds)}; "
                f"the kinds: {_listed(placement_kinds)}"
            )
        problems.append(InputProblem(f"network.share_open.{kind}", message))
    return problems


def _stays(scenario: Scenario, network: Network) -> list[InputProblem]:
    """Stays are looked up by kind, then programme, then ``default``; any other key is unused.
    The defaults are not checked: a network file need not have COSM places."""
    if "length_of_stay" not in scenario.model_fields_set:
        return []
    known = {"default", *network.kinds, *_programmes(network)}
    problems: list[InputProblem] = []
    for key in scenario.length_of_stay:
        if key in known:
            continue
        if key == scenario.fallback.emergency_kind:
            message = "emergency beds are no placement: a stay there ends at emergency_max_days"
        else:
            message = (
                f"no placement shelter of kind or programme '{key}'{suggest(key, known)}; "
                f"the keys: {_listed(known)}"
            )
        problems.append(InputProblem(f"length_of_stay.{key}", message))
    return problems


def _where(
    network: Network, where: Where, prefix: str, everywhere: Mapping[str, set[str]]
) -> list[InputProblem]:
    """Nothing if ``where`` selects a placement shelter, else why it selects none."""
    if selected(network, where).any():
        return []
    field, value = next((name, value) for name, value in where if value is not None)
    path = f"{prefix}.{field}"
    known = everywhere.get(field)
    if known is None:
        message = f"no placement shelter of the network is in {value}: {_NO_EFFECT}"
    elif value not in known and field == "shelter":
        message = f"no shelter '{value}' in the network{suggest(value, known)}"
    elif value not in known:
        choices = set(network.kinds) if field == "kind" else _programmes(network)
        message = (
            f"no placement shelter of {field} '{value}'{suggest(value, choices)}; "
            f"the {field}s: {_listed(choices)}"
        )
    else:
        message = f"'{value}' is only emergency beds, where the desk places no one: {_NO_EFFECT}"
    return [InputProblem(path, message)]


def _programmes(network: Network) -> set[str]:
    return {shelter.programme for shelter in network.shelters if shelter.programme}


def _listed(values: set[str]) -> str:
    return ", ".join(sorted(values)) or "none"
