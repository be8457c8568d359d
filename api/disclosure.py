"""Small counts are withheld from planners, so an aggregate never points at a shelter or person.

A planner sees places per police unit and profile, never a shelter. A count of one to four
(places, free places, or the people their difference implies) could still single out one
shelter or one resident, so for planners such a count is replaced by null and the cell is marked
``suppressed``. Zero is shown: "no places at all" names nobody.

Cells overlap: the places for one condition are part of the places for any condition (same police
unit and gender), women's places and the places for gender X share the shelters that take both,
and a planner who knows which shelters take whom can add and subtract cells to get the places of
the shelters in between: twelve free places for anyone and ten for addiction tell of two free
places in the shelters that take no addiction. So after each cell's own counts, every group of
shelters is checked for a count of one to four that sums, differences and bounds of the cells
shown would pin down, and more is withheld until none is (:mod:`api.derivable`).

Each cell also says how many of its places, and of its free places, are emergency beds: a part of
the cell, over its shelters of kind emergency, that a planner can subtract like any other cell.
Those counts go through the same check, and are withheld before any other: they are shown only
where nothing small follows from them.

A cell drawing on a single shelter does show that shelter's places when they are five or more: a
shelter's capacity names no person and no address, and planners need those cells to see where
places for men or for psychiatric care are short. (Withholding the places of every cell of one or
two shelters hid them in 80 more of the sample network's 121 cells; the check on what follows
from the cells shown hides them in 26 of those.) The desk and admins, who see shelters anyway, get
every number.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from api import inference
from api.derivable import Places, withhold_derivable
from api.ledger import CapacityCell as Cell
from api.schemas import CapacityCell, StayCell
from api.stays import RegionStays
from models.scenario_result import ScenarioResult

SMALLEST_SHOWN = 5

# Whether a cell shows its total, its free places, its emergency beds and its free ones.
Shown = tuple[bool, bool, bool, bool]
EVERYTHING: Shown = (True, True, True, True)


def scenario_result(result: ScenarioResult) -> ScenarioResult:
    """A scenario run's result as planners get it, through the API or the pages: without the
    shelters' map points (id, position, size), since planners never see where a shelter is; the
    report's map then shows the shortage per police unit only."""
    return result.model_copy(update={"shelters": []})


def live_scenario_result(result: ScenarioResult, read_at: datetime) -> ScenarioResult:
    """A run on the live network as it is stored, when the network was read: without the
    shelters' map points, and without the places and occupancy per police unit and day.

    Those series are the live places (and, at the start, the people in them) summed per police
    unit, and a planner chooses the ``share_open`` per kind and the events that change them: a
    cut of one kind's places in one unit from day 1 makes the difference of two days that kind's
    places there, past the capacity board's check on small counts (:func:`capacity_cells`). So
    neither is kept at all, not even in the stored result. What is kept is counted over the
    simulated people, per replication: nobody who is in a shelter, and no shelter.
    """
    return result.model_copy(
        update={"shelters": [], "capacity": {}, "occupancy": {}, "live_network_at": read_at}
    )


def capacity_cells(cells: Iterable[Cell], *, suppress: bool) -> list[CapacityCell]:
    """The API's view of the ledger's capacity cells, small counts withheld when ``suppress``."""
    cells = list(cells)
    if not suppress:
        return [_public(cell, EVERYTHING, cell.shelters) for cell in cells]
    shown: dict[int, Shown] = {}
    for unit in dict.fromkeys(cell.police_unit for cell in cells):
        indices = [i for i, cell in enumerate(cells) if cell.police_unit == unit]
        for index, flags in zip(indices, _unit_shown([cells[i] for i in indices]), strict=True):
            shown[index] = flags
    return [
        _public(cell, shown[index], None if _small(cell.shelters) else cell.shelters)
        for index, cell in enumerate(cells)
    ]


def _small(count: int) -> bool:
    return 0 < count < SMALLEST_SHOWN


def _places_withheld(total: int, free: int) -> tuple[bool, bool]:
    """Whether places with these counts withhold their total, and their free places."""
    total_withheld = _small(total)
    return total_withheld, total_withheld or _small(free) or _small(total - free)


def _unit_shown(cells: list[Cell]) -> list[Shown]:
    """Whether each of one unit's cells shows its total, its free places and their emergency
    beds: not when they are small themselves, nor when a small count of a group of shelters
    would follow from them."""
    free = {shelter: places for cell in cells for shelter, places, _ in cell.members}
    total = {shelter: places for cell in cells for shelter, _, places in cell.members}
    own = [
        _places(
            frozenset(shelter for shelter, _, _ in cell.members),
            cell.total,
            cell.free,
            whole=cell.condition is None,
        )
        for cell in cells
    ]
    emergency = [
        _places(cell.emergency, cell.emergency_total, cell.emergency_free, whole=False, part=True)
        for cell in cells
    ]
    flags = withhold_derivable([*own, *emergency], free, total, smallest=SMALLEST_SHOWN)
    return [(*flags[i], *flags[len(cells) + i]) for i in range(len(cells))]


def _places(
    members: frozenset[str], total: int, free: int, *, whole: bool, part: bool = False
) -> Places:
    """A cell (or its emergency beds, a ``part``) for the check, with its own small counts
    withheld already."""
    total_withheld, free_withheld = _places_withheld(total, free)
    return Places(
        members=members,
        whole=whole,
        total_shown=not total_withheld,
        free_shown=not free_withheld,
        part=part,
    )


def _public(cell: Cell, shown: Shown, shelters: int | None) -> CapacityCell:
    counts = (cell.total, cell.free, cell.emergency_total, cell.emergency_free)
    total, free, emergency_total, emergency_free = (
        count if flag else None for count, flag in zip(counts, shown, strict=True)
    )
    return CapacityCell(
        police_unit=cell.police_unit,
        gender=cell.gender,
        condition=cell.condition,
        total=total,
        free=free,
        shelters=shelters,
        emergency_total=emergency_total,
        emergency_free=emergency_free,
        suppressed=None in (total, free, shelters),
    )


# The person counts of a row of stays, then its nights; a row's nights are withheld with its
# people, since nights of one to four people tell of them.
_STAY_COUNTS = ("waiting", "unsuitable", "people_in_window")
_STAY_COLUMNS = (*_STAY_COUNTS, "nights_in_window")


def stay_cells(rows: Iterable[RegionStays], *, suppress: bool) -> list[StayCell]:
    """The API's view of where people wait per police unit, small counts withheld when
    ``suppress``.

    People are counted here, so a count of one to four is withheld, and so is the count of those
    staying somewhere unsuitable when the rest of those waiting would be one to four. The last
    row is the whole country, the sum of the others: where a column withholds exactly one unit's
    count, the sum would give it away, so the smallest other count of that column is withheld
    too (and the planner cannot tell which of the two is the small one), or the sum itself; so
    also where the withheld counts together would make one to four. Those rules stop the simple
    sums and differences; chains of them are then checked exactly, and more withheld where one
    still pins a count (:mod:`api.inference`).
    """
    rows = list(rows)
    shown = [{name: getattr(row, name) for name in _STAY_COLUMNS} for row in rows]
    if suppress:
        for row, values in zip(rows, shown, strict=True):
            for name in _STAY_COUNTS:
                if _small(values[name]):
                    values[name] = None
            if _small(row.waiting - row.unsuitable) and values["waiting"] is not None:
                values["unsuitable"] = None
        *units, country = shown
        for name in _STAY_COUNTS:
            _withhold_a_second(units, country, name)
        for values in shown:
            if values["people_in_window"] is None:
                values["nights_in_window"] = None
        _withhold_a_second(units, country, "nights_in_window")
        inference.withhold_until_safe(rows, shown, smallest=SMALLEST_SHOWN)
    return [
        StayCell(
            police_unit=row.police_unit,
            **values,
            suppressed=None in values.values(),
        )
        for row, values in zip(rows, shown, strict=True)
    ]


def _withhold_a_second(
    units: list[dict[str, int | None]], country: dict[str, int | None], name: str
) -> None:
    """Where the country's sum of ``name``, less the units' counts shown, would give away one
    withheld unit's count, or a count of one to four in the withheld units together, withhold
    the smallest positive count shown too (five or more), or, when every count shown is zero (a
    withheld zero would be guessed), the country's sum. Where the country's sum is the one
    withheld, and every unit's count is shown, withhold the smallest positive of those."""
    total = country[name]
    withheld = [values for values in units if values[name] is None]
    if total is None:
        # The country's count withheld (say, the unsuitable count where the rest of those waiting
        # are few) must not follow from the units' counts, all shown, summed.
        positive = [values for values in units if values[name]]
        if not withheld and positive:
            min(positive, key=lambda values: values[name] or 0)[name] = None
        return
    hidden = total - sum(values[name] or 0 for values in units)
    if not withheld or (len(withheld) > 1 and not _small(hidden)):
        return
    positive = [values for values in units if values[name]]
    if positive:
        min(positive, key=lambda values: values[name] or 0)[name] = None
    else:
        country[name] = None
