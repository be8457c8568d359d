"""The capacity board: free places per police unit and profile, and the map, kept current.

The numbers are the API's ``GET /capacity`` for the reader's role (planners get small counts
withheld). Only a role that may read the shelters themselves (``GET /shelters``: the admin) sees
shelters at their places on the map; the others see police units. Places for a placement and
emergency beds are shown apart (:mod:`api.web.beds`). The board refreshes itself: a small script
fetches ``/capacity/board`` every few seconds and swaps it in, and without script the page has a
refresh link.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response

from api.deps import Caller
from api.routes import capacity, shelters, stays
from api.schemas import CapacityCell, ShelterPublic
from api.web.access import Visitor, call, may, page_router
from api.web.beds import split
from api.web.i18n import N_
from api.web.labels import CONDITIONS as CONDITION_LABELS
from api.web.labels import GENDERS as GENDER_LABELS
from api.web.maps import FEW_BELOW, Words, shelter_map, unit_map
from api.web.state import web_state
from models.codes import CONDITIONS, GENDERS
from models.gazetteer import POLICE_UNITS

router = page_router()
# Seconds between refreshes of the board.
REFRESH_SECONDS = 15
# Shelters read for the admin's map: the API's largest page.
SHELTERS = 500

_MAP_TITLE = N_("Free places for %(profile)s")
_PLACEMENT = N_("%(where)s: %(free)s of %(total)s places free for a placement")
_INCLUDED = N_(
    "%(where)s: %(free)s of %(total)s places free, emergency beds counted in (their numbers "
    "withheld)"
)
_BEDS = N_("%(where)s: %(free)s of %(total)s emergency beds free")
_WITHHELD = N_("withheld")


@router.get("/capacity")
def capacity_page(
    request: Request, caller: Visitor, gender: str = "female", condition: str = ""
) -> Response:
    """The whole board: the profile chosen, the table, the map."""
    context = _board(request, caller, gender, condition)
    return web_state(request).pages.render(request, "capacity.html", context)


@router.get("/capacity/board")
def capacity_board(
    request: Request, caller: Visitor, gender: str = "female", condition: str = ""
) -> Response:
    """Only the table and the map, for the page's script to swap in (the session is not
    renewed: a board left open on a screen still logs out when nobody uses it)."""
    context = _board(request, caller, gender, condition)
    pages = web_state(request).pages
    return pages.render(request, "capacity_board.html", context, renew=False)


def _board(request: Request, caller: Caller, gender: str, condition: str) -> dict[str, Any]:
    """The board for a profile: the API's cells for the caller's role, and the map drawn at the
    level of detail that role may see."""
    gender = gender if gender in GENDERS else "female"
    chosen = condition if condition in CONDITIONS else None
    cells = call(capacity.capacity, request, caller)
    chosen_cells = {
        (cell.police_unit, cell.gender): cell for cell in cells if cell.condition == chosen
    }
    table = {key: split(cell) for key, cell in chosen_cells.items()}
    pages = web_state(request).pages
    profile = pages.text(request, GENDER_LABELS[gender]) + (
        " · " + pages.text(request, CONDITION_LABELS[chosen].name) if chosen else ""
    )
    title = pages.text(request, _MAP_TITLE) % {"profile": profile}
    exact = may(shelters.list_shelters, request, caller)
    if exact:
        found = call(shelters.list_shelters, request, caller, limit=SHELTERS)
        drawn = shelter_map(title, _fitting(found, gender, chosen), _words(request))
    else:
        drawn = unit_map(
            title,
            [chosen_cells[key] for key in sorted(chosen_cells) if key[1] == gender],
            _words(request),
        )
    return {
        "units": POLICE_UNITS,
        "genders": GENDERS,
        "conditions": CONDITIONS,
        "gender": gender,
        "condition": chosen or "",
        "table": table,
        "withheld": any(None in _counts(cell) for cell in chosen_cells.values()),
        "included": any(counts.included for counts in table.values()),
        "map": drawn,
        "exact": exact,
        "stays": call(stays.stays_by_region, request, caller)
        if may(stays.stays_by_region, request, caller)
        else None,
        "few_below": FEW_BELOW,
        "refresh": REFRESH_SECONDS,
        "now": caller.now,
    }


def _fitting(
    found: Sequence[ShelterPublic], gender: str, condition: str | None
) -> list[ShelterPublic]:
    """The shelters that take in the chosen profile."""
    return [
        shelter
        for shelter in found
        if gender in shelter.genders and (condition is None or condition in shelter.accepts)
    ]


def _counts(cell: CapacityCell) -> tuple[int | None, ...]:
    """The counts of a cell the board shows, None where withheld."""
    return (cell.free, cell.total, cell.emergency_free, cell.emergency_total)


def _words(request: Request) -> Words:
    """Tooltips of the map's circles and dots, in the reader's language."""
    pages = web_state(request).pages
    return Words(
        placement=pages.text(request, _PLACEMENT),
        included=pages.text(request, _INCLUDED),
        beds=pages.text(request, _BEDS),
        withheld=pages.text(request, _WITHHELD),
    )
