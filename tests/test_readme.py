"""README.md against the code, so that what it tells users cannot go stale unnoticed.

The README is where operators look up a setting, a command or a route; many hands extend it, and
a renamed option or a changed default there misleads quietly. These tests read its tables and
command lines and hold them to the code itself: the settings table to the fields of
:class:`api.settings.Settings` (names, defaults, accepted ranges), every ``safeplace`` command and
option to the command line's own tree (both ways), the API table to the route policy that
``tests/api/test_roles.py`` holds to the app's routes, and every file or module it names to the
repository.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any, get_args

import annotated_types
import pytest
from pydantic.fields import FieldInfo
from typer._click.core import Command

from api import ledger
from api.settings import AUDIT_MARGIN_DAYS, Settings
from engine.ranking import rank
from models.instance import Instance
from models.sample import INSTANCE_FORMAT, sample_shelter_kinds, sample_shelters
from models.victim import Victim
from tests.api.helpers import ACCESS, ROLES
from tests.commands import command_tree

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
API_PREFIX = "/api/v1"


def section(heading: str) -> str:
    """The README's text under ``heading`` (a whole heading line), up to the next heading."""
    start = README.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(r"^#{1,6} ", README[start:], re.MULTILINE)
    return README[start : start + following.start()] if following else README[start:]


def table(text: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table in ``text`` whose header line is ``header``, as cells."""
    lines = text[text.index(header) :].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows


def without_code_blocks(text: str) -> str:
    """``text`` without its fenced code blocks (whose backticks are no inline code)."""
    return re.sub(r"^```.*?^```$", "", text, flags=re.MULTILINE | re.DOTALL)


def code_block_lines(text: str) -> list[str]:
    """Every line inside a fenced code block of ``text``."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)
    return [line for block in blocks for line in block.splitlines()]


def inline_code(text: str) -> list[str]:
    """Every inline code span of ``text``, its line breaks made spaces."""
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", without_code_blocks(text))]


# ---------------------------------------------------------------------------------------------
# Settings


def number(value: float) -> str:
    """A number as the README writes it: thousands separated by commas, no trailing ``.0``."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,g}"


def accepted(field: FieldInfo) -> str | None:
    """What the settings table must say a numeric or boolean setting accepts; None for the
    others, whose rule is in words."""
    if field.annotation is bool:
        return "true or false"
    bounds: dict[str, Any] = {}
    for rule in field.metadata:
        for kind in ("ge", "gt", "le", "lt"):
            if isinstance(rule, getattr(annotated_types, kind.title())):
                bounds[kind] = getattr(rule, kind)
    if not bounds:
        return None
    if set(bounds) == {"ge", "le"}:
        return f"{number(bounds['ge'])} to {number(bounds['le'])}"
    words = {"ge": "at least", "gt": "more than", "le": "at most", "lt": "less than"}
    return ", ".join(
        f"{words[kind]} {number(bounds[kind])}"
        for kind in ("ge", "gt", "le", "lt")
        if kind in bounds
    )


def default(name: str, field: FieldInfo) -> str:
    """What the settings table must give as the default of setting ``name``."""
    value = field.default
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return number(value)
    if value == "":
        return "empty"
    if isinstance(value, str | Path):
        return f"`{value}`"
    # No value: the default is derived, and the README says from what.
    fields = Settings.model_fields
    derived = {
        "jwt_secret": f"generated once into `{fields['var_dir'].default}/jwt-secret`",
        "audit_retention_days": (
            f"`SAFEPLACE_RETENTION_DAYS` + {AUDIT_MARGIN_DAYS:,} "
            f"({fields['retention_days'].default + AUDIT_MARGIN_DAYS:,})"
        ),
    }
    assert name in derived, f"{name}: no default value; say here what the README gives instead"
    return derived[name]


def settings_rows() -> dict[str, list[str]]:
    rows = table(section("### Settings (environment)"), "| variable | default | accepted |")
    return {row[0].strip("`"): row[1:] for row in rows}


def variable(name: str) -> str:
    return f"{Settings.model_config.get('env_prefix', '')}{name}".upper()


def test_the_settings_table_names_every_setting_and_nothing_else() -> None:
    assert sorted(settings_rows()) == sorted(variable(name) for name in Settings.model_fields)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_the_settings_table_gives_each_default_and_range(name: str) -> None:
    field = Settings.model_fields[name]
    given_default, given_range, meaning = settings_rows()[variable(name)]
    expected = default(name, field)
    assert given_default == expected or given_default.startswith(f"{expected} ("), given_default
    rule = accepted(field)
    if rule is None:
        assert given_range, f"{variable(name)}: say what it accepts"
    else:
        assert given_range == rule or given_range.startswith(f"{rule}; "), given_range
    assert meaning


# ---------------------------------------------------------------------------------------------
# Command line


def option_names(command: Command) -> list[tuple[str, ...]]:
    """The long names of each option ``command`` takes (both of a ``--x/--no-x`` pair), beyond
    --help."""
    named = [
        tuple(
            name for name in (*parameter.opts, *parameter.secondary_opts) if name.startswith("--")
        )
        for parameter in command.params
        if parameter.param_type_name == "option"
    ]
    return [names for names in named if names and names != ("--help",)]


def options(command: Command) -> set[str]:
    return {name for names in option_names(command) for name in names}


def paragraphs() -> list[str]:
    """The README's paragraphs, table rows, list items and code lines, their line breaks made
    spaces."""
    blocks = re.split(r"\n\s*\n|\n(?=\| )|\n(?=- )", without_code_blocks(README))
    return [" ".join(block.split()) for block in [*blocks, *code_block_lines(README)]]


@pytest.mark.parametrize("path", sorted(command_tree()))
def test_every_command_is_described(path: str) -> None:
    assert f"safeplace {path}" in " ".join(README.split()), path


OPTIONS = sorted(
    (path, names) for path, command in command_tree().items() for names in option_names(command)
)


@pytest.mark.parametrize(
    ("path", "option"), OPTIONS, ids=[f"{path} {names[0]}" for path, names in OPTIONS]
)
def test_every_option_is_described_with_its_command(path: str, option: tuple[str, ...]) -> None:
    """Named in a paragraph, table row or list item that names the command too."""
    commands = (f"safeplace {path}", f"`{path}")
    assert any(
        any(name in block for name in option) and any(name in block for name in commands)
        for block in paragraphs()
    ), f"safeplace {path} {option[0]}"


def command_lines() -> list[str]:
    """Every command line the README shows: code-block lines and inline code, from ``safeplace``
    on, without shell comments, pipes, redirections and what follows a ``;``."""
    lines = []
    for text in [*code_block_lines(README), *inline_code(README)]:
        for match in re.finditer(r"(?<![\w-])safeplace(?= )(.*)", text):
            lines.append("safeplace" + re.split(r"\s#|[|;>]", match.group(1))[0])
    return lines


@pytest.mark.parametrize("line", sorted(set(command_lines())))
def test_every_command_line_shown_exists(line: str) -> None:
    """A command and its options as the README writes them are the command line's own."""
    tree = command_tree()
    words = line.split()[1:]
    path = ""
    while words and f"{path} {words[0]}".strip() in tree:
        path = f"{path} {words.pop(0)}".strip()
    assert path, f"'{line}': no such command"
    group = getattr(tree[path], "commands", None)
    assert not (group and words), f"'{line}': safeplace {path} has no command '{words[0]}'"
    given = {word.strip("[]").split("=")[0] for word in words if word.strip("[").startswith("--")}
    assert given <= options(tree[path]), f"'{line}': not options of safeplace {path}"


# ---------------------------------------------------------------------------------------------
# API


def api_rows() -> list[tuple[str | None, str, str, str]]:
    """The API table's rows as (method or None for a collection, path under /api/v1, what,
    roles)."""
    rows = []
    for resource, what, roles in table(README, "| resource | what | roles |"):
        method, _, path = resource.strip("`").rpartition(" ")
        rows.append((method or None, template(path), what, roles))
    return rows


def template(path: str) -> str:
    """A path with its parameters unnamed: the README writes ``{id}`` for ``{shelter_id}``."""
    return re.sub(r"\{\w*\}", "{}", path)


def roles_named(cell: str) -> set[str]:
    return set(re.findall(rf"\b({'|'.join(ROLES)})\b", cell))


def test_every_api_route_is_in_the_table_with_its_roles() -> None:
    rows = api_rows()
    exact = {(method, path) for method, path, _, _ in rows if method}
    routes = {
        (method, template(path.removeprefix(API_PREFIX))): allowed
        for (method, path), allowed in ACCESS.items()
        if path.startswith(API_PREFIX)
    }
    for method, path, what, roles in rows:
        if method:
            assert (method, path) in routes, f"{method} {path}: no such route"
            covered = {(method, path): routes[(method, path)]}
        else:
            covered = {
                route: allowed
                for route, allowed in routes.items()
                if route not in exact and re.match(rf"{re.escape(path)}(/|$)", route[1])
            }
            assert covered, f"{path}: no route under it"
            for _, route in covered:
                last = route.rsplit("/", 1)[-1]
                if route.count("/") > 2 and not last.startswith("{"):
                    assert last in what, f"{route}: '{last}' not described under {path}"
        needed = set().union(*covered.values())
        assert roles_named(roles) == needed or (not needed and roles == "anyone"), (path, roles)
    for method, path in routes:
        assert (method, path) in exact or any(
            not m and re.match(rf"{re.escape(p)}(/|$)", path) for m, p, _, _ in rows
        ), f"{method} {path}: not in the README's API table"


def test_routes_outside_the_api_are_named() -> None:
    outside = {path for _, path in ACCESS if not path.startswith(API_PREFIX)}
    for path in outside:
        assert f"`{path}`" in README, path


def test_the_placement_example_warns_of_the_emergency_bed_it_holds() -> None:
    """The end-to-end example holds the ranking's first option, which for its referral on the
    sample network is an emergency bed, not a placement; an API client cannot see that, so the
    README says it, and names the shelter the example gets."""
    start = README.index("\n### A placement, end to end\n")
    example = README[start : README.index("\n```\n", start)]
    body = re.search(r"\$API/referrals \\\n\s*-d '(\{.*?\})'", example, re.DOTALL)
    assert body is not None, example
    victim = Victim.model_validate({**json.loads(body.group(1)), "id": "V1"})
    instance = Instance(format=INSTANCE_FORMAT, shelters=sample_shelters(), victims=[victim])
    first = rank(instance, "V1").options[0].shelter
    assert sample_shelter_kinds()[first] == "emergency"
    named = re.search(r"may be an emergency bed .*? it is (S\d+)", example, re.DOTALL)
    assert named is not None, example
    assert named.group(1) == first


def test_every_refusal_of_the_ledger_is_named_with_its_routes() -> None:
    """A script acts on a 409's ``code``, so each one the ledger gives (``ConflictCode``) is
    named in the row of the routes that answer it: the placement's under ``/placements``, the
    rest under ``/holds``, whose routes are where holds are made, confirmed, extended, released."""
    what = {path: text for method, path, text, _ in api_rows() if method is None}
    for code in get_args(ledger.ConflictCode):
        row = "/placements" if code.startswith("placement_") else "/holds"
        assert f"`{code}`" in what[row], f"{code}: not named under {row}"


# ---------------------------------------------------------------------------------------------
# Files and modules

# Paths the README gives as examples of a user's own files, not of the repository's.
EXAMPLES = {"scenarios/x.yaml"}


def test_every_file_named_exists() -> None:
    pattern = r"(?<![\w/.-])((?:api|engine|models|tests|benchmarks|scenarios|docs)/[\w./-]*\w/?)"
    named = set(re.findall(pattern, README)) - EXAMPLES
    assert named
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == []


def test_every_module_named_exists() -> None:
    named = {
        span.removeprefix("python -m ")
        for span in inline_code(README)
        if re.fullmatch(r"(python -m )?(api|engine|models)(\.\w+)+", span)
    }
    assert named
    for dotted in named:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                found: object = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for attribute in parts[cut:]:
                assert hasattr(found, attribute), dotted
                found = getattr(found, attribute)
            break
        else:
            pytest.fail(f"{dotted}: no such module")


def test_every_shipped_scenario_is_named() -> None:
    shipped = {path.stem for path in (ROOT / "scenarios").glob("*.yaml")}
    tabled = {row[0].strip("`") for row in table(README, "| scenario | what it shows |")}
    assert tabled <= shipped
    assert all(f"`{name}`" in README for name in shipped)
