"""What planners see of capacity and of where people wait: no cell, and no difference or sum of
cells they can take, holds a count of one to four (places, free places, or people)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from api.disclosure import SMALLEST_SHOWN, capacity_cells, stay_cells
from api.ledger import CapacityCell as Cell
from api.schemas import CapacityCell
from api.stays import RegionStays
from models.gazetteer import POLICE_UNITS

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


@st.composite
def stays_by_unit(draw: st.DrawFn) -> list[RegionStays]:
    """Police units with people waiting (some somewhere unsuitable) and people who spent nights
    there lately (at least one night each), then the country's sums, as the service sums them."""
    units = []
    for unit in POLICE_UNITS:
        quiet = draw(st.booleans())  # many units have nobody waiting: zeros matter
        waiting = 0 if quiet else draw(st.integers(0, 9))
        people = 0 if quiet else draw(st.integers(0, 9))
        units.append(
            RegionStays(
                unit,
                waiting,
                draw(st.integers(0, waiting)),
                people,
                people + draw(st.integers(0, 30 * people)),
            )
        )
    country = RegionStays(
        None,
        sum(row.waiting for row in units),
        sum(row.unsuitable for row in units),
        sum(row.people_in_window for row in units),
        sum(row.nights_in_window for row in units),
    )
    return [*units, country]


STAY_COLUMNS = ("waiting", "unsuitable", "people_in_window", "nights_in_window")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(stays_by_unit())
def test_no_count_of_people_a_planner_can_see_or_derive_is_small(rows: list[RegionStays]) -> None:
    seen = stay_cells(rows, suppress=True)
    for row, cell in zip(rows, seen, strict=True):
        assert cell.police_unit == row.police_unit
        shown = {name: getattr(cell, name) for name in STAY_COLUMNS}
        assert cell.suppressed == (None in shown.values())
        for name, count in shown.items():
            assert count is None or count == getattr(row, name)  # shown as it is
        for name in ("waiting", "unsuitable", "people_in_window"):
            assert shown[name] is None or not small(shown[name])
        if shown["waiting"] is not None and shown["unsuitable"] is not None:
            assert not small(row.waiting - row.unsuitable)  # those not somewhere unsuitable
        if shown["nights_in_window"] is not None:
            assert shown["people_in_window"] is not None  # nights of one to four people
        # A withheld count that its own row gives away: nobody waiting, so nobody in a hotel;
        # nobody with a night somewhere unsuitable, so no nights.
        assert shown["unsuitable"] is not None or shown["waiting"] != 0
        assert shown["nights_in_window"] is not None or shown["people_in_window"] != 0
    *units, country = seen
    for name in STAY_COLUMNS:
        withheld = [cell for cell in units if getattr(cell, name) is None]
        total = getattr(country, name)
        if total is not None:
            assert len(withheld) != 1, f"{name}: the country's sum gives one unit's count away"
            hidden = total - sum(getattr(cell, name) or 0 for cell in units)
            assert not small(hidden), f"{name}: the withheld units together hold {hidden}"


@given(stays_by_unit())
def test_the_desk_sees_every_count_of_people(rows: list[RegionStays]) -> None:
    for row, cell in zip(rows, stay_cells(rows, suppress=False), strict=True):
        assert [getattr(cell, name) for name in STAY_COLUMNS] == [
            getattr(row, name) for name in STAY_COLUMNS
        ]
        assert not cell.suppressed
