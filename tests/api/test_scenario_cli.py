"""``safeplace scenario``: files, errors naming file and field, run, compare, advise, Dask."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from dask import distributed
from typer.testing import CliRunner

from api.cli_scenario import register
from api.scenario_files import MAX_SCENARIO_BYTES, LoadedScenario, load_scenario
from api.scenario_runner import run_dask, run_local
from engine.simulation.run import prepare, simulate
from models.errors import InvalidInput
from models.gazetteer import POLICE_UNITS
from models.scenario_result import KPI_DESCRIPTIONS, ScenarioResult

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))

TINY_YAML = """\
# A tiny scenario for the command line tests.
name: Tiny
horizon_days: 12
warmup_days: 2
seed: 4
replications: 2
network: {file: network.json}
demand:
  arrivals_per_week: {Utrecht-typo: 1}
"""


def app() -> typer.Typer:
    main = typer.Typer()

    @main.callback()
    def root() -> None:
        """Test entry point."""

    register(main)
    return main


def write_tiny(folder: Path, units: str = "Midden-Nederland: 9, Amsterdam: 5") -> Path:
    network = [
        {"id": "S1", "location": {"municipality": "Utrecht"}, "capacity": 3},
        {"id": "S2", "location": {"municipality": "Amsterdam"}, "capacity": 2,
         "genders": ["male"], "intake": "office"},
    ]  # fmt: skip
    (folder / "network.json").write_text(
        json.dumps({"shelters": network, "kinds": {"men": ["S2"]}})
    )
    path = folder / "tiny.yaml"
    path.write_text(TINY_YAML.replace("Utrecht-typo: 1", units))
    return path


DUTCH_TINY = "translations:\n  nl: {name: Klein}\n"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_and_runs_briefly(path: Path) -> None:
    text = path.read_text("utf-8")
    assert text.startswith("# "), "each scenario opens with a comment saying what it shows"
    loaded = load_scenario(path)
    short = loaded.scenario.model_copy(update={"horizon_days": 125, "warmup_days": 10})
    outcome = simulate(prepare(short, loaded.shelters, loaded.kinds), 1, check=True)
    assert outcome.values["arrivals"] > 100


# Words of four letters or more a scenario's Dutch name or description may share with its
# English ones, besides places: codes, and words Dutch planners use as they are.
SAME_IN_DUTCH = {"COSM", "Contra", "intake", "intakes", "plus"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_has_its_name_and_description_in_dutch(path: Path) -> None:
    """The planners are Dutch: a new shipped scenario without them fails here, and so does one
    whose Dutch is its English copied."""
    scenario = load_scenario(path).scenario
    assert "nl" in scenario.translations, f"{path.name}: no translations.nl"
    name, description = scenario.titles("nl")
    assert scenario.description
    assert description != scenario.description
    assert name != scenario.name
    places = {word for unit in POLICE_UNITS for word in unit.split("-")}
    english = set(re.findall(r"[^\W\d_]{4,}", f"{scenario.name} {scenario.description}"))
    shared = set(re.findall(r"[^\W\d_]{4,}", f"{name} {description}")) & english
    assert shared - places - SAME_IN_DUTCH == set()


def test_the_shipped_scenarios_include_the_ones_planners_asked_for() -> None:
    names = {p.stem for p in SCENARIOS}
    assert {
        "baseline", "regional-shortage", "mens-places-gap", "contra-indications",
        "out-of-office-hours", "raid", "dutch-without-cosm", "baseline-added-capacity",
    } <= names  # fmt: skip


def test_a_bad_field_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = write_tiny(tmp_path, units="Utrecht-typo: 1")
    result = CliRunner().invoke(app(), ["scenario", "run", str(path)])
    assert result.exit_code == 2
    assert f"{path}: demand.arrivals_per_week.Utrecht-typo: unknown police unit" in result.output
    assert "Traceback" not in result.output


def test_broken_yaml_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ndemand: [1, 2\n")
    with pytest.raises(InvalidInput) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}: invalid YAML at line 3")


def test_a_file_larger_than_a_scenario_is_not_read(tmp_path: Path) -> None:
    """Its bounds would refuse it, after half a minute and most of a GB of parsing."""
    path = write_tiny(tmp_path)
    largest = path.read_text() + "#" * (MAX_SCENARIO_BYTES - path.stat().st_size - 1) + "\n"
    path.write_text(largest)
    assert path.stat().st_size == MAX_SCENARIO_BYTES
    assert load_scenario(path).scenario.name == "Tiny"  # the largest file is read
    path.write_text(largest + "\n")
    with pytest.raises(InvalidInput) as caught:
        load_scenario(path)
    assert str(caught.value) == f"{path}: the file is larger than 1,000,000 bytes"


def test_a_key_given_twice_is_named_with_its_line(tmp_path: Path) -> None:
    """YAML keeps the last of two equal keys silently: a second Amsterdam would undo the first."""
    path = write_tiny(tmp_path, units="Midden-Nederland: 9, Amsterdam: 5, Amsterdam: 1")
    with pytest.raises(InvalidInput) as caught:
        load_scenario(path)
    assert re.fullmatch(
        rf"{re.escape(str(path))}: invalid YAML at line \d+ column \d+: "
        r"the key 'Amsterdam' is given twice",
        str(caught.value),
    ), str(caught.value)


def test_a_bad_network_file_and_an_unknown_shelter_are_named(tmp_path: Path) -> None:
    path = write_tiny(tmp_path)
    (tmp_path / "network.json").write_text('[{"id": "S1", "capacity": 2}]')
    with pytest.raises(InvalidInput, match=r"network.json: \[0\].location: required field"):
        load_scenario(path)
    path = write_tiny(tmp_path)
    path.write_text(path.read_text() + "events:\n  - {type: closure, shelter: S9}\n")
    with pytest.raises(InvalidInput, match=r"tiny.yaml: events\[0\].shelter: no shelter 'S9'"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"start: 2026-02-30\n", "start: Input should be a valid date"),
        (b"\xff\xfe", "the file is not UTF-8 text"),
        (b"", "the file is empty"),
        (b"# nothing but a comment\n", "the file is empty"),
        (b"name: !!int twelve\n", "invalid YAML: invalid literal for int()"),
        (b"events: " + b"[" * 5000, "invalid YAML: nested too deeply"),
    ],
    ids=["date", "not-utf-8", "empty", "comment", "tag", "deep"],
)
def test_a_file_that_is_no_scenario_is_refused_without_a_traceback(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = write_tiny(tmp_path)
    if content.startswith(b"start"):
        content = path.read_bytes() + content
    path.write_bytes(content)
    result = CliRunner().invoke(app(), ["scenario", "run", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith(f"{path}: {expected}"), result.output


def test_a_network_file_giving_a_shelter_two_kinds_or_naming_none_is_refused(
    tmp_path: Path,
) -> None:
    path = write_tiny(tmp_path)
    shelter = {"id": "S1", "location": {"municipality": "Utrecht"}, "capacity": 2}
    network = {"shelters": [shelter], "kinds": {"women": ["S1"], "men": ["S1", "S2"]}}
    (tmp_path / "network.json").write_text(json.dumps(network))
    with pytest.raises(InvalidInput) as refused:
        load_scenario(path)
    assert [str(problem).removeprefix(f"{path}: ") for problem in refused.value.problems] == [
        "network.file: network.json: kinds.men[0]: 'S1' is of kind 'women' already",
        "network.file: network.json: kinds.men[1]: names no shelter of the file: 'S2'",
    ]


SHELTER = {"id": "S1", "location": {"municipality": "Utrecht"}, "capacity": 2}


def test_a_network_file_s_kinds_and_holiday_hours_are_read(tmp_path: Path) -> None:
    path = write_tiny(tmp_path)
    network = json.loads((tmp_path / "network.json").read_text())
    (tmp_path / "network.json").write_text(json.dumps({**network, "holiday_intake": ["S2"]}))
    loaded = load_scenario(path)
    assert loaded.kinds == {"S2": "men"}
    assert loaded.holiday_intake == {"S2"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"shelters": [SHELTER, SHELTER]}, "shelters: duplicate ids: S1"),
        ({"holiday_intake": ["S1", "S9"]},
         "holiday_intake[1]: names no shelter of the file: 'S9'"),
    ],
    ids=["duplicate", "unknown-holiday"],
)  # fmt: skip
def test_a_network_file_naming_a_shelter_twice_or_none_is_refused(
    tmp_path: Path, change: dict[str, object], expected: str
) -> None:
    """Two shelters by one id would be one in every event that names it; a holiday setting for
    no shelter is a typo that leaves the real one closed on holidays."""
    path = write_tiny(tmp_path)
    (tmp_path / "network.json").write_text(json.dumps({"shelters": [SHELTER], **change}))
    with pytest.raises(InvalidInput) as refused:
        load_scenario(path)
    assert [str(problem) for problem in refused.value.problems] == [
        f"{path}: network.file: network.json: {expected}"
    ]


def test_a_missing_network_file_is_named_by_its_field(tmp_path: Path) -> None:
    path = write_tiny(tmp_path)
    (tmp_path / "network.json").unlink()
    result = CliRunner().invoke(app(), ["scenario", "run", str(path)])
    assert result.exit_code == 2
    assert result.output == (
        f"{path}: network.file: network.json: cannot read it: No such file or directory\n"
    )


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["run", "--seed", "-1"], "--seed"),
        (["run", "-n", "0"], "--replications"),
        (["run", "-n", "100"], "--replications"),
        (["compare", "--seed", "-1"], "--seed"),
        (["compare", "-n", "100"], "--replications"),
        (["advise", "--add", "5000"], "--add"),
        (["advise", "--add", "3", "-n", "100"], "--replications"),
    ],
)
def test_an_option_out_of_bounds_is_refused_by_its_name(
    tmp_path: Path, command: list[str], option: str
) -> None:
    # About 15,400 arrivals a replication: 100 replications are more than a run may simulate.
    path = write_tiny(tmp_path, units="Midden-Nederland: 9000")
    files = [str(path)] * (2 if command[0] == "compare" else 1)
    result = CliRunner().invoke(app(), ["scenario", command[0], *files, *command[1:]])
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert "Traceback" not in result.output


def test_run_writes_the_result_and_an_offline_report(tmp_path: Path) -> None:
    path = write_tiny(tmp_path)
    path.write_text(path.read_text().replace("name: Tiny\n", "name: Tiny\n" + DUTCH_TINY))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app(),
        [
            "scenario", "run", str(path), "-n", "2", "--workers", "1", "--out", str(out),
            "--compare", "--language", "nl",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads((out / "tiny.json").read_text())
    assert data["format"] == "safeplace.scenario-result/1"
    assert data["replications"] == 2
    assert set(data["kpis"]["placed_share"]) == {"mean", "low", "high", "n"}
    assert data["comparison"] is not None
    # The result keeps the scenario's own name, and the Dutch one as data.
    assert data["scenario"] == "Tiny"
    assert data["translations"] == {"nl": {"name": "Klein", "description": None}}
    report = (out / "tiny.html").read_text()
    assert "<svg" in report
    assert '<html lang="nl">' in report
    assert "Kerncijfers" in report
    assert "<h1>Klein</h1>" in report
    assert "Tiny" not in report
    assert "Tiny (2 replications)" in result.output  # the command line speaks English
    # Prose stays one line however long (the runner's output is not a terminal: 80 columns).
    lines = result.output.splitlines()
    assert f"Wrote {out / 'tiny.json'} and {out / 'tiny.html'}" in lines, result.output
    # The engine's gain as an amount in words matching its sign, never "-7.2 fewer".
    assert any(
        re.fullmatch(
            r"Engine vs greedy on the same arrivals, per replication: "
            r"[\d,]+\.\d (more|fewer) people placed, [\d,]+\.\d (fewer|more) nights in hotels",
            line,
        )
        for line in lines
    ), result.output
    assert not re.search(r"[+-][\d,.]+ (more|fewer)\b", result.output), result.output


def measured(path: Path) -> list[str]:
    """The KPIs of a stored result that the table shows with their interval: all but a wait at
    the give-up limit, which it shows as that limit."""
    result = ScenarioResult.model_validate_json(path.read_text())
    return [name for name in KPI_DESCRIPTIONS if not result.at_give_up_limit(name)]


def test_run_stops_its_intervals_where_the_figures_stop(tmp_path: Path) -> None:
    """Two replications stretch a 95 % interval far (t = 12.7): the table, like the pages,
    shows it no lower than 0, and a share's no higher than 100 %, as the result's own
    ``within`` gives them."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app(),
        ["scenario", "run", str(write_tiny(tmp_path)), "-n", "2", "--workers", "1",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    kpis = json.loads((out / "tiny.json").read_text())["kpis"]
    assert any(kpi["low"] < 0 for kpi in kpis.values())  # or there is nothing to stop
    lows = re.findall(r"\((-?[\d,.]+)(?: %)? – ", result.output)
    highs = re.findall(r" – (-?[\d,.]+) %\)", result.output)
    assert len(lows) == len(measured(out / "tiny.json")), result.output
    assert all(float(low.replace(",", "")) >= 0 for low in lows), result.output
    assert all(float(high.replace(",", "")) <= 100 for high in highs), result.output


def test_run_of_one_replication_shows_no_interval(tmp_path: Path) -> None:
    """One replication has no spread to estimate an interval from: the table says so, as the
    report and the run page do, instead of a "95 % interval" that is the mean twice."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app(),
        ["scenario", "run", str(write_tiny(tmp_path)), "-n", "1", "--workers", "1",
         "--out", str(out), "--no-compare"],
        env={"COLUMNS": "200"},  # one line per KPI
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Tiny (1 replication)" in result.output
    rows = [line for line in result.output.splitlines() if "no interval" in line]
    assert len(rows) == len(measured(out / "tiny.json")), result.output
    assert all("(no interval from one replication)" in row for row in rows), result.output
    assert " – " not in result.output, result.output


def test_run_shows_a_wait_at_the_give_up_limit_as_that_limit(tmp_path: Path) -> None:
    """Where more people are never placed than a percentile leaves out, that percentile is the
    give-up limit itself, not a measured wait: the table says so, as the report and the run page
    do, instead of giving the limit an interval."""
    path = write_tiny(tmp_path, units="Midden-Nederland: 60, Amsterdam: 30")
    path.write_text(path.read_text() + "fallback: {give_up_days: 1}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app(),
        ["scenario", "run", str(path), "-n", "2", "--workers", "1", "--out", str(out),
         "--no-compare"],
        env={"COLUMNS": "200"},  # one line per KPI
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads((out / "tiny.json").read_text())
    assert data["kpis"]["wait_p95_hours"]["mean"] == 24  # or there is no limit reached
    row = next(
        line for line in result.output.splitlines() if KPI_DESCRIPTIONS["wait_p95_hours"] in line
    )
    assert re.search(
        r"at least 24 h: the give-up limit, reached by the \d+\.\d % never placed", row
    ), row
    assert " – " not in row, row


def test_run_says_how_public_holidays_were_treated_and_who_arrived_on_them(
    tmp_path: Path,
) -> None:
    path = write_tiny(tmp_path)
    path.write_text(path.read_text().replace("horizon_days: 12\n", "start: 2026-12-21\n"
                                             "horizon_days: 12\n"))  # fmt: skip
    out = tmp_path / "out"
    options = ["-n", "2", "--workers", "1", "--out", str(out), "--no-compare"]
    result = CliRunner().invoke(app(), ["scenario", "run", str(path), *options])
    assert result.exit_code == 0, result.output
    # Christmas Day, Boxing Day and New Year's Day after the two days' warm-up.
    assert re.search(
        r"^Public holidays after the warm-up: 3, with intake closed \(public_holiday_intake\); "
        r"\d+\.\d arrivals on them per replication, \d+\.\d % of them placed within 24 hours "
        r"\(all arrivals: \d+\.\d %\)$",
        result.output,
        flags=re.MULTILINE,
    ), result.output
    data = json.loads((out / "tiny.json").read_text())
    assert data["public_holidays"]["days"] == ["2026-12-25", "2026-12-26", "2027-01-01"]


def test_a_run_starting_on_the_last_day_allowed_runs(tmp_path: Path) -> None:
    """A start in the last allowed year runs past it: the clock and holidays still hold."""
    path = write_tiny(tmp_path)
    path.write_text(path.read_text().replace("horizon_days: 12\n", "start: 2999-12-31\n"
                                             "horizon_days: 12\n"))  # fmt: skip
    options = ["-n", "1", "--workers", "1", "--out", str(tmp_path / "out"), "--no-compare"]
    result = CliRunner().invoke(app(), ["scenario", "run", str(path), *options])
    assert result.exit_code == 0, result.output


def test_compare_shows_paired_differences(tmp_path: Path) -> None:
    first = write_tiny(tmp_path)
    second = tmp_path / "more.yaml"
    second.write_text(first.read_text().replace("Midden-Nederland: 9", "Midden-Nederland: 30"))
    result = CliRunner().invoke(
        app(),
        ["scenario", "compare", str(first), str(second), "-n", "3", "--workers", "1"],
        env={"COLUMNS": "200"},  # one line per KPI
    )
    assert result.exit_code == 0, result.output
    assert "more.yaml" in result.output
    rows = {
        cells[0]: cells[1:]
        for line in result.output.splitlines()
        if len(cells := [cell.strip() for cell in line.strip("│ ").split("│")]) == 3
    }
    # More than three times the arrivals in one unit, on the same seeds: the demand is marked as
    # more (not "better"), and nights in unsuitable shelter go up beyond the noise.
    first_arrivals, second_arrivals = rows[KPI_DESCRIPTIONS["arrivals"]]
    assert re.fullmatch(r"[\d.]+ \(\+\d+\.\d, more\)", second_arrivals), second_arrivals
    assert float(second_arrivals.split()[0]) > float(first_arrivals)
    _, unsuitable = rows[KPI_DESCRIPTIONS["unsuitable_nights"]]
    assert re.fullmatch(r"[\d,.]+ \(\+[\d,]+\.\d, worse\)", unsuitable), unsuitable
    # A share's difference is in percentage points, not a percentage of the first share.
    for share in ("placed_share", "within_24h_share"):
        first_share, second_share = rows[KPI_DESCRIPTIONS[share]]
        shown = re.fullmatch(
            r"([\d.]+) % \(([+-]\d+\.\d) points, (n\.s\.|better|worse)\)", second_share
        )
        assert shown is not None, second_share
        points = float(shown.group(1)) - float(first_share.removesuffix(" %"))
        assert float(shown.group(2)) == pytest.approx(points, abs=0.11)


def test_compare_of_one_replication_gives_no_verdict(tmp_path: Path) -> None:
    first = write_tiny(tmp_path)
    second = tmp_path / "more.yaml"
    second.write_text(first.read_text().replace("Midden-Nederland: 9", "Midden-Nederland: 30"))
    result = CliRunner().invoke(
        app(),
        ["scenario", "compare", str(first), str(second), "-n", "1", "--workers", "1"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "one replication: not tested" in result.output
    assert not re.search(r"\b(n\.s\.|more|fewer|better|worse)\)", result.output)
    assert "Same seed " in result.output, result.output
    assert "seeds" not in result.output, result.output


def test_compare_shows_a_wait_at_the_give_up_limit_as_that_limit(tmp_path: Path) -> None:
    """A wait that is the give-up limit in every replication is no measured wait: compare says
    "at least" each scenario's own limit, as the compare page does."""
    first = write_tiny(tmp_path)
    crowded = tmp_path / "crowded.yaml"
    crowded.write_text(
        first.read_text().replace(
            "Midden-Nederland: 9, Amsterdam: 5", "Midden-Nederland: 60, Amsterdam: 30"
        )
        + "fallback: {give_up_days: 1}\n"
    )
    result = CliRunner().invoke(
        app(),
        ["scenario", "compare", str(first), str(crowded), "-n", "2", "--workers", "1"],
        env={"COLUMNS": "250"},  # one line per KPI
    )
    assert result.exit_code == 0, result.output
    row = next(
        line for line in result.output.splitlines() if KPI_DESCRIPTIONS["wait_p95_hours"] in line
    )
    first_cell, crowded_cell = [cell.strip() for cell in row.strip("│ ").split("│")][1:]
    # Each scenario's own limit: the default four weeks, and the crowded one's single day.
    assert first_cell == "at least 672 h (the give-up limit)", first_cell
    assert crowded_cell.startswith("at least 24 h (the give-up limit) ("), crowded_cell


def test_advise_compares_its_places_with_pro_rata(tmp_path: Path) -> None:
    path = write_tiny(tmp_path, units="Midden-Nederland: 20, Amsterdam: 15")
    result = CliRunner().invoke(
        app(),
        ["scenario", "advise", str(path), "--add", "3", "-n", "2", "--workers", "1"],
        env={"COLUMNS": "120"},  # one line per table row, and narrower than the longest prose
    )
    assert result.exit_code == 0, result.output
    assert "Where to add 3 places" in result.output
    rows = [
        cells
        for line in result.output.splitlines()
        if len(cells := [cell.strip() for cell in line.strip("│ ").split("│")]) == 3
        and cells[2].isdigit()
    ]
    assert rows, result.output
    assert sum(int(places) for _, _, places in rows) == 3
    assert {unit for unit, _, _ in rows} <= set(POLICE_UNITS)
    # Each gain is an amount worded by its sign ("3.0 fewer nights", never "+3.0 fewer"), its
    # interval signed.
    for gain, loss in (
        ("fewer nights in unsuitable shelter", "more nights in unsuitable shelter"),
        ("more people placed", "fewer people placed"),
    ):
        worded = rf"[\d,]+\.\d ({gain}|{loss})"
        for run in ("advice", "pro rata"):
            interval = r"\(95 % interval of the gain [+-][\d,.]+ to [+-][\d,.]+, "
            line = rf"^{run}: {worded} {interval}(significant|within the noise)\)$"
            assert re.search(line, result.output, re.MULTILINE), run
        against = rf"^advice against pro rata: {worded} \((significant|within the noise)\)$"
        assert re.search(against, result.output, re.MULTILINE)
    assert not re.search(r"[+-][\d,.]+ (more|fewer)\b", result.output), result.output
    assert any(
        line.startswith("Each new location") and line.endswith("takes ages 12-17 only.")
        for line in result.output.splitlines()
    ), result.output


def test_schema_prints_a_json_schema() -> None:
    result = CliRunner().invoke(app(), ["scenario", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "Scenario"


def _tiny_loaded(tmp_path: Path) -> LoadedScenario:
    return load_scenario(write_tiny(tmp_path))


def test_the_dask_runner_gives_the_local_result(tmp_path: Path) -> None:
    from dask.distributed import Client, LocalCluster

    loaded = _tiny_loaded(tmp_path)
    local = run_local(loaded, replications=2, workers=1, compare=False)
    cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False)  # type: ignore[no-untyped-call]
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        remote = run_dask(loaded, client, replications=2, compare=False)
    assert remote.model_dump(exclude={"elapsed_seconds"}) == local.model_dump(
        exclude={"elapsed_seconds"}
    )


def test_an_out_folder_that_cannot_be_made_is_refused_before_running(tmp_path: Path) -> None:
    path = write_tiny(tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "a-file" / "results"
    result = CliRunner().invoke(app(), ["scenario", "run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"--out {out}: cannot create the folder: Not a directory"]


def test_a_result_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    path = write_tiny(tmp_path)
    out = tmp_path / "out"
    (out / "tiny.json").mkdir(parents=True)  # a folder where the result file should go
    args = ["scenario", "run", str(path), "-n", "1", "--workers", "1", "--out", str(out)]
    result = CliRunner().invoke(app(), args)
    assert result.exit_code == 1
    # Past the progress display (on standard error too), one line says what went wrong.
    problems = [line for line in result.stderr.splitlines() if line.strip()]
    assert problems == [f"--out {out}: cannot write the result: Is a directory"]


def test_a_dask_address_that_is_none_or_answers_not_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No address at all is the input's mistake (exit 2); nobody answering at one is not
    (exit 1); neither is a traceback, and no result is written."""
    path = write_tiny(tmp_path)
    out = tmp_path / "out"
    options = ["-n", "1", "--out", str(out), "--no-compare", "--dask"]
    result = CliRunner().invoke(app(), ["scenario", "run", str(path), *options, "nonsense"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "--dask nonsense: not a scheduler's address: missing port number in address 'nonsense'"
    )

    class Refused:
        def __init__(self, address: str) -> None:
            raise OSError(f"Timed out trying to connect to tcp://{address} after 30 s")

    monkeypatch.setattr(distributed, "Client", Refused)
    result = CliRunner().invoke(app(), ["scenario", "run", str(path), *options, "127.0.0.1:1"])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "--dask 127.0.0.1:1: no scheduler answers at 127.0.0.1:1: "
        "Timed out trying to connect to tcp://127.0.0.1:1 after 30 s"
    )
    assert not list(out.iterdir())
