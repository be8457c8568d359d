"""What planners see of capacity and of where people wait: no cell, and no difference or sum of
cells they can take, holds a count of one to four (places, free places, or people)."""

from __future__ import annotations

import highspy
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.disclosure import SMALLEST_SHOWN, capacity_cells, stay_cells
from api.ledger import CapacityCell as Cell
from api.schemas import CapacityCell, StayCell
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
                people + draw(st.integers(0, 29 * people)),  # one to 30 nights each
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


def _possible_range(
    seen: list[StayCell], rows: list[RegionStays], row: int, terms: dict[str, int]
) -> tuple[float, float]:
    """The least and the largest value of ``sum(coefficient * column)`` in row ``row`` over every
    table a planner cannot tell from the true one: the counts shown as they are, the country the
    sum of the units, nobody somewhere unsuitable who is not waiting, one to 30 nights per person
    in the window (it holds 30 Dutch midnights), and each withheld count at least 1 (zeros are
    shown; where a withheld count is a zero after all, the planner is granted that knowledge
    too). An exact integer program (HiGHS), independent of how the service decides what to
    withhold."""
    columns = len(STAY_COLUMNS)
    index = {
        (r, name): r * columns + c for r in range(len(rows)) for c, name in enumerate(STAY_COLUMNS)
    }
    highs = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves __init__ untyped
    highs.setOptionValue("output_flag", False)
    # One thread, as the oracle (tests/oracle.py) runs: HiGHS's scheduler is global to the
    # process and fixed by its first run, so a later run asking for another count fails.
    highs.setOptionValue("threads", 1)
    lower, upper = [], []
    for cell, truth in zip(seen, rows, strict=True):
        for name in STAY_COLUMNS:
            shown = getattr(cell, name)
            true = getattr(truth, name)
            low = float(shown) if shown is not None else (1.0 if true else 0.0)
            lower.append(low)
            upper.append(float(shown) if shown is not None else highspy.kHighsInf)
    count = len(lower)
    highs.addVars(count, np.array(lower), np.array(upper))
    highs.changeColsIntegrality(count, np.arange(count, dtype=np.int32), np.ones(count, np.uint8))

    def row_constraint(coefficients: dict[int, float], low: float, high: float) -> None:
        at = np.array(list(coefficients), dtype=np.int32)
        highs.addRow(low, high, len(at), at, np.array(list(coefficients.values())))

    inf = highspy.kHighsInf
    for r in range(len(rows)):
        row_constraint({index[r, "unsuitable"]: 1, index[r, "waiting"]: -1}, -inf, 0)
        row_constraint({index[r, "people_in_window"]: 1, index[r, "nights_in_window"]: -1}, -inf, 0)
        row_constraint(
            {index[r, "nights_in_window"]: 1, index[r, "people_in_window"]: -30}, -inf, 0
        )
    country = len(rows) - 1
    for name in STAY_COLUMNS:
        total = {index[r, name]: 1.0 for r in range(country)}
        row_constraint({**total, index[country, name]: -1.0}, 0, 0)
    objective = np.zeros(count)
    for name, coefficient in terms.items():
        objective[index[row, name]] = coefficient
    highs.changeColsCost(count, np.arange(count, dtype=np.int32), objective)
    ends = []
    for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
        highs.changeObjectiveSense(sense)
        highs.run()
        status = highs.getModelStatus()
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,  # the true table is feasible
        ):
            ends.append(inf if sense == highspy.ObjSense.kMaximize else -inf)
        else:
            assert status == highspy.HighsModelStatus.kOptimal, status
            ends.append(float(highs.getInfo().objective_function_value))
    return ends[0], ends[1]


PEOPLE_COUNTS: dict[str, dict[str, int]] = {
    "waiting": {"waiting": 1},
    "unsuitable": {"unsuitable": 1},
    "waiting elsewhere": {"waiting": 1, "unsuitable": -1},
    "people_in_window": {"people_in_window": 1},
}


def _table(units: dict[str, tuple[int, int, int, int]]) -> list[RegionStays]:
    """Every police unit, zeros where ``units`` give no counts, then the country's sums."""
    rows = [RegionStays(unit, *units.get(unit, (0, 0, 0, 0))) for unit in POLICE_UNITS]
    sums = [sum(getattr(row, name) for row in rows) for name in STAY_COLUMNS]
    return [*rows, RegionStays(None, *sums)]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(stays_by_unit())
# Ten in hotels in one unit, one person at home in another: the country's unsuitable count was
# withheld (eleven waiting, ten of them somewhere unsuitable) but followed from the units'.
@example(_table({"Midden-Nederland": (10, 10, 0, 0), "Oost-Nederland": (1, 0, 0, 0)}))
# Five units withhold seven waiting, four of them six somewhere unsuitable: the fifth unit's
# one waiting follows from the column sums and "nobody unsuitable who is not waiting".
@example(
    _table(
        {
            "Noord-Nederland": (2, 2, 11, 248),
            "Oost-Nederland": (1, 1, 9, 99),
            "Amsterdam": (11, 0, 12, 265),
            "Den Haag": (11, 5, 10, 206),
            "Rotterdam": (2, 2, 8, 18),
            "Zeeland-West-Brabant": (1, 1, 12, 333),
            "Limburg": (1, 0, 2, 30),
        }
    )
)
def test_no_small_count_of_people_follows_from_any_reasoning(rows: list[RegionStays]) -> None:
    """Whatever a planner combines (sums, differences, bounds, chains of them), a count of one
    to four people that is not shown can be told no closer than to two values at least."""
    seen = stay_cells(rows, suppress=True)
    for r, truth in enumerate(rows):
        for what, terms in PEOPLE_COUNTS.items():
            true = sum(coefficient * getattr(truth, name) for name, coefficient in terms.items())
            if small(true):
                least, most = _possible_range(seen, rows, r, terms)
                assert least < most, (truth.police_unit, what, true, seen)
