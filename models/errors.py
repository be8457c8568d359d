"""Input errors that name the field path and say what is wrong.

Pydantic reports a location tuple such as ``("victims", 3, "conditions", 0)``; the contract asks for
``victims[3].conditions[0]``. Cross-field checks (a duplicate id, ``occupied`` above ``capacity``)
run in model validators, where pydantic only knows the model's own location. They raise a
``field_problems`` error carrying paths relative to that model, which :func:`problems_from_error`
joins onto the model's location, so every problem is reported at the field it is about.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

FIELD_PROBLEMS = "field_problems"

Loc = Sequence[int | str]


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with an input, at one field path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidInput(ValueError):
    """Raised by the loaders when a document breaks the contract; carries every problem found."""

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def format_path(loc: Loc) -> str:
    """``("victims", 3, "conditions", 0)`` -> ``victims[3].conditions[0]``."""
    out = ""
    for part in loc:
        if isinstance(part, str) and part.startswith(("(", "function-")):
            continue  # a union's tag or a validator's label, not a field of the document
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def suggest(value: str, choices: Iterable[str]) -> str:
    """A `` (did you mean 'x'?)`` suffix when a choice is close to ``value``, else empty."""
    matches = difflib.get_close_matches(value.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def field_problems(problems: Sequence[tuple[Loc, str]]) -> PydanticCustomError:
    """A pydantic error carrying problems at paths relative to the model being validated."""
    summary = "; ".join(f"{format_path(loc) or '(root)'}: {msg}" for loc, msg in problems)
    return PydanticCustomError(
        FIELD_PROBLEMS,
        "{summary}",
        {"summary": summary, "problems": [(list(loc), msg) for loc, msg in problems]},
    )


# Pydantic's wording for a value of the wrong shape names Python types ("a valid dictionary or
# instance of Shelter"); the reader of a JSON body or a YAML scenario file thinks in objects and
# lists.
_SHAPES = {
    "model_type": "expected an object",
    "model_attributes_type": "expected an object",
    "dict_type": "expected an object",
    "list_type": "expected a list",
}


def error_message(error: Any) -> str:
    """What is wrong, in the contract's words, for one item of a pydantic error."""
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind in _SHAPES:
        return _SHAPES[kind]
    if kind == "finite_number":
        return "must be a number, not .nan or .inf"
    message = str(error.get("msg", "invalid value"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def problems_from_error(error: ValidationError, prefix: Loc = ()) -> list[InputProblem]:
    """Every problem of a pydantic error, each at its full field path."""
    problems: list[InputProblem] = []
    for item in error.errors(include_url=False):
        loc = [*prefix, *item["loc"]]
        ctx = item.get("ctx") or {}
        if item["type"] == FIELD_PROBLEMS:
            for rel, msg in ctx["problems"]:
                problems.append(InputProblem(format_path([*loc, *rel]), msg))
        else:
            problems.append(InputProblem(format_path(loc), error_message(item)))
    return problems


# What a key given twice in one object is told (:func:`load_json`).
KEY_GIVEN_TWICE = "given twice in one object"


class _Members(dict[str, Any]):
    """An object's members, and the keys it gave more than once."""

    twice: tuple[str, ...] = ()


def _keys_given_twice(value: Any, loc: Loc = ()) -> Iterator[Loc]:
    """The path of every key some object of ``value`` gave more than once, in document order."""
    if isinstance(value, _Members):
        for key in value.twice:
            yield (*loc, key)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _keys_given_twice(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _keys_given_twice(item, (*loc, index))


def parse_json(text: str | bytes) -> Any:
    """Parse JSON or raise :class:`InvalidInput` saying where the document is broken.

    A key given twice in one object is refused at its path (see :func:`load_json`)."""
    try:
        document, twice = load_json(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            [InputProblem("", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput([InputProblem("", f"input is not UTF-8 text: {exc.reason}")]) from None
    except RecursionError:
        raise InvalidInput([InputProblem("", "the JSON is nested too deeply")]) from None
    if twice:
        raise InvalidInput([InputProblem(format_path(loc), KEY_GIVEN_TWICE) for loc in twice])
    return document


def load_json(text: str | bytes) -> tuple[Any, list[Loc]]:
    """A JSON document, and the path of every key some object of it gives more than once.

    JSON parsers keep the last of two equal keys silently, so ``"conditions": ["addiction"],
    "conditions": []`` would make a victim look healthy: whoever reads a document for the
    contract refuses those keys. The document is walked for them only when the parser met one.
    """
    repeated = False

    def members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        found = dict(pairs)
        if len(found) == len(pairs):
            return found
        repeated = True
        counts = Counter(key for key, _ in pairs)
        marked = _Members(found)
        marked.twice = tuple(key for key in found if counts[key] > 1)
        return marked

    document = json.loads(text, object_pairs_hook=members)
    return document, list(_keys_given_twice(document)) if repeated else []


def duplicate_problems(field: str, values: Sequence[object], what: str) -> list[tuple[Loc, str]]:
    """A problem at ``field[i]`` for every value that already stood earlier in the list (values
    that are no text, which their own check reports, are passed over)."""
    seen: dict[str, int] = {}
    problems: list[tuple[Loc, str]] = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            continue
        if value in seen:
            problems.append(
                ((field, index), f"duplicate {what} '{value}' (also at {field}[{seen[value]}])")
            )
        seen.setdefault(value, index)
    return problems
