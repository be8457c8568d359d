"""Forms read into the API's request bodies, and the API's field errors mapped back onto forms.

The API's own models validate (:class:`~api.schemas.ReferralCreate`,
:class:`~api.schemas.AvailabilityUpdate`, :class:`~api.schemas.ShelterCreate`), so a page accepts
exactly what the API accepts. This
module only reads the form's strings into the shape of a request body and maps each error's
field path (``danger_zones[1].location``) to the input that holds it, so the message appears next
to the right field. A municipality the gazetteer does not know is caught first, with the closest
names to pick from: that is the mistake a desk makes most under pressure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData

from api.problems import FieldError, field_errors
from api.referral_store import NOBODY_KNOWN
from api.regions import inside_netherlands
from api.schemas import (
    MAX_DANGER_ZONES,
    PRINTABLE,
    AvailabilityUpdate,
    ReferralCreate,
    ShelterCreate,
    ShelterData,
)
from api.web.languages import codes_of
from models import gazetteer
from models.codes import WEEKDAYS
from models.errors import format_path
from models.intake import IntakeWindow, parse_days, parse_minute
from models.location import Location

M = TypeVar("M", bound=BaseModel)
# A message the templates translate, or None: the API's own (English) message is shown.
Code = (
    Literal[
        "required",
        "number",
        "distance",
        "unknown_municipality",
        "window",
        "at_least",
        "at_most",
        "more_than",
        "language",
        "free_at_most",
        "held_meanwhile",
        "moment",
        "years",
        "since_future",
        "since_too_old",
        "since_before_current",
        "window_overnight",
        "tick_one",
        "too_many",
        "too_long",
        "printable",
        "programme",
        "shelter_id",
        "place_or_point",
        "degrees",
        "outside_netherlands",
        "swapped",
        "shelter_exists",
        "in_use",
        "unknown_person",
        "placed",
    ]
    | None
)

# Days, then two times: ``ma-vr 08:00-19:00``, or as Dutch notices write it, ``maandag t/m
# vrijdag 8.00 - 19.00 uur``.
_WINDOW = re.compile(
    r"^\s*(\S.*?)\s+(\d{1,2}[:.]\d{2})\s*-\s*(\d{1,2}[:.]\d{2})(?:\s*uur)?\s*$", re.IGNORECASE
)
_DAY = re.compile(r"[a-z]+")
# Around a day range's dash or a list's comma, and ``t/m`` (Dutch "up to and including").
_DAY_JOINS = re.compile(r"\s*(?:(-|t/m)|(,))\s*")
# Dutch staff write the days in Dutch: ``ma-vr``, ``za,zo``; the contract's codes are English.
DUTCH_DAYS = dict(zip(("ma", "di", "wo", "do", "vr", "za", "zo"), WEEKDAYS, strict=True))
# Days written out in full, in Dutch or English, as the codes they stand for.
_FULL_DAYS = dict(
    zip(
        ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        WEEKDAYS,
        strict=True,
    )
) | dict(
    zip(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        WEEKDAYS,
        strict=True,
    )
)
_ZONE = re.compile(r"^danger_zones\[(\d+)\](?:\.(\w+))?")
_SEPARATORS = re.compile(r"[\s,;]+")
# A place typed as latitude and longitude with decimal points and a comma between: how the form
# shows a place the API was given as a point (``52.0907374, 5.1214201``), so that it reads back.
_POINT = re.compile(r"\s*(-?[0-9]+(?:\.[0-9]+)?)\s*,\s*(-?[0-9]+(?:\.[0-9]+)?)\s*")
# A whole number as forms send one (see :func:`whole_number`); fifteen digits are far above any
# count or version and far below what the databases' 64-bit integers hold.
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,15}")
# Inputs that hold part of one field of a request: a fault in one leaves the field unread.
_PARTS = {"lat": "location", "lon": "location"}


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one input: ``field`` is its name (and its element's id)."""

    field: str
    code: Code
    detail: str


class FormProblems(Exception):
    """A form that does not make a valid request; every problem names its input."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = list(problems)


def referral_from_form(form: FormData) -> ReferralCreate:
    """The new referral a desk's form describes."""
    problems: list[FieldProblem] = []
    data: dict[str, Any] = {
        "conditions": _all(form, "conditions"),
        "languages": codes_of(_text(form, "languages")),
        "programmes": _all(form, "programmes"),
        "avoid": _words(_text(form, "avoid")),
        "danger_zones": [],
    }
    for name in ("gender", "exploitation", "stay"):
        if _text(form, name):
            data[name] = _text(form, name)
    for name in ("age", "children", "priority"):
        number = _number(form, name, problems)
        if number is not None:
            data[name] = number
    place = _place(form, "location", problems)
    if place is not None:
        data["location"] = place
    # The form's row of each zone in the request: rows left empty or faulted are not sent, so
    # the request's third zone may be the form's fifth row.
    rows: list[int] = []
    for index in range(MAX_DANGER_ZONES):
        zone = _zone(form, index, problems)
        if zone is not None:
            data["danger_zones"].append(zone)
            rows.append(index)
    return _validated(ReferralCreate, data, problems, zone_rows=rows)


def availability_from_form(form: FormData) -> AvailabilityUpdate:
    """The availability a shelter's form reports: free places, closed, intake hours, whether
    they hold on public holidays, and the version of the shelter the page showed (so that a
    colleague's save in between is not overwritten unseen)."""
    problems: list[FieldProblem] = []
    data: dict[str, Any] = {
        "closed": _text(form, "closed") == "yes",
        "holiday_intake": _text(form, "holiday_intake") == "yes",
    }
    # Saving the form confirms the count (it renews when the places were last reported), so
    # the count is asked for: an emptied field must not pass for "nothing changed".
    free = _number(form, "free", problems)
    if free is not None:
        data["free"] = free
    elif not _text(form, "free"):
        problems.append(FieldProblem("free", "required", ""))
    # The shelter's version the page showed, from a hidden input.
    version = whole_number(_text(form, "version"))
    if version is not None:
        data["version"] = version
    intake = _intake(form, problems)
    if intake is not None:
        data["intake"] = intake
    return _validated(AvailabilityUpdate, data, problems)


def new_shelter_from_form(form: FormData) -> ShelterCreate:
    """The new shelter an admin's form describes. Every number is asked for, though the API has
    defaults for most: an emptied field must not pass for "as before" and be saved as the
    default. The residents are not on the form (see :mod:`api.web.pages.network`)."""
    problems: list[FieldProblem] = []
    data = _shelter_data(form, problems)
    if _text(form, "id"):
        data["id"] = _text(form, "id")
    return _in_step(ShelterCreate, data, problems)


def shelter_from_form(form: FormData, *, shelter_id: str) -> ShelterData:
    """Shelter ``shelter_id`` as an admin's form edited it (the id is not on the form), read as
    :func:`new_shelter_from_form` reads a new one; an id stored before the rule for new ids
    (:data:`api.schemas.ShelterId`) is taken as it is."""
    problems: list[FieldProblem] = []
    data = _shelter_data(form, problems) | {"id": shelter_id}
    return _in_step(ShelterData, data, problems)


def _shelter_data(form: FormData, problems: list[FieldProblem]) -> dict[str, Any]:
    """Every field of the shelter form but the id, as a request body has them; what cannot be
    read is added to ``problems``."""
    data: dict[str, Any] = {
        "genders": _all(form, "genders"),
        "children": _text(form, "children") == "yes",
        "accepts": _all(form, "accepts"),
        "specialisations": _all(form, "specialisations"),
        "languages": codes_of(_text(form, "languages")),
        "programme": _text(form, "programme").lower() or None,
        "closed": _text(form, "closed") == "yes",
        "kind": _text(form, "kind") or None,
        "holiday_intake": _text(form, "holiday_intake") == "yes",
    }
    for name in ("capacity", "occupied", "min_age", "max_age"):
        number = _number(form, name, problems)
        if number is not None:
            data[name] = number
        elif not _text(form, name):
            problems.append(FieldProblem(name, "required", ""))
    location = _shelter_location(form, problems)
    if location is not None:
        data["location"] = location
    intake = _intake(form, problems)
    if intake is not None:
        data["intake"] = intake
    elif not _text(form, "intake"):
        problems.append(FieldProblem("intake", "required", ""))
    return data


def _intake(form: FormData, problems: list[FieldProblem]) -> str | list[dict[str, str]] | None:
    """The intake hours chosen (``24/7``, ``office`` or the windows typed), None when no choice
    was sent."""
    mode = _text(form, "intake")
    if mode in ("24/7", "office"):
        return mode
    if mode != "windows":
        return None
    windows = _windows(_text(form, "windows"), problems)
    if not windows and not any(problem.field == "windows" for problem in problems):
        # No window at all would be a shelter that never takes anyone in, unmarked as closed.
        problems.append(FieldProblem("windows", "required", ""))
    return windows


def _shelter_location(form: FormData, problems: list[FieldProblem]) -> dict[str, Any] | None:
    """Where a shelter is: the municipality typed into ``location``, or the point typed into
    ``lat`` and ``lon`` (a decimal comma is fine); one of the two, as the API takes it. A point
    outside the Netherlands is refused here with the likely cause, latitude and longitude
    swapped, as the API refuses it (:func:`api.regions.outside_netherlands`)."""
    typed = [_text(form, name) for name in ("lat", "lon")]
    if _text(form, "location"):
        if any(typed):
            problems.append(FieldProblem("location", "place_or_point", ""))
            return None
        place = _municipality(form, "location", problems)
        return None if place is None else {"municipality": place}
    if not any(typed):
        problems.append(FieldProblem("location", "required", ""))
        return None
    lat, lon = (_degrees(form, name, problems) for name in ("lat", "lon"))
    if lat is None or lon is None:
        return None
    if not inside_netherlands(lat, lon):
        swapped = inside_netherlands(lon, lat)
        problems.append(FieldProblem("lat", "swapped" if swapped else "outside_netherlands", ""))
        return None
    return {"lat": lat, "lon": lon}


def _degrees(form: FormData, name: str, problems: list[FieldProblem]) -> float | None:
    """Degrees as a decimal number (``52.09`` or ``52,09``), None with a problem otherwise."""
    return _decimal(form, name, "degrees", problems)


def _decimal(form: FormData, name: str, code: Code, problems: list[FieldProblem]) -> float | None:
    """A decimal number, with a point or a Dutch comma; None with a problem (``required``, or
    ``code`` naming what was typed: ``nan`` or ``inf`` are no number a desk means)."""
    typed = _text(form, name)
    if not typed:
        problems.append(FieldProblem(name, "required", ""))
        return None
    try:
        number = float(typed.replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        problems.append(FieldProblem(name, code, typed))
        return None
    return number


def _in_step(model: type[M], data: dict[str, Any], problems: list[FieldProblem]) -> M:
    """A shelter's form as ``model`` (see :func:`_validated`), with what the contract refuses
    in two of its numbers together (:func:`_out_of_step`) among the problems."""
    try:
        shelter = _validated(model, data, problems)
    except FormProblems as found:
        faulted = {problem.field for problem in found.problems}
        raise FormProblems([*found.problems, *_out_of_step(data, faulted)]) from None
    together = _out_of_step(data, set())
    if together:
        raise FormProblems(together)
    return shelter


def _out_of_step(data: dict[str, Any], faulted: set[str]) -> list[FieldProblem]:
    """What the contract refuses in two numbers together, said at the one to change: more
    places occupied than there are, a highest age below the lowest. Two numbers are compared
    only when neither is ``faulted`` already: against a capacity of -1, "occupy at most -1"
    would only mislead."""
    problems: list[FieldProblem] = []

    def sound(*names: str) -> bool:
        return all(name in data and name not in faulted for name in names)

    if sound("occupied", "capacity") and data["occupied"] > data["capacity"]:
        problems.append(FieldProblem("occupied", "at_most", str(data["capacity"])))
    if sound("min_age", "max_age") and data["max_age"] < data["min_age"]:
        problems.append(FieldProblem("max_age", "at_least", str(data["min_age"])))
    return problems


def windows_text(windows: Iterable[IntakeWindow], *, dutch: bool = False) -> str:
    """Intake windows as the form shows them, one per line: ``mon-fri 09:00-17:00``, or with
    the days in Dutch (``ma-vr 09:00-17:00``) for a Dutch reader."""
    words = {code: word for word, code in DUTCH_DAYS.items()} if dutch else {}
    return "\n".join(f"{_days_in(words, w.days)} {w.start}-{w.end}" for w in windows)


def _days_in(words: dict[str, str], days: str) -> str:
    """``days`` (``mon-fri``, ``za,zo``) with each day put in ``words``; others as they are."""
    return _DAY.sub(lambda day: words.get(day.group(), day.group()), days)


def from_api(
    errors: Sequence[FieldError] | None, zone_rows: Sequence[int] = ()
) -> list[FieldProblem]:
    """The API's field errors as form problems, each at the input its path points to (for
    ``zone_rows``, see :func:`input_of`)."""
    return [FieldProblem(input_of(e.path, zone_rows), None, e.message) for e in errors or ()]


def people_unknown(errors: Sequence[FieldError] | None, avoid: Sequence[str]) -> list[FieldProblem]:
    """The API's refusal of a referral, new or changed, as form problems, each ``avoid`` entry
    that names nobody the service knows said as such, with the number as typed (any other
    refusal at an entry, such as the referral's own number, keeps its own words)."""
    problems: list[FieldProblem] = []
    for error in errors or ():
        entry = _AVOID_ENTRY.fullmatch(error.path)
        index = int(entry.group(1)) if entry is not None else len(avoid)
        typed = avoid[index] if index < len(avoid) else None
        if typed is not None and error.message == NOBODY_KNOWN.format(typed):
            problems.append(FieldProblem("avoid", "unknown_person", typed))
        else:
            problems += from_api([error])
    return problems


_AVOID_ENTRY = re.compile(r"avoid\[(\d+)\]")


def input_of(path: str, zone_rows: Sequence[int] = ()) -> str:
    """The form input that holds the value at an API field path. ``zone_rows`` is the form's
    row of each danger zone the request holds, where they differ (rows left out); a zone not in
    it is at the row of its own index."""
    zone = _ZONE.match(path)
    if zone is not None:
        index = int(zone.group(1))
        row = zone_rows[index] if index < len(zone_rows) else index
        return f"zone_{row}_{'km' if zone.group(2) == 'min_km' else 'place'}"
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    return {"intake": "windows", "": "form"}.get(head, head)


def _validated(
    model: type[M],
    data: dict[str, Any],
    problems: list[FieldProblem],
    *,
    zone_rows: Sequence[int] = (),
) -> M:
    """``data`` as ``model``, unless the form's own reading found problems or the model finds
    some: then FormProblems with all of them at once, so that the desk corrects the form in one
    round (a field the reading already faulted is left out of the model's problems: its value is
    missing from ``data`` because of that fault). The model's problems are put at the form's
    inputs (for ``zone_rows``, see :func:`input_of`)."""
    try:
        validated = model.model_validate(data)
    except ValidationError as error:
        faulted = {_PARTS.get(problem.field, problem.field) for problem in problems}
        found = [found for item in error.errors() for found in _problems(item, zone_rows)]
        extra = [problem for problem in found if problem.field not in faulted]
        raise FormProblems([*problems, *extra]) from None
    if problems:
        raise FormProblems(problems)
    return validated


def _problems(item: ErrorDetails, zone_rows: Sequence[int]) -> list[FieldProblem]:
    """One validation error as form problems: those a form's input can cause get a code the
    pages word in the reader's language; any other keeps the API's (English) message."""
    limits = item.get("ctx") or {}
    field = input_of(format_path(list(item["loc"])), zone_rows)
    if item["type"] == "missing":
        return [FieldProblem(field, "required", "")]
    if item["type"] == "greater_than":
        return [FieldProblem(field, "more_than", _number_text(limits["gt"]))]
    if item["type"] == "greater_than_equal":
        return [FieldProblem(field, "at_least", _number_text(limits["ge"]))]
    if item["type"] == "less_than_equal":
        return [FieldProblem(field, "at_most", _number_text(limits["le"]))]
    if item["type"] == "value_error" and item["loc"][:1] == ("languages",):
        return [FieldProblem(field, "language", str(item["input"]))]
    if item["type"] == "too_short":  # a list that needs an element: a box to tick
        return [FieldProblem(field, "tick_one", "")]
    if item["type"] == "too_long":
        return [FieldProblem(field, "too_many", str(limits["max_length"]))]
    if item["type"] == "string_too_long":
        return [FieldProblem(field, "too_long", str(limits["max_length"]))]
    if item["type"] == "string_pattern_mismatch" and item["loc"][:1] == ("programme",):
        return [FieldProblem(field, "programme", "")]
    if item["type"] == "string_pattern_mismatch" and limits.get("pattern") == PRINTABLE:
        return [FieldProblem(field, "printable", "")]
    if item["type"] == "value_error" and item["loc"] == ("id",):  # only a shelter's, on a form
        return [FieldProblem(field, "shelter_id", "")]
    return from_api(field_errors([item]), zone_rows)


def _number_text(limit: object) -> str:
    """A limit as a form shows numbers: ``0`` rather than ``0.0``."""
    return f"{limit:g}" if isinstance(limit, float) else str(limit)


def _text(form: FormData, name: str) -> str:
    """A field's text without surrounding blanks ("" when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _all(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (ticked boxes), empty ones left out."""
    return [value for value in form.getlist(name) if isinstance(value, str) and value]


def _words(text: str) -> list[str]:
    """Codes typed as a list: separated by commas, semicolons or blanks, as people type them; a
    code typed twice counts once (what it asks is plain; the API would refuse the repeat)."""
    return list(dict.fromkeys(word for word in _SEPARATORS.split(text) if word))


def whole_number(text: str) -> int | None:
    """``text`` as a whole number written the plain way, else None: ASCII digits, a minus at
    most, and no more digits than any count or version here can need.

    ``int`` alone takes more, and a form may send anything: "²" passes ``str.isdigit`` yet
    ``int`` refuses it, digits of other scripts ("٣") and underscores ("2_7") read as numbers
    nobody typed as such, and thousands of digits are refused by ``int`` or, fewer, by the
    database."""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else None


def _number(form: FormData, name: str, problems: list[FieldProblem]) -> int | None:
    """A whole number, None when left empty (the API then says whether it is required)."""
    text = _text(form, name)
    if not text:
        return None
    number = whole_number(text)
    if number is None:
        problems.append(FieldProblem(name, "number", text))
    return number


def _municipality(form: FormData, name: str, problems: list[FieldProblem]) -> str | None:
    """The official name of the municipality typed into ``name``, if it is one."""
    text = _text(form, name)
    if not text:
        return None
    found = gazetteer.find(text)
    if found is not None:
        return found.name
    problems.append(
        FieldProblem(name, "unknown_municipality", ", ".join(gazetteer.close_matches(text)))
    )
    return None


def _place(form: FormData, name: str, problems: list[FieldProblem]) -> dict[str, Any] | None:
    """The place typed into ``name`` as a request body's location: a municipality by its
    official name, or a point (see :data:`_POINT`); None when empty or no municipality."""
    point = _POINT.fullmatch(_text(form, name))
    if point is not None:
        return {"lat": float(point.group(1)), "lon": float(point.group(2))}
    found = _municipality(form, name, problems)
    return None if found is None else {"municipality": found}


def place_text(location: Location | None) -> str:
    """A referral's place as the form shows it: the municipality's name as stored, or a point
    as latitude and longitude with every digit stored, so that the same place reads back."""
    if location is None:
        return ""
    if location.municipality is not None:
        return location.municipality
    return f"{_positional(location.lat)}, {_positional(location.lon)}"


def _positional(degrees: float | None) -> str:
    """Degrees written without an exponent, with the fewest digits that read back the same."""
    return "" if degrees is None else format(Decimal(repr(degrees)), "f")


def _zone(form: FormData, index: int, problems: list[FieldProblem]) -> dict[str, Any] | None:
    """Danger zone ``index``: a municipality and a distance in km (a decimal comma is fine), or
    nothing when both are empty."""
    place_field, km_field = f"zone_{index}_place", f"zone_{index}_km"
    if not _text(form, place_field) and not _text(form, km_field):
        return None
    place = _place(form, place_field, problems)
    if not _text(form, place_field):
        problems.append(FieldProblem(place_field, "required", ""))
    km = _decimal(form, km_field, "distance", problems)
    if km is None:
        return None
    return None if place is None else {"location": place, "min_km": km}


def _windows(text: str, problems: list[FieldProblem]) -> list[dict[str, str]]:
    """Intake windows, one per line, as the contract writes them (``9:00`` and ``9.00`` become
    ``09:00``, ``maandag t/m vrijdag`` becomes ``mon-fri``);
    a line of the wrong shape, or whose days or times the contract refuses (``mnd``, ``25:00``),
    is named by its number."""
    windows: list[dict[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        window = _window(line)
        if window is None:
            problems.append(FieldProblem("windows", "window", str(number)))
        elif _overnight(window):
            problems.append(FieldProblem("windows", "window_overnight", str(number)))
        else:
            windows.append(window)
    return windows


def _window(line: str) -> dict[str, str] | None:
    """One line as the contract's window, or None when the contract would refuse it. Its blanks
    are single spaces first: against a line with a long run of blanks in it, the pattern (and
    the joins of the days) would try every way to split the run, for minutes."""
    match = _WINDOW.match(" ".join(line.split()))
    if match is None:
        return None
    days, start, end = match.groups()
    joined = _DAY_JOINS.sub(lambda join: "-" if join.group(1) else ",", days.lower())
    english = _days_in(DUTCH_DAYS | _FULL_DAYS, joined)
    window = {
        "days": english,
        "from": start.replace(".", ":").zfill(5),
        "to": end.replace(".", ":").zfill(5),
    }
    try:
        parse_days(english)
    except ValueError:
        return None
    if _overnight(window):
        return window  # the caller says how to split it
    try:
        IntakeWindow.model_validate(window)
    except ValidationError:
        return None
    return window


def _overnight(window: dict[str, str]) -> bool:
    """Whether a window's times run past midnight (``20:00-08:00``), which the contract writes
    as two windows split at 24:00."""
    try:
        return parse_minute(window["to"]) <= parse_minute(window["from"]) < 24 * 60
    except ValueError:
        return False
