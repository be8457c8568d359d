"""What planners see of capacity: no cell, and no difference of two cells they can subtract, holds
a count of one to four (places, free places, or the people their difference implies)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from api.disclosure import SMALLEST_SHOWN, capacity_cells
from api.ledger import CapacityCell as Cell
from api.schemas import CapacityCell

CONDITIONS = ("addiction", "psychiatric", "aggression")


@st.composite
def unit_cells(draw: st.DrawFn) -> list[Cell]:
    """One police unit and gender: shelters with places, free places and accepted conditions,
    summed into the any-condition cell and each condition's cell as the ledger sums them."""
    shelters = draw(
        st.lists(
            st.tuples(
                st.integers(0, 12),  # capacity
                st.integers(0, 12),  # free (capped at the capacity below)
                st.sets(st.sampled_from(CONDITIONS)),
            ),
            min_size=1,
            max_size=9,
        )
    )
    cells = []
    for condition in (None, *CONDITIONS):
        members = [(c, min(f, c)) for c, f, accepts in shelters if condition in (None, *accepts)]
        if members:
            total = sum(c for c, _ in members)
            free = sum(f for _, f in members)
            cells.append(Cell("Utrecht", "female", condition, free, total, len(members)))
    return cells


def small(*counts: int) -> bool:
    """Whether any of ``counts`` is one to four."""
    return any(0 < count < SMALLEST_SHOWN for count in counts)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(unit_cells())
def test_no_cell_and_no_difference_a_planner_can_take_holds_a_small_count(
    cells: list[Cell],
) -> None:
    seen = {cell.condition: cell for cell in capacity_cells(cells, suppress=True)}
    exact = {cell.condition: cell for cell in cells}
    whole = seen[None]
    for condition, cell in seen.items():
        assert cell.suppressed == (None in (cell.total, cell.free, cell.shelters))
        for name in ("total", "free", "shelters"):
            count = getattr(cell, name)
            assert count is None or count == getattr(exact[condition], name)  # shown as it is
            assert count is None or not small(count)
        if cell.total is not None and cell.free is not None:
            assert not small(cell.total - cell.free)
        if condition is None:
            continue
        left_total = exact[None].total - exact[condition].total
        left_free = exact[None].free - exact[condition].free
        if None not in (whole.total, cell.total):
            assert not small(left_total), (left_total, cell, whole)
        if None not in (whole.total, whole.free, cell.total, cell.free):
            assert not small(left_free, left_total - left_free), (left_free, cell, whole)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(unit_cells())
def test_the_desk_sees_every_count(cells: list[Cell]) -> None:
    shown = capacity_cells(cells, suppress=False)
    assert [(c.total, c.free, c.shelters) for c in shown] == [
        (c.total, c.free, c.shelters) for c in cells
    ]
    assert not any(cell.suppressed for cell in shown)


def test_a_shelter_left_out_of_a_condition_is_not_read_off_as_a_difference() -> None:
    """Twelve places at four shelters for anyone, ten at three of them for addiction: the one
    shelter that takes no addiction would have two places; the addiction cell withholds its own."""
    cells = [
        Cell("Utrecht", "female", None, 6, 12, 4),
        Cell("Utrecht", "female", "addiction", 5, 10, 3),
    ]
    whole, addiction = capacity_cells(cells, suppress=True)
    assert (whole.total, whole.free) == (12, 6)
    assert addiction == CapacityCell(
        police_unit="Utrecht",
        gender="female",
        condition="addiction",
        total=None,
        free=None,
        shelters=None,
        suppressed=True,
    )
