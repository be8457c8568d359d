"""Small counts are withheld from planners, so an aggregate never points at a shelter or person.

A planner sees places per police unit and profile, never a shelter. A count of one to four
(places, free places, or the people their difference implies) could still single out one
shelter or one resident, so for planners such a count is replaced by null and the cell is marked
``suppressed``. Zero is shown: "no places at all" names nobody. However large its counts, a cell
that draws on one or two shelters withholds its places too (the threshold rule of statistical
disclosure control): one shelter's total is that shelter's capacity, and of two, each one's staff
could subtract their own. The desk and admins, who see shelters anyway, get every number.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.ledger import CapacityCell as Cell
from api.schemas import CapacityCell

SMALLEST_SHOWN = 5
# Fewest shelters a cell must draw on for a planner to see its places.
FEWEST_SHELTERS = 3


def capacity_cells(cells: Iterable[Cell], *, suppress: bool) -> list[CapacityCell]:
    """The API's view of the ledger's capacity cells, small counts withheld when ``suppress``."""
    return [_cell(cell, suppress) for cell in cells]


def _small(count: int) -> bool:
    return 0 < count < SMALLEST_SHOWN


def _cell(cell: Cell, suppress: bool) -> CapacityCell:
    total: int | None = cell.total
    free: int | None = cell.free
    shelters: int | None = cell.shelters
    if suppress:
        if _small(cell.total) or 0 < cell.shelters < FEWEST_SHELTERS:
            total = None
        if total is None or _small(cell.free) or _small(cell.total - cell.free):
            free = None
        if _small(cell.shelters):
            shelters = None
    return CapacityCell(
        police_unit=cell.police_unit,
        gender=cell.gender,
        condition=cell.condition,
        total=total,
        free=free,
        shelters=shelters,
        suppressed=None in (total, free, shelters),
    )
