"""Places for a placement and emergency beds, apart, as far as the reader may know them.

An emergency bed (a shelter of kind ``emergency``) takes people in at any hour, but for a few
nights: it is no placement, and a unit whose only free places are emergency beds has no room. The
capacity cells count every place and say how many are emergency beds, so the board subtracts.
Where a planner's emergency counts are withheld, the places for a placement cannot be told; the
board then shows every place, with the emergency beds counted in, and says so, rather than show
nothing where planners saw numbers before.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.schemas import CapacityCell


@dataclass(frozen=True)
class Split:
    """Free and total places for a placement, and emergency beds (None: withheld).

    ``included``: the emergency beds' numbers are withheld, so ``free`` and ``total`` are every
    place, emergency beds counted in.
    """

    free: int | None
    total: int | None
    emergency_free: int | None
    emergency_total: int | None
    included: bool = False

    @property
    def placement_free(self) -> int | None:
        """The free places for a placement where known: no free place at all is none for a
        placement either."""
        return None if self.included and self.free != 0 else self.free


def split(cell: CapacityCell) -> Split:
    """A capacity cell's places, placement and emergency beds apart."""
    beds_free, beds = cell.emergency_free, cell.emergency_total
    if beds_free is None or beds is None:
        return Split(cell.free, cell.total, beds_free, beds, included=True)
    return Split(
        None if cell.free is None else cell.free - beds_free,
        None if cell.total is None else cell.total - beds,
        beds_free,
        beds,
    )
