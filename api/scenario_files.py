"""Read scenario files (YAML) and the shelter networks they name, with errors a planner can act on.

Every problem names the file, the field path and what is wrong, e.g.
``scenarios/raid.yaml: events[0].municipality: unknown municipality 'Roterdam' (did you mean
'Rotterdam'?)``, because a planner edits these files by hand and a simulation of the wrong thing
is worse than no simulation. A network file is JSON: a list of shelters in the placement
contract's format, or an object with ``shelters`` (and optionally ``kinds``: kind -> shelter ids,
as in the shipped sample network, and ``holiday_intake``: the ids of the shelters that keep their
intake hours on public holidays); its path is relative to the scenario file, and its problems are
reported at the scenario's field ``network.file``. A scenario on the live network (``network:
{live: true}``) is resolved by the service only, with the shelters it stores (:mod:`api.live`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
_IDS = TypeAdapter(list[str])
LIVE_ONLY = (
    "the live network is read by the service only: run this scenario on the planner's page or "
    "through POST /api/v1/scenario-runs"
)


@dataclass(frozen=True)
class Network:
    """Shelters, their kinds (by id) and the ids of those keeping their intake hours on public
    holidays; ``read_at`` is when a live network was read from the service's database (None
    for the sample network or a file)."""

    shelters: tuple[Shelter, ...]
    kinds: dict[str, str]
    holiday_intake: frozenset[str] = frozenset()
    read_at: datetime | None = None


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the network it names, ready to simulate."""

    path: Path
    scenario: Scenario
    shelters: tuple[Shelter, ...]
    kinds: dict[str, str]
    holiday_intake: frozenset[str] = field(default_factory=frozenset)
    # When the live network was read; None when the scenario is not on it.
    live_at: datetime | None = None


class ScenarioFileError(InvalidInput):
    """The problems of one scenario file: ``fields`` at field paths within it (empty: the whole
    file), and as an :class:`InvalidInput` the same problems with the file's path in front.

    The command line names the file by its path; the service names it as the planner knows it
    (:meth:`named`) or not at all, never by where it lies on the server.
    """

    def __init__(self, path: Path, fields: Sequence[InputProblem]) -> None:
        self.path = path
        self.fields = list(fields)
        super().__init__(self.named(str(path)))

    def named(self, name: str) -> list[InputProblem]:
        """The problems with the file called ``name``."""
        return [
            InputProblem(f"{name}: {p.path}" if p.path else name, p.message) for p in self.fields
        ]


# A scenario file is a page of settings (the shipped ones are a few KB); a larger one is not
# read at all: 100,000 events took half a minute and most of a GB before their bound refused them.
MAX_SCENARIO_BYTES = 1_000_000


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that a date that is no date (``2026-02-30``) stays text, for
    the schema to refuse at its field instead of the parser failing without one, and that a key
    given twice in one mapping is refused: YAML keeps the last silently, so a planner's second
    ``replications:`` would quietly undo the first."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a key that is a list or mapping: the schema refuses it at its field
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; :class:`InvalidInput` (at no field) says why it cannot be read, with
    the line and column of a syntax error."""
    try:
        with path.open("rb") as file:
            content = file.read(MAX_SCENARIO_BYTES + 1)
        if len(content) > MAX_SCENARIO_BYTES:
            raise _whole(f"the file is larger than {MAX_SCENARIO_BYTES:,} bytes")
        text = content.decode("utf-8")
    except OSError as exc:
        raise _whole(f"cannot read the file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _whole("the file is not UTF-8 text") from None
    try:
        return yaml.load(text, Loader=_Loader)  # the safe loader, see _Loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise _whole(f"invalid YAML{where}: {problem}") from None
    except ValueError as exc:  # an explicit tag on a value that is not one: !!int x
        raise _whole(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise _whole("invalid YAML: nested too deeply") from None


def _whole(message: str) -> InvalidInput:
    return InvalidInput([InputProblem("", message)])


def read_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file, without its network; :class:`ScenarioFileError`."""
    try:
        data = read_yaml(path)
        if data is None:
            raise _whole("the file is empty")
        return validate_scenario(data)
    except InvalidInput as exc:
        raise ScenarioFileError(path, exc.problems) from None


def load_scenario(path: Path, live: Callable[[], Network] | None = None) -> LoadedScenario:
    """Read, validate and resolve a scenario file; :class:`ScenarioFileError` lists every
    problem. ``live`` reads the live network, for a scenario on it (see :func:`resolve`)."""
    return resolve(path, read_scenario(path), live)


def resolve(
    path: Path, scenario: Scenario, live: Callable[[], Network] | None = None
) -> LoadedScenario:
    """The scenario read from ``path`` with its network, whose kinds, programmes and shelters
    must include every one the scenario names; :class:`ScenarioFileError` otherwise.

    A scenario on the live network needs ``live``, called only then (the service passes one
    that reads its database); without it the scenario is refused at ``network.live``.
    """
    if scenario.network.live:
        if live is None:
            raise ScenarioFileError(path, [InputProblem("network.live", LIVE_ONLY)])
        network = live()
    elif scenario.network.file is None:
        network = Network(tuple(sample_shelters()), sample_shelter_kinds())
    else:
        try:
            network = load_network(path.parent, scenario.network.file)
        except InvalidInput as exc:
            raise ScenarioFileError(path, exc.problems) from None
    problems = network_problems(scenario, network.shelters, network.kinds)
    if problems:
        raise ScenarioFileError(path, problems)
    return LoadedScenario(
        path,
        scenario,
        network.shelters,
        network.kinds,
        network.holiday_intake,
        network.read_at,
    )


def load_network(folder: Path, name: str) -> Network:
    """Shelters (and their kinds, where given) from the network file ``name`` in ``folder``;
    every problem is at the scenario's field ``network.file``, saying where in that file."""
    try:
        data = parse_json((folder / name).read_bytes())
    except OSError as exc:
        raise _network(name, [InputProblem("", f"cannot read it: {exc.strerror or exc}")]) from None
    except InvalidInput as exc:
        raise _network(name, exc.problems) from None
    items, kinds_data, holidays_data, prefix = data, {}, [], tuple[str, ...]()
    if isinstance(data, dict):
        items, prefix = data.get("shelters"), ("shelters",)
        kinds_data, holidays_data = data.get("kinds", {}), data.get("holiday_intake", [])
    try:
        shelters = _SHELTERS.validate_python(items)
    except ValidationError as exc:
        raise _network(name, problems_from_error(exc, prefix)) from None
    try:
        kinds = _KINDS.validate_python(kinds_data)
    except ValidationError as exc:
        raise _network(name, problems_from_error(exc, ("kinds",))) from None
    try:
        holidays = _IDS.validate_python(holidays_data)
    except ValidationError as exc:
        raise _network(name, problems_from_error(exc, ("holiday_intake",))) from None
    ids = [s.id for s in shelters]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise _network(name, [InputProblem("shelters", f"duplicate ids: {', '.join(duplicates)}")])
    problems = _kind_problems(kinds, set(ids))
    problems += [
        InputProblem(f"holiday_intake[{index}]", f"names no shelter of the file: '{shelter_id}'")
        for index, shelter_id in enumerate(holidays)
        if shelter_id not in ids
    ]
    if problems:
        raise _network(name, problems)
    kind_of = {sid: kind for kind, members in kinds.items() for sid in members}
    return Network(tuple(shelters), kind_of, frozenset(holidays))


def _kind_problems(kinds: dict[str, list[str]], ids: set[str]) -> list[InputProblem]:
    """A shelter given two kinds (one would silently win) or a kind naming no shelter of the
    file (a typo would silently leave the shelter without its kind)."""
    problems: list[InputProblem] = []
    kind_of: dict[str, str] = {}
    for kind, members in kinds.items():
        for index, shelter_id in enumerate(members):
            where = f"kinds.{kind}[{index}]"
            if shelter_id not in ids:
                unknown = f"names no shelter of the file: '{shelter_id}'"
                problems.append(InputProblem(where, unknown))
            elif shelter_id in kind_of:
                also = kind_of[shelter_id]
                problems.append(InputProblem(where, f"'{shelter_id}' is of kind '{also}' already"))
            kind_of.setdefault(shelter_id, kind)
    return problems


def _network(name: str, problems: list[InputProblem]) -> InvalidInput:
    """Problems inside the network file, at the scenario's field that names it."""
    return InvalidInput([InputProblem("network.file", f"{name}: {p}") for p in problems])
