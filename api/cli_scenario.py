"""``safeplace scenario``: run, compare and advise on capacity scenarios from the command line.

``run`` writes a JSON result and an offline HTML report; ``compare`` runs scenarios on the same
seeds and says which differences are beyond the noise; ``advise`` proposes where K extra places
spare most nights in unsuitable shelter, against the same K spread pro rata; ``schema`` prints the
JSON Schema of a scenario for editors. A broken scenario file exits with code 2 and one line per
problem naming the file and field, like the rest of the command line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.scenario_files import LoadedScenario, load_scenario
from api.scenario_runner import SchedulerUnreachable, progress_bar, run_dask, run_local
from api.web.report import render_report
from engine.simulation.advice import advice_events, pro_rata_events, with_events
from engine.simulation.network import build_network
from engine.simulation.stats import paired_difference
from models.errors import InvalidInput
from models.scenario import (
    MAX_ADDED,
    MAX_REPLICATIONS,
    MAX_SEED,
    Scenario,
    replications_problem,
)
from models.scenario_result import (
    DEMAND,
    KPI_DESCRIPTIONS,
    LOWER_IS_BETTER,
    Difference,
    ScenarioResult,
)

EXIT_INVALID = 2
EXIT_UNWRITTEN = 1
# No Dask scheduler answered at a well-formed ``--dask`` address: not the input's fault.
EXIT_UNREACHED = 1

# The bounds of the scenario's own fields: a value given here replaces the file's unvalidated.
Replications = Annotated[
    int | None,
    typer.Option(
        "--replications",
        "-n",
        min=1,
        max=MAX_REPLICATIONS,
        metavar="N",
        help="Replications (default: file).",
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(
        "--seed", min=0, max=MAX_SEED, metavar="S", help="Seed of replication 1 (default: file)."
    ),
]
Workers = Annotated[int, typer.Option("--workers", min=1, help="Local worker processes.")]


class ReportLanguage(StrEnum):
    """The languages of the report (typer offers an enum's values as the choices)."""

    en = "en"
    nl = "nl"


def _load(path: Path) -> LoadedScenario:
    """Load a scenario, or print its problems and exit 2."""
    try:
        return load_scenario(path)
    except InvalidInput as exc:
        for problem in exc.problems:
            typer.echo(" ".join(str(problem).split()), err=True)
        raise typer.Exit(EXIT_INVALID) from None


def _check_replications(loaded: LoadedScenario, replications: int | None) -> None:
    """Exit 2 when ``--replications`` asks more of the scenario than a run may simulate (the
    file's own count was checked with the file)."""
    problem = None if replications is None else replications_problem(loaded.scenario, replications)
    if problem is not None:
        typer.echo(f"--replications: {loaded.path}: {problem}", err=True)
        raise typer.Exit(EXIT_INVALID)


def _run(
    loaded: LoadedScenario,
    replications: int | None,
    seed: int | None,
    workers: int,
    *,
    compare: bool,
    dask: str | None = None,
    label: str | None = None,
) -> ScenarioResult:
    with progress_bar(label or loaded.scenario.name) as progress:
        if dask:
            return run_dask(
                loaded, dask, replications=replications, seed=seed, compare=compare,
                progress=progress,
            )  # fmt: skip
        return run_local(
            loaded,
            replications=replications,
            seed=seed,
            workers=workers,
            compare=compare,
            progress=progress,
        )


def _variant(loaded: LoadedScenario, scenario: Scenario) -> LoadedScenario:
    return replace(loaded, scenario=scenario)


def _show(value: float, name: str) -> str:
    return f"{100 * value:.1f} %" if name.endswith("_share") else f"{value:,.1f}"


def _show_difference(value: float, name: str) -> str:
    """A paired difference with its sign, a share's in percentage points (``+3.0 points``):
    "3.0 %" would read as a share, or as a change relative to the first value."""
    return f"{100 * value:+.1f} points" if name.endswith("_share") else f"{value:+,.1f}"


def _amount(value: float, gain: str, loss: str) -> str:
    """A gain in words that match its sign, the amount without one: "7.2 more nights in hotels",
    never "-7.2 fewer nights in hotels", as the HTML report words it."""
    return f"{abs(value):,.1f} {gain if value >= 0 else loss}"


def run(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file (YAML).")],
    *,
    replications: Replications = None,
    seed: Seed = None,
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Where to write the result and report.")
    ] = Path("scenario-results"),
    workers: Workers = 2,
    dask: Annotated[
        str | None,
        typer.Option("--dask", metavar="ADDRESS", help="Run on this Dask scheduler instead."),
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare/--no-compare", help="Also run greedy on the same seeds.")
    ] = True,
    language: Annotated[
        ReportLanguage,
        typer.Option("--language", help="Language of the HTML report: en or nl (Dutch)."),
    ] = ReportLanguage.en,
) -> None:
    """Simulate a scenario; write DIR/NAME.json (result) and DIR/NAME.html (report)."""
    loaded = _load(file)
    _check_replications(loaded, replications)
    # The folder is made before the replications run, so a wrong --out costs no simulation.
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        typer.echo(f"--out {out}: cannot create the folder: {error.strerror}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    try:
        result = _run(loaded, replications, seed, workers, compare=compare, dask=dask)
    except SchedulerUnreachable as unreachable:
        typer.echo(f"--dask {dask}: {unreachable}", err=True)
        raise typer.Exit(EXIT_INVALID if unreachable.malformed else EXIT_UNREACHED) from None
    stem = file.stem
    try:
        (out / f"{stem}.json").write_text(result.model_dump_json(indent=2), "utf-8")
        (out / f"{stem}.html").write_text(render_report(result, language.value), "utf-8")
    except OSError as error:
        typer.echo(f"--out {out}: cannot write the result: {error.strerror}", err=True)
        raise typer.Exit(EXIT_UNWRITTEN) from None
    count = f"{result.replications} replication{'s' if result.replications != 1 else ''}"
    table = Table(title=f"{result.scenario} ({count})")
    table.add_column("KPI")
    table.add_column("mean (95 % interval)", justify="right")
    for name, description in KPI_DESCRIPTIONS.items():
        e = result.kpis[name]
        if result.at_give_up_limit(name):  # no measured wait: the limit, as the report says
            never = 100 * (1 - result.kpis["placed_share"].mean)
            shown = (
                f"at least {e.mean:,.0f} h: the give-up limit, reached by the {never:.1f} % "
                "never placed"
            )
        elif e.has_interval:
            low, high = e.within(share=name.endswith("_share"))
            shown = f"{_show(e.mean, name)} ({_show(low, name)} – {_show(high, name)})"
        else:  # as the report and the run page say it: no spread to estimate one from
            shown = f"{_show(e.mean, name)} (no interval from one replication)"
        table.add_row(description, shown)
    console = Console()
    console.print(table)
    if result.comparison is not None:
        c = result.comparison
        placed = _amount(c.more_placed.mean, "more people placed", "fewer people placed")
        hotels = _amount(
            c.fewer_hotel_nights.mean, "fewer nights in hotels", "more nights in hotels"
        )
        _say(console, f"Engine vs greedy on the same arrivals, per replication: {placed}, {hotels}")
    holidays = result.public_holidays
    if holidays is not None and holidays.days:
        arrivals = holidays.arrivals.mean
        share = 100 * holidays.within_24h.mean / arrivals if arrivals else 0.0
        _say(
            console,
            f"Public holidays after the warm-up: {len(holidays.days)}, with intake "
            f"{holidays.intake.replace('_', ' ')} (public_holiday_intake); {arrivals:.1f} "
            f"arrivals on them per replication, {share:.1f} % of them placed within 24 hours "
            f"(all arrivals: {100 * result.kpis['within_24h_share'].mean:.1f} %)",
        )
    _say(console, f"Wrote {out / (stem + '.json')} and {out / (stem + '.html')}")


def _say(console: Console, line: str) -> None:
    """One line of prose, never broken at the console's width (80 columns when the output is a
    file or a pipe) nor read as markup: a saved run can be searched line by line, a path with
    brackets prints as it is, and a terminal still wraps what is too long."""
    console.print(Text(line), soft_wrap=True)


def compare(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="A.yaml B.yaml ...",
            help="Scenario files (YAML), two or more; each is compared with the first.",
        ),
    ],
    replications: Replications = None,
    seed: Seed = None,
    workers: Workers = 2,
) -> None:
    """Run scenarios on the same seeds; show them side by side with paired differences to A."""
    if len(files) < 2:
        typer.echo("compare needs at least two scenario files", err=True)
        raise typer.Exit(EXIT_INVALID)
    loaded = [_load(path) for path in files]
    count = replications or loaded[0].scenario.replications
    for item in loaded:
        _check_replications(item, count)
    first_seed = loaded[0].scenario.seed if seed is None else seed
    results = [
        _run(item, count, first_seed, workers, compare=False, label=item.path.name)
        for item in loaded
    ]
    seeds = f"Same {count} seeds from {first_seed}" if count > 1 else f"Same seed {first_seed}"
    table = Table(title=f"{seeds}; differences to {files[0].name}")
    table.add_column("KPI")
    for path in files:
        table.add_column(path.name, justify="right")
    for name, description in KPI_DESCRIPTIONS.items():
        base = [r.values[name] for r in results[0].per_replication]
        cells = [_mean(results[0], name)]
        for result in results[1:]:
            diff = paired_difference(base, [r.values[name] for r in result.per_replication])
            mark = _mark(name, diff) if count > 1 else "one replication: not tested"
            cells.append(f"{_mean(result, name)} ({_show_difference(diff.mean, name)}, {mark})")
        table.add_row(description, *cells)
    Console().print(table)


def _mean(result: ScenarioResult, name: str) -> str:
    """KPI ``name``'s mean as a comparison shows it: a wait that is the give-up limit in every
    replication is no measured wait but "at least" the limit, as the compare page says it."""
    if result.at_give_up_limit(name):
        return f"at least {result.kpis[name].mean:,.0f} h (the give-up limit)"
    return _show(result.kpis[name].mean, name)


def _mark(name: str, diff: Difference) -> str:
    """How a paired difference reads: within the noise, better or worse, or (for the demand
    itself) more or fewer."""
    if not diff.significant:
        return "n.s."
    if name in DEMAND:
        return "more" if diff.mean > 0 else "fewer"
    better = (diff.mean < 0) == (name in LOWER_IS_BETTER)
    return "[green]better[/]" if better else "[red]worse[/]"


def advise(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Scenario file (YAML).")],
    add: Annotated[
        int,
        typer.Option("--add", min=1, max=MAX_ADDED, metavar="K", help="Places to add."),
    ],
    replications: Replications = None,
    seed: Seed = None,
    workers: Workers = 2,
) -> None:
    """Where to add K places (police unit x profile) to spare most unsuitable nights."""
    loaded = _load(file)
    _check_replications(loaded, replications)
    base = _run(loaded, replications, seed, workers, compare=False, label="as it is")
    scenario = loaded.scenario
    advice = advice_events(base.unsuitable_nights_by_cell, add, scenario.measured_days)
    network = build_network(scenario, loaded.shelters, loaded.kinds, loaded.holiday_intake)
    spread = pro_rata_events(network, add)
    targeted = _run(
        _variant(loaded, with_events(scenario, advice)), replications, seed, workers,
        compare=False, label="advice",
    )  # fmt: skip
    flat = _run(
        _variant(loaded, with_events(scenario, spread)), replications, seed, workers,
        compare=False, label="pro rata",
    )  # fmt: skip
    console = Console()
    table = Table(title=f"Where to add {add} places")
    table.add_column("police unit")
    table.add_column("for")
    table.add_column("places", justify="right")
    for event in advice:
        profile = event.gender + (f" with {event.conditions[0]}" if event.conditions else "")
        profile += " (youth place, 12-17)" if event.youth else ""
        table.add_row(event.police_unit, profile, str(event.places))
    console.print(table)
    _say(
        console,
        "Each new location is in the unit's largest city, takes intakes 24/7 and accepts the "
        "profile's condition and every condition after it in the contract's list; a youth "
        "place takes ages 12-17 only.",
    )
    _gain(
        console, gain="fewer nights in unsuitable shelter",
        loss="more nights in unsuitable shelter", name="unsuitable_nights", base=base,
        targeted=targeted, flat=flat,
    )  # fmt: skip
    _gain(
        console, gain="more people placed", loss="fewer people placed", name="placed", base=base,
        targeted=targeted, flat=flat, more_is_better=True,
    )  # fmt: skip


def _gain(
    console: Console,
    *,
    gain: str,
    loss: str,
    name: str,
    base: ScenarioResult,
    targeted: ScenarioResult,
    flat: ScenarioResult,
    more_is_better: bool = False,
) -> None:
    """What the advice and the same places pro rata gain against the network as it is, and
    the advice against pro rata, as a positive amount worded ``gain`` or ``loss`` by its sign,
    the interval of the gain with its sign (it may straddle zero)."""

    def values(result: ScenarioResult) -> list[float]:
        return [r.values[name] for r in result.per_replication]

    sign = 1.0 if more_is_better else -1.0
    for label, result in (("advice", targeted), ("pro rata", flat)):
        d = paired_difference(values(base), values(result))
        low, high = sorted((sign * d.low, sign * d.high))
        _say(
            console,
            f"{label}: {_amount(sign * d.mean, gain, loss)} (95 % interval of the gain "
            f"{low:+,.1f} to {high:+,.1f}, "
            + ("significant)" if d.significant else "within the noise)"),
        )
    d = paired_difference(values(flat), values(targeted))
    _say(
        console,
        f"advice against pro rata: {_amount(sign * d.mean, gain, loss)}"
        + (" (significant)" if d.significant else " (within the noise)"),
    )


def schema() -> None:
    """Print the JSON Schema of a scenario file, for editors' completion and checking."""
    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` command group to the ``safeplace`` command line."""
    group = typer.Typer(
        name="scenario",
        help="Simulate capacity scenarios: shortages, policies, where places would help most.",
        no_args_is_help=True,
    )
    for command in (run, compare, advise, schema):
        group.command()(command)
    app.add_typer(group, name="scenario")


__all__: Sequence[str] = ("register",)
