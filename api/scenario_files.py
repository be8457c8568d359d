"""Read scenario files (YAML) and the shelter networks they name, with errors a planner can act on.

Every problem names the file, the field path and what is wrong, e.g.
``scenarios/raid.yaml: events[0].municipality: unknown municipality 'Roterdam' (did you mean
'Rotterdam'?)``, because a planner edits these files by hand and a simulation of the wrong thing
is worse than no simulation. A network file is JSON: a list of shelters in the placement
contract's format, or an object with ``shelters`` (and optionally ``kinds``: kind -> shelter ids,
as in the shipped sample network); its path is relative to the scenario file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from engine.simulation.references import network_problems
from models.errors import InputProblem, InvalidInput, parse_json, problems_from_error
from models.sample import sample_shelter_kinds, sample_shelters
from models.scenario import Scenario, validate_scenario
from models.shelter import Shelter

_SHELTERS = TypeAdapter(list[Shelter])
_KINDS = TypeAdapter(dict[str, list[str]])


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the network it names, ready to simulate."""

    path: Path
    scenario: Scenario
    shelters: tuple[Shelter, ...]
    kinds: dict[str, str]


def _in_file(path: Path, problems: list[InputProblem]) -> InvalidInput:
    """The same problems, each prefixed with the file they are in."""
    return InvalidInput(
        [InputProblem(f"{path}: {p.path}" if p.path else str(path), p.message) for p in problems]
    )


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a syntax error names the file, line and column."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(
            [InputProblem(str(path), f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput([InputProblem(str(path), f"invalid YAML{where}: {problem}")]) from None


def load_scenario(path: Path) -> LoadedScenario:
    """Read, validate and resolve a scenario file; :class:`InvalidInput` lists every problem,
    a kind, programme or shelter the network does not have included."""
    data = read_yaml(path)
    try:
        scenario = validate_scenario(data)
    except InvalidInput as exc:
        raise _in_file(path, exc.problems) from None
    if scenario.network.file is None:
        shelters, kinds = tuple(sample_shelters()), sample_shelter_kinds()
    else:
        shelters, kinds = load_network(path.parent / scenario.network.file)
    problems = network_problems(scenario, shelters, kinds)
    if problems:
        raise _in_file(path, problems)
    return LoadedScenario(path, scenario, shelters, kinds)


def load_network(path: Path) -> tuple[tuple[Shelter, ...], dict[str, str]]:
    """Shelters (and their kinds, where given) from a network JSON file."""
    try:
        data = parse_json(path.read_bytes())
    except OSError as exc:
        raise InvalidInput(
            [InputProblem(str(path), f"cannot read the network file: {exc.strerror or exc}")]
        ) from None
    except InvalidInput as exc:
        raise _in_file(path, exc.problems) from None
    items, kinds_data, prefix = data, {}, tuple[str, ...]()
    if isinstance(data, dict):
        items, kinds_data, prefix = data.get("shelters"), data.get("kinds", {}), ("shelters",)
    try:
        shelters = _SHELTERS.validate_python(items)
    except ValidationError as exc:
        raise _in_file(path, problems_from_error(exc, prefix)) from None
    try:
        kinds = _KINDS.validate_python(kinds_data)
    except ValidationError as exc:
        raise _in_file(path, problems_from_error(exc, ("kinds",))) from None
    ids = [s.id for s in shelters]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _in_file(path, [InputProblem("shelters", f"duplicate ids: {', '.join(duplicates)}")])
    return tuple(shelters), {sid: kind for kind, members in kinds.items() for sid in members}
