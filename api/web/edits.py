"""Changing a stored object on a form: the admin's shelters and the desk's referrals.

Both forms are filled in with the object as stored and send only the fields whose entries differ
from it, with the version the form was made from (a hidden input). A colleague's change saved
after the form was opened makes the save a conflict (409 ``version_conflict``): nothing is saved,
the page shows what is stored now next to the entries, which are kept, and a save from there is
based on what it showed. A form sent back as it was shown changes nothing, so nothing is sent.

What counts as a change is what a reader would call one: the same codes in another order are no
change where the order means nothing (a set of languages), nor is a municipality written by its
official name where it was stored by another ("Den Bosch").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from starlette.datastructures import FormData

from api.web.forms import whole_number
from models import gazetteer


def changes(
    entered: BaseModel,
    stored: BaseModel,
    fields: Iterable[str],
    *,
    sets: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The ``fields`` of the form's ``entered`` whose values differ from the object as
    ``stored``, as a request body has them; the fields in ``sets`` are compared without their
    order."""
    shown = set(fields)
    wanted = entered.model_dump(mode="json", by_alias=True, include=shown)
    now = stored.model_dump(mode="json", by_alias=True, include=shown)
    return {
        name: value
        for name, value in wanted.items()
        if _same_form(name, value, sets) != _same_form(name, now[name], sets)
    }


def _same_form(name: str, value: Any, sets: frozenset[str]) -> Any:
    """``value`` as it is compared: sorted if it is a set, every place by its official name."""
    if name in sets:
        return sorted(value)
    return _official(value)


def _official(value: Any) -> Any:
    """``value`` with each location in it (a mapping with a ``municipality``) naming its
    municipality by the official name, as the forms write it, while the API keeps a name as it
    was given: "Den Bosch" and "'s-Hertogenbosch" are the same place."""
    if isinstance(value, list):
        return [_official(item) for item in value]
    if not isinstance(value, dict):
        return value
    found = gazetteer.find(value.get("municipality") or "") if "municipality" in value else None
    named = value if found is None else value | {"municipality": found.name}
    return {key: _official(item) for key, item in named.items()}


def sent_version(form: FormData) -> dict[str, int]:
    """The version of the object the form was made from (its hidden input), if sent."""
    value = form.get("version")
    version = whole_number(value.strip() if isinstance(value, str) else "")
    return {"version": version} if version is not None and version > 0 else {}


def form_version(
    stored: int | None, values: dict[str, list[Any]], conflict: list[str] | None
) -> Any:
    """The version the form's next save is based on: the version it was first made from
    (``stored`` when it is new, else the one it sent), however often a mistake sends it back;
    only a conflict, which shows what is stored now, moves it on to ``stored``."""
    if conflict is None and values.get("version"):
        return values["version"][0]
    return stored


def posted(form: FormData) -> dict[str, list[Any]]:
    """The entries of a sent form, to show it again as it was sent."""
    return {key: form.getlist(key) for key in form if key != "csrf"}
