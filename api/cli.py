"""``safeplace``: solve, rank and sample contract documents from the command line.

JSON goes to standard output, so the commands compose with pipes and ``jq``; everything meant
for people (input problems, ``--explain``) goes to standard error. Invalid input exits with code 2
and one line per problem naming the field path, never a traceback: the person at the desk must
see which field to fix, not where the program was when it noticed.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from engine.ranking import UnknownVictim, rank
from engine.validation import PlanInvalid
from models.codes import REASON_CODES
from models.errors import InputProblem, InvalidInput, problems_from_error
from models.instance import Instance, load_instance
from models.moment import Moment
from models.plan import Plan
from models.ranking import Ranking

if TYPE_CHECKING:  # typer's own copy of click, whose module is private to typer
    from typer._click import Command, Context

EXIT_INVALID = 2
# A moment as an instance's ``now`` takes it (its years bounded), for ``--now``.
MOMENT: Final = TypeAdapter[datetime](Moment)
# The longest waiting list ``sample`` draws: a hundred years of the country's arrivals, and
# far more than any instance the engine is measured on; beyond it a typo runs out the memory.
MOST_SAMPLE_VICTIMS = 100_000
# How many options ``--explain`` lists; the JSON always carries all of them.
EXPLAIN_OPTIONS = 10

# The commands that other modules register, by module. They are loaded when one of them is run
# or the commands are listed, so that ``solve``, ``rank`` and ``sample`` start without the web
# service, the database and the simulator behind the others: ``safeplace rank`` took 4 s to
# start here with them, and a desk's script runs it once per person.
_ELSEWHERE: Final = {
    "api.cli_service": ("serve", "users", "audit", "retention", "backup", "backup-key", "restore"),
    "api.cli_scenario": ("scenario",),
}


class _Commands(TyperGroup):
    """The command group of ``safeplace``: the commands of this module, and those of
    :data:`_ELSEWHERE` once asked for."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._loaded: set[str] = set()

    def list_commands(self, ctx: Context) -> list[str]:
        for module in _ELSEWHERE:
            self._load(module)
        return super().list_commands(ctx)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        for module, names in _ELSEWHERE.items():
            if cmd_name in names:
                self._load(module)
        return super().get_command(ctx, cmd_name)

    def _load(self, module: str) -> None:
        if module in self._loaded:
            return
        self._loaded.add(module)
        commands = typer.Typer()
        importlib.import_module(module).register(commands)
        group = typer.main.get_command(commands)
        assert isinstance(group, TyperGroup)  # more than one command, or a group of them
        for name, command in group.commands.items():
            self.add_command(command, name)


app = typer.Typer(
    name="safeplace",
    cls=_Commands,
    help="Match victims of human trafficking to shelter places (placement contract v1).",
    add_completion=False,
    no_args_is_help=True,
    # A traceback with local variables would print victims' data; never show them.
    pretty_exceptions_show_locals=False,
)

InstanceArgument = Annotated[
    str,
    typer.Argument(
        metavar="INSTANCE.json", help="Instance document (safeplace.instance/1); '-' reads stdin."
    ),
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Also write a human-readable summary to stderr.")
]


@app.command()
def solve(
    instance: InstanceArgument,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", metavar="SECONDS", help="Stop the search after this long."),
    ] = None,
    explain: ExplainOption = False,
) -> None:
    """Place every victim of the instance; write the plan (safeplace.plan/1) to stdout."""
    with _reporting():
        if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
            message = f"must be a positive number of seconds, not {time_limit}"
            raise InvalidInput([InputProblem("--time-limit", message)])
        loaded = _load(instance)
    # Imported here: the solvers load OR-Tools, which rank and sample have no need to wait for.
    from engine.solve import solve as solve_instance

    try:
        if time_limit is None:
            plan = solve_instance(loaded, method="auto")  # the engine's default limit
        else:
            plan = solve_instance(loaded, time_limit=time_limit, method="auto")
    except PlanInvalid as defect:
        # The engine's own check refused its plan: a defect of Safeplace, not of the input. Said
        # in full, without the traceback, whose frames would carry the instance's data.
        typer.echo(f"internal error, no plan written: the {defect}", err=True)
        typer.echo("this is a defect of Safeplace; please report it with the instance", err=True)
        raise typer.Exit(1) from None
    typer.echo(plan.model_dump_json(indent=2, by_alias=True))
    if explain:
        _explain_plan(plan)


@app.command("rank")
def rank_victim(
    instance: InstanceArgument,
    victim: Annotated[
        str, typer.Option("--victim", metavar="ID", help="Id of the victim to rank.")
    ],
    explain: ExplainOption = False,
) -> None:
    """Rank one victim against the shelters as they are now; write the ranking to stdout."""
    with _reporting():
        loaded = _load(instance)
        try:
            ranking = rank(loaded, victim)
        except UnknownVictim as exc:
            raise InvalidInput([InputProblem("--victim", str(exc))]) from None
    typer.echo(ranking.model_dump_json(indent=2, by_alias=True))
    if explain:
        _explain_ranking(ranking)


@app.command()
def sample(
    victims: Annotated[
        int,
        typer.Option(
            "--victims",
            min=0,
            max=MOST_SAMPLE_VICTIMS,
            metavar="N",
            help="Victims on the waiting list.",
        ),
    ] = 150,
    seed: Annotated[int, typer.Option("--seed", metavar="S", help="Same seed, same instance.")] = 1,
    now: Annotated[
        str | None,
        typer.Option("--now", metavar="ISO", help="Moment with offset; switches on intake hours."),
    ] = None,
) -> None:
    """Write a synthetic instance (the sample network and a drawn waiting list) to stdout."""
    from models.sample import sample_instance

    with _reporting():
        moment = None if now is None else _moment("--now", now)
    instance = sample_instance(victims, seed, moment)
    typer.echo(instance.model_dump_json(indent=2, by_alias=True, exclude_none=True))


@contextmanager
def _reporting() -> Iterator[None]:
    """Turn :class:`InvalidInput` into one stderr line per problem and exit code 2."""
    try:
        yield
    except InvalidInput as exc:
        for problem in exc.problems:
            typer.echo(" ".join(str(problem).split()), err=True)
        raise typer.Exit(EXIT_INVALID) from None


def _load(source: str) -> Instance:
    """Read and validate an instance from a file, or from stdin for ``-``."""
    if source == "-":
        return load_instance(sys.stdin.buffer.read())
    try:
        text = Path(source).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInput([InputProblem(source, f"cannot read the file: {reason}")]) from None
    return load_instance(text)


def _moment(option: str, text: str) -> datetime:
    """An ISO 8601 moment with its offset: a wall-clock time alone is ambiguous around DST."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput([InputProblem(option, f"'{text}' is not an ISO 8601 time")]) from None
    if moment.utcoffset() is None:
        raise InvalidInput(
            [InputProblem(option, f"'{text}' has no offset (e.g. 2026-11-28T02:30:00+01:00)")]
        )
    try:
        return MOMENT.validate_python(moment)
    except ValidationError as error:  # outside the years an instance's ``now`` may lie in
        raise InvalidInput(problems_from_error(error, (option,))) from None


def _explain_ranking(ranking: Ranking) -> None:
    """The first options, why the others are closed and what would open one, for a person."""
    console = _summary_console()
    table = Table(title=Text(f"Options for {ranking.victim}"))
    for column in ("shelter", "cost", "km", "free"):
        table.add_column(column, justify="left" if column == "shelter" else "right")
    for option in ranking.options[:EXPLAIN_OPTIONS]:
        km = "-" if option.distance_km is None else f"{option.distance_km:.1f}"
        table.add_row(Text(option.shelter), f"{option.cost:.1f}", km, str(option.free))
    console.print(table)
    if len(ranking.options) > EXPLAIN_OPTIONS:
        console.print(Text(f"... and {len(ranking.options) - EXPLAIN_OPTIONS} more options"))
    counts: dict[str, int] = {}
    for excluded in ranking.excluded:
        for reason in excluded.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    if counts:
        in_order = sorted(counts.items(), key=lambda item: REASON_CODES.index(item[0]))
        summary = ", ".join(f"{reason} {count}" for reason, count in in_order)
        console.print(Text(f"{len(ranking.excluded)} shelters excluded: {summary}"))
    for relaxation in ranking.relaxations:
        console.print(Text(f"- {relaxation.rule}: {relaxation.detail}"))


def _summary_console() -> Console:
    """Standard error for ``--explain``. Its lines are never broken at the console's width (80
    columns when stderr is a file or a pipe): one line per victim or change stays one line, so a
    saved summary can be searched for a victim, and the terminal still wraps what is too long."""
    return Console(stderr=True, soft_wrap=True)


def _explain_plan(plan: Plan) -> None:
    """The plan in a few lines: how many are placed, and what keeps each of the others out."""
    console = _summary_console()
    objective = plan.objective
    console.print(
        Text(
            f"{plan.status}: {len(plan.assignments)} placed, {len(plan.unassigned)} not placed; "
            f"priority placed {objective.priority_placed}, cost {objective.cost:.1f} "
            f"({plan.solve_seconds:.2f} s)"
        )
    )
    for unassigned in plan.unassigned:
        blocked = ", ".join(f"{code} {count}" for code, count in unassigned.blocked_by.items())
        console.print(Text(f"- {unassigned.victim} not placed: {blocked or 'no shelter'}"))


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point; usage errors (a bad ``--time-limit``) become one line and exit 2."""
    try:
        code = app(
            args=None if argv is None else list(argv), prog_name="safeplace", standalone_mode=False
        )
    except typer.TyperException as exc:
        typer.echo(exc.format_message(), err=True)
        code = exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        code = 1
    except MemoryError:
        # The engine holds a few arrays of victims x shelters (README gives a measured size): an
        # instance too large for the machine is a fact to state, not a defect to trace.
        typer.echo(
            "out of memory: the instance is too large for this machine (the engine keeps a few "
            "arrays of victims x shelters)",
            err=True,
        )
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
