"""The command line: JSON on stdout, and for bad input exit code 2 with one line per problem naming
the field path on stderr, never a traceback.
"""

from __future__ import annotations

import copy
import importlib
import io
import json
import subprocess
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.core import TyperGroup

from api import cli
from api.cli import main
from engine.validation import PlanInvalid
from models.instance import Instance, load_instance
from models.plan import Assignment, Plan, PlanObjective, Unassigned
from tests.commands import command_tree


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """Run ``safeplace`` in-process with these arguments (and stdin), as the console script does."""

    def invoke(*args: str, stdin: bytes = b"") -> Run:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        with pytest.raises(SystemExit) as stopped:
            main(list(args))
        out, err = capsys.readouterr()
        code = stopped.value.code
        assert isinstance(code, int)
        return Run(code, out, err)

    return invoke


DOCUMENT: dict[str, Any] = {
    "format": "safeplace.instance/1",
    "now": "2026-11-28T02:30:00+01:00",
    "shelters": [
        {
            "id": "S001",
            "location": {"municipality": "Zwolle"},
            "capacity": 8,
            "occupied": 2,
            "accepts": ["addiction"],
        },
        {"id": "S002", "location": {"lat": 52.09, "lon": 5.12}, "capacity": 2, "intake": "office"},
    ],
    "victims": [
        {"id": "V001", "gender": "female", "age": 24, "conditions": ["addiction"]},
        {"id": "V002", "gender": "male", "age": 31, "location": {"municipality": "Utrecht"}},
    ],
}


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_rank_writes_the_ranking_json(run: Callable[..., Run], tmp_path: Path) -> None:
    result = run("rank", write(tmp_path, DOCUMENT), "--victim", "V002")
    assert (result.code, result.err) == (0, "")
    ranking = json.loads(result.out)
    assert ranking["format"] == "safeplace.ranking/1"
    assert [o["shelter"] for o in ranking["options"]] == ["S001"]
    assert ranking["excluded"] == [{"shelter": "S002", "reasons": ["intake_hours"]}]


def test_rank_reads_stdin_and_keeps_null_distances(run: Callable[..., Run]) -> None:
    result = run("rank", "-", "--victim", "V001", stdin=json.dumps(DOCUMENT).encode())
    assert result.code == 0
    [option] = json.loads(result.out)["options"]
    assert option["distance_km"] is None
    assert '"distance_km": null' in result.out


def test_explain_goes_to_stderr_and_leaves_stdout_json(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    result = run("rank", write(tmp_path, DOCUMENT), "--victim", "V002", "--explain")
    assert result.code == 0
    assert json.loads(result.out)["victim"] == "V002"
    assert "S001" in result.err
    assert "intake_hours 1" in result.err


def test_explain_keeps_each_victim_and_change_on_one_line(
    run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saved ``--explain`` summary can be searched for a victim: the line of each unplaced
    victim, and of each change that would open a shelter, is whole however narrow the console
    (stderr to a file is 80 columns wide, and these lines are longer)."""
    monkeypatch.setenv("COLUMNS", "60")
    sample = run("sample", "--victims", "150", "--now", "2026-11-28T02:30:00+01:00")
    instance = write(tmp_path, json.loads(sample.out))

    solved = run("solve", instance, "--explain")
    assert solved.code == 0
    plan = json.loads(solved.out)
    expected = [
        f"- {u['victim']} not placed: "
        + ", ".join(f"{code} {count}" for code, count in u["blocked_by"].items())
        for u in plan["unassigned"]
    ]
    assert max(map(len, expected)) > 60
    shown = [line for line in solved.err.splitlines() if line.startswith("- ")]
    assert shown == expected

    ranked = run("rank", instance, "--victim", plan["unassigned"][0]["victim"], "--explain")
    assert ranked.code == 0
    changes = [f"- {r['rule']}: {r['detail']}" for r in json.loads(ranked.out)["relaxations"]]
    assert changes
    assert [line for line in ranked.err.splitlines() if line.startswith("- ")] == changes


@pytest.mark.parametrize("group", [(), ("users",), ("audit",), ("retention",), ("scenario",)])
def test_help_lists_each_command_on_one_line(
    group: tuple[str, ...], run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--help`` lists each command with its summary on one line when the console is wide
    enough: a summary that runs into a second line reads as broken off."""
    monkeypatch.setenv("COLUMNS", "250")
    result = run(*group, "--help")
    assert result.code == 0
    lines = result.out.splitlines()
    start = next(i for i, line in enumerate(lines) if "Commands" in line)
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("╰"))
    rows = [line.removeprefix("│").rstrip(" │") for line in lines[start + 1 : end]]
    assert rows
    for row in rows:
        name, _, summary = row.strip().partition(" ")
        assert not row.startswith("  "), f"{group}: continued '{row.strip()}'"
        assert summary.strip().endswith("."), f"{group} {name}: '{summary.strip()}'"


def test_every_argument_and_option_says_what_it_is() -> None:
    """Each command's ``--help`` explains all it takes: a bare ``<list[Path]>`` says nothing."""
    tree = command_tree()
    assert {"solve", "users add", "scenario run"} <= set(tree)  # those loaded late too
    undescribed = [
        f"safeplace {name}: {p.name}"
        for name, command in tree.items()
        for p in command.params
        if not getattr(p, "help", "")
    ]
    assert undescribed == []


def test_sample_writes_a_valid_reproducible_instance(run: Callable[..., Run]) -> None:
    first = run("sample", "--victims", "5", "--seed", "7", "--now", "2026-11-28T02:30:00+01:00")
    again = run("sample", "--victims", "5", "--seed", "7", "--now", "2026-11-28T02:30:00+01:00")
    assert (first.code, first.err) == (0, "")
    assert first.out == again.out
    instance = load_instance(first.out)
    assert len(instance.victims) == 5
    assert instance.now is not None
    assert instance.now.isoformat() == "2026-11-28T02:30:00+01:00"


def mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    change(document)
    return document


def _set(path: tuple[str | int, ...], value: object) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "lines"),
    [
        pytest.param(
            _set(("victims", 0, "conditons"), ["addiction"]),
            ["victims[0].conditons: unknown field"],
            id="unknown-field",
        ),
        pytest.param(
            _set(("victims", 1, "conditions"), ["addiction", "adiction"]),
            ["victims[1].conditions[1]: unknown condition 'adiction' (did you mean 'addiction'?)"],
            id="unknown-condition",
        ),
        pytest.param(
            _set(("shelters", 0, "location"), {"municipality": "Zwole"}),
            [
                "shelters[0].location.municipality: unknown municipality 'Zwole' "
                "(did you mean 'Zwolle' or 'Zeewolde'?)"
            ],
            id="unknown-municipality",
        ),
        pytest.param(
            _set(("shelters", 1, "id"), "S001"),
            ["shelters[1].id: duplicate shelter id 'S001' (also at shelters[0])"],
            id="duplicate-id",
        ),
        pytest.param(
            _set(("shelters", 0, "occupied"), 9),
            ["shelters[0].occupied: 9 exceeds capacity 8"],
            id="occupied-above-capacity",
        ),
        pytest.param(
            _set(("victims", 0, "current"), "S999"),
            ["victims[0].current: names no shelter of the instance: 'S999'"],
            id="current-names-no-shelter",
        ),
        pytest.param(
            lambda d: (_set(("victims", 0, "age"), "30")(d), _set(("victims", 1, "sex"), "m")(d)),
            ["victims[0].age: Input should be a valid integer", "victims[1].sex: unknown field"],
            id="one-line-per-problem",
        ),
        pytest.param(
            lambda d: (
                _set(("victims", 0, "age"), -1)(d),
                _set(("victims", 1, "id"), "V001")(d),
                _set(("victims", 1, "current"), "S999")(d),
                _set(("shelters", 1, "id"), "S001")(d),
            ),
            [
                "victims[0].age: Input should be greater than or equal to 0",
                "shelters[1].id: duplicate shelter id 'S001' (also at shelters[0])",
                "victims[1].id: duplicate victim id 'V001' (also at victims[0])",
                "victims[1].current: names no shelter of the instance: 'S999'",
            ],
            id="references-reported-beside-field-problems",
        ),
        pytest.param(
            _set(("shelters", 0, "capacity"), 10**20),
            ["shelters[0].capacity: Input should be less than or equal to 1000000"],
            id="capacity-beyond-any-shelter",
        ),
        pytest.param(
            _set(("now",), "9999-12-31T23:00:00+00:00"),
            ["now: must lie in the years 1970-2999"],
            id="now-at-the-end-of-the-calendar",
        ),
        pytest.param(
            _set(("now",), "0001-01-01T00:00:00+14:00"),
            ["now: must lie in the years 1970-2999"],
            id="now-before-the-calendar-in-utc",
        ),
        *(
            pytest.param(
                _set(("now",), seconds),
                ["now: write a date and time with its offset, e.g. 2026-12-01T21:30:00+01:00"],
                id=f"now-as-unix-seconds-{type(seconds).__name__}",
            )
            for seconds in (1764230400, "1764230400", 1.5e9)
        ),
    ],
)
@pytest.mark.parametrize("command", ["rank", "solve"])
def test_invalid_instances_name_each_field_and_exit_2(
    run: Callable[..., Run],
    tmp_path: Path,
    command: str,
    change: Callable[[dict[str, Any]], None],
    lines: list[str],
) -> None:
    args = ["--victim", "V001"] if command == "rank" else []
    result = run(command, write(tmp_path, mutated(change)), *args)
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines() == lines


@pytest.mark.parametrize(
    ("args", "line"),
    [
        pytest.param(
            ("rank", "{broken}", "--victim", "V001"),
            "invalid JSON at line 1 column 2: Expecting property name enclosed in double quotes",
            id="broken-json",
        ),
        pytest.param(
            ("rank", "{twice}", "--victim", "V001"),
            "victims[0].conditions: given twice in one object",
            id="key-given-twice",
        ),
        pytest.param(
            ("solve", "{deep}"),
            "the JSON is nested too deeply",
            id="nested-too-deeply",
        ),
        pytest.param(
            ("rank", "{missing}", "--victim", "V001"),
            "{missing}: cannot read the file: No such file or directory",
            id="missing-file",
        ),
        pytest.param(
            ("rank", "{directory}", "--victim", "V001"),
            "{directory}: cannot read the file: Is a directory",
            id="unreadable-file",
        ),
        pytest.param(
            ("rank", "{valid}", "--victim", "V01"),
            "--victim: unknown victim 'V01' (did you mean 'V001'?)",
            id="unknown-victim",
        ),
        pytest.param(
            ("rank", "{valid}"),
            "Missing option '--victim'.",
            id="no-victim",
        ),
        pytest.param(
            ("solve", "{valid}", "--time-limit", "soon"),
            "Invalid value for '--time-limit': Input should be a valid number, "
            "unable to parse string as a number",
            id="time-limit-not-a-number",
        ),
        pytest.param(
            ("solve", "{valid}", "--time-limit", "-1"),
            "--time-limit: must be a positive number of seconds, not -1.0",
            id="time-limit-negative",
        ),
        pytest.param(
            ("solve", "{valid}", "--time-limit", "nan"),
            "--time-limit: must be a positive number of seconds, not nan",
            id="time-limit-nan",
        ),
        pytest.param(
            ("sample", "--now", "2026-11-28T02:30"),
            "--now: '2026-11-28T02:30' has no offset (e.g. 2026-11-28T02:30:00+01:00)",
            id="now-without-offset",
        ),
        pytest.param(
            ("sample", "--now", "tonight"),
            "--now: 'tonight' is not an ISO 8601 time",
            id="now-not-a-time",
        ),
        pytest.param(
            ("sample", "--victims", "100001"),
            "Invalid value for '--victims': Input should be less than or equal to 100000",
            id="sample-too-long",
        ),
        pytest.param(
            ("sample", "--now", "9999-12-31T23:59:59+00:00"),
            "--now: must lie in the years 1970-2999",
            id="now-beyond-the-years",
        ),
        pytest.param(
            ("sample", "--now", "0001-01-01T00:00:00+14:00"),
            "--now: must lie in the years 1970-2999",
            id="now-before-the-years",
        ),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    run: Callable[..., Run], tmp_path: Path, args: tuple[str, ...], line: str
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{nope")
    twice = tmp_path / "twice.json"
    # Parsers keep the last of two equal keys: the victim would look healthy.
    twice.write_text(
        json.dumps(DOCUMENT).replace('"conditions": [', '"conditions": [], "conditions": [', 1)
    )
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    places = {
        "broken": str(broken),
        "twice": str(twice),
        "deep": str(deep),
        "missing": str(tmp_path / "missing.json"),
        "directory": str(tmp_path),
        "valid": write(tmp_path, DOCUMENT),
    }
    result = run(*(arg.format(**places) for arg in args))
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines() == [line.format(**places)]


def test_the_installed_command_exits_2_without_traceback(tmp_path: Path) -> None:
    """The real process, as the desk runs it: exit status and stderr, nothing in between."""
    document = json.dumps(mutated(_set(("victims", 0, "conditions"), ["adiction"])))
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "rank", "-", "--victim", "V001"],
        input=document,
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "victims[0].conditions[0]: unknown condition 'adiction' (did you mean 'addiction'?)\n"
    )
    assert "Traceback" not in done.stderr


def test_solve_passes_the_time_limit_and_writes_the_plan_json(
    run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command's own part: load, call the engine with the options, write the plan."""
    calls: list[tuple[Instance, float, str]] = []

    def solve(instance: Instance, *, time_limit: float = 10.0, method: str) -> Plan:
        calls.append((instance, time_limit, method))
        return Plan(
            status="optimal",
            assignments=[Assignment(victim="V002", shelter="S001", cost=12.5)],
            unassigned=[Unassigned(victim="V001", blocked_by={"capacity": 1})],
            objective=PlanObjective(priority_placed=1, cost=12.5),
            solve_seconds=0.01,
        )

    engine_solve = types.ModuleType("engine.solve")
    monkeypatch.setattr(engine_solve, "solve", solve, raising=False)
    monkeypatch.setitem(sys.modules, "engine.solve", engine_solve)
    result = run("solve", write(tmp_path, DOCUMENT), "--time-limit", "2.5", "--explain")
    assert result.code == 0
    [(instance, time_limit, method)] = calls
    assert ([v.id for v in instance.victims], time_limit, method) == (["V001", "V002"], 2.5, "auto")
    plan = json.loads(result.out)
    assert plan["format"] == "safeplace.plan/1"
    assert plan["assignments"] == [{"victim": "V002", "shelter": "S001", "cost": 12.5}]
    assert plan["objective"] == {"priority_placed": 1, "cost": 12.5}
    assert "V001 not placed: capacity 1" in result.err


def test_sample_solve_and_rank_compose_through_pipes(tmp_path: Path) -> None:
    """The real commands end to end: every victim once in the plan, and rankable."""
    root = Path(__file__).resolve().parents[2]

    def safeplace(*args: str, stdin: str = "") -> str:
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            cwd=root,
        )
        assert (done.returncode, done.stderr) == (0, "")
        return done.stdout

    instance = safeplace("sample", "--victims", "12", "--seed", "3", "--now", "2026-11-28T02:30Z")
    plan = json.loads(safeplace("solve", "-", "--time-limit", "5", stdin=instance))
    placed = [a["victim"] for a in plan["assignments"]]
    waiting = [u["victim"] for u in plan["unassigned"]]
    ids = [v.id for v in load_instance(instance).victims]
    assert sorted(placed + waiting) == sorted(ids)
    ranking = json.loads(safeplace("rank", "-", "--victim", ids[0], stdin=instance))
    assert ranking["victim"] == ids[0]


def test_a_plan_refused_by_the_engines_own_check_is_reported_as_a_defect_without_traceback(
    run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise PlanInvalid(["victim 'V001' may not go to 'S001': security"])

    monkeypatch.setattr("engine.solve.solve", broken)
    done = run("solve", write(tmp_path, DOCUMENT))
    assert done.code == 1
    assert done.out == ""
    assert done.err.splitlines() == [
        "internal error, no plan written: the plan breaks 1 rule(s) of the contract:",
        "victim 'V001' may not go to 'S001': security",
        "this is a defect of Safeplace; please report it with the instance",
    ]


@pytest.mark.parametrize("command", ["solve", "rank"])
def test_running_out_of_memory_is_one_line_and_exit_1(
    run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """An instance too large for the machine ends in a sentence that says so, not a traceback."""

    def too_large(*_args: object, **_kwargs: object) -> None:
        raise MemoryError("Unable to allocate 763. MiB for an array with shape (20000, 5000)")

    monkeypatch.setattr("engine.solve.solve", too_large)
    monkeypatch.setattr("api.cli.rank", too_large)
    path = write(tmp_path, DOCUMENT)
    args = [command, path] + (["--victim", "V001"] if command == "rank" else [])
    done = run(*args)
    assert done.code == 1
    assert done.out == ""
    assert done.err.startswith("out of memory: the instance is too large for this machine")
    assert len(done.err.splitlines()) == 1


def test_the_commands_of_other_modules_are_the_ones_they_register() -> None:
    """The names the command line loads a module for are exactly those the module registers: a
    command left out would be unknown, a name too many would load a module for nothing."""
    for module, names in cli._ELSEWHERE.items():
        commands = typer.Typer()
        importlib.import_module(module).register(commands)
        group = typer.main.get_command(commands)
        assert isinstance(group, TyperGroup)
        assert set(group.commands) == set(names), module


def test_the_engines_commands_start_without_the_service() -> None:
    """``solve``, ``rank`` and ``sample`` load no web framework, database layer or simulator;
    a service command loads them when it runs."""
    service_modules = ("fastapi", "sqlalchemy", "api.main", "api.scenario_runner")
    probe = (
        "import sys\n"
        "from api.cli import main\n"
        "try:\n"
        "    if len(sys.argv) > 1:\n"
        "        main(sys.argv[1:])\n"
        "finally:\n"
        f"    print(sorted(m for m in {service_modules!r} if m in sys.modules))\n"
    )
    for args, loaded in (
        ((), []),
        (("rank", "--help"), []),
        (("users", "--help"), sorted(service_modules)),
    ):
        shown = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
        ).stdout.splitlines()[-1]
        assert shown == str(loaded), args


def test_the_service_starts_without_cp_sat_s_python_layer() -> None:
    """The app and the service's commands load OR-Tools' ``cp_model``, and the pandas it
    imports, only when a plan or a disclosure check builds a model, not at every start."""
    late = ("ortools.sat.python.cp_model", "pandas")
    probe = (
        "import sys\n"
        "import api.main, api.cli_service\n"
        f"print(sorted(m for m in {late!r} if m in sys.modules))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    assert shown == "[]"
