"""What planners see of capacity and of where people wait: no cell, and no difference or sum of
cells they can take, holds a count of one to four (places, free places, or people)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from unittest.mock import patch

import highspy
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api import derivable
from api.disclosure import capacity_cells, stay_cells
from api.ledger import CapacityCell as Cell
from api.schemas import CapacityCell, StayCell
from api.stays import RegionStays
from models.gazetteer import POLICE_UNITS

CONDITIONS = ("addiction", "psychiatric", "aggression")
# Counts of one to four are withheld from planners (README.md), whatever the code's constant says.
SMALLEST_SHOWN = 5


GENDERS = ("female", "male", "x")
Shelter = tuple[
    str, int, int, frozenset[str], frozenset[str], bool
]  # id, capacity, free, genders, accepts, emergency beds


@st.composite
def unit_shelters(draw: st.DrawFn) -> list[Shelter]:
    """One police unit's shelters: places, free places, the genders they take, the
    conditions they care for, and whether they are emergency beds."""
    drawn = draw(
        st.lists(
            st.tuples(
                st.integers(0, 12),  # capacity
                st.integers(0, 12),  # free (capped at the capacity below)
                st.sets(st.sampled_from(GENDERS), min_size=1),
                st.sets(st.sampled_from(CONDITIONS)),
                st.booleans(),
            ),
            min_size=1,
            max_size=6,
        )
    )
    return [
        (
            f"S{i:03d}",
            capacity,
            min(free, capacity),
            frozenset(genders),
            frozenset(accepts),
            emergency,
        )
        for i, (capacity, free, genders, accepts, emergency) in enumerate(drawn)
    ]


def cells_of(shelters: list[Shelter]) -> list[Cell]:
    """The unit's capacity cells, summed as the ledger sums them: a shelter counts in the cell of
    every gender it takes, with no condition and with each condition it cares for."""
    emergency = frozenset(sid for sid, *_, beds in shelters if beds)
    cells = []
    for gender in GENDERS:
        for condition in (None, *CONDITIONS):
            members = tuple(
                (sid, free, capacity)
                for sid, capacity, free, genders, accepts, _ in shelters
                if gender in genders and condition in (None, *accepts)
            )
            if members:
                free = sum(f for _, f, _ in members)
                total = sum(t for _, _, t in members)
                ids = frozenset(sid for sid, _, _ in members)
                cells.append(
                    Cell(
                        "Utrecht",
                        gender,
                        condition,
                        free,
                        total,
                        len(members),
                        members,
                        emergency & ids,
                    )
                )
    return cells


def small(*counts: int) -> bool:
    """Whether any of ``counts`` is one to four."""
    return any(0 < count < SMALLEST_SHOWN for count in counts)


class PlannersView:
    """What a planner can make of the cells shown, knowing which shelters each cell draws on and
    which of them are emergency beds: every shelter's places and free places unknown whole
    numbers, at least 0, free at most places, every shown count (a cell's, or its emergency
    beds') the sum of its shelters', and each withheld count at least 1 (zeros are shown; where a
    withheld count is a zero after all, the planner is granted that knowledge too). An exact
    integer program (HiGHS), independent of how the service decides what to withhold, built once
    and asked about one count after another."""

    def __init__(self, shelters: list[Shelter], cells: list[Cell], seen: list[CapacityCell]):
        ids = [sid for sid, *_ in shelters]
        self.column = {
            (sid, part): 2 * i + j for i, sid in enumerate(ids) for j, part in enumerate("tf")
        }
        highs = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves __init__ untyped
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("threads", 1)  # see PeoplesView
        self.size = size = 2 * len(ids)
        highs.addVars(size, np.zeros(size), np.full(size, highspy.kHighsInf))
        highs.changeColsIntegrality(size, np.arange(size, dtype=np.int32), np.ones(size, np.uint8))

        def row_constraint(coefficients: dict[int, float], low: float, high: float) -> None:
            at = np.array(list(coefficients), dtype=np.int32)
            highs.addRow(low, high, len(at), at, np.array(list(coefficients.values())))

        for sid in ids:
            row_constraint(
                {self.column[sid, "f"]: 1.0, self.column[sid, "t"]: -1.0}, -highspy.kHighsInf, 0
            )
        for cell, shown in zip(cells, seen, strict=True):
            beds = [(sid, f, t) for sid, f, t in cell.members if sid in cell.emergency]
            for members, part, value in (
                (cell.members, "t", shown.total),
                (cell.members, "f", shown.free),
                (beds, "t", shown.emergency_total),
                (beds, "f", shown.emergency_free),
            ):
                if not members:
                    continue
                terms = {self.column[sid, part]: 1.0 for sid, _, _ in members}
                true = sum(t if part == "t" else f for _, f, t in members)
                if value is not None or true == 0:
                    row_constraint(terms, float(true), float(true))
                else:
                    row_constraint(terms, 1.0, highspy.kHighsInf)
        self.highs = highs

    def _objective(self, group: set[str], count: Callable[[str], dict[str, float]]) -> np.ndarray:
        """The count of ``group`` that ``count`` weighs out of each shelter's two numbers."""
        objective = np.zeros(self.size)
        for sid in group:
            for part, weight in count(sid).items():
                objective[self.column[sid, part]] = weight
        return objective

    def range(
        self, group: set[str], count: Callable[[str], dict[str, float]]
    ) -> tuple[float, float]:
        """The least and the most the planner can make of ``group``'s count (its places, free
        places or places in use, as ``count`` weighs each shelter's two numbers)."""
        return objective_range(self.highs, self._objective(group, count))

    def pins(self, group: set[str], count: Callable[[str], dict[str, float]], true: int) -> bool:
        """Whether the planner can tell ``group``'s count, which is ``true``, to one value."""
        return told_exactly(self.highs, self._objective(group, count), true)


def objective_range(highs: highspy.Highs, objective: np.ndarray) -> tuple[float, float]:
    """The least and the most ``objective`` takes over the model in ``highs``."""
    return (
        objective_extreme(highs, objective, highspy.ObjSense.kMinimize),
        objective_extreme(highs, objective, highspy.ObjSense.kMaximize),
    )


def told_exactly(highs: highspy.Highs, objective: np.ndarray, true: float) -> bool:
    """Whether the whole-number ``objective``, which is ``true`` in the true unit, takes that
    value alone over the model in ``highs``. The true value is among those possible, so a most
    above it settles the question without the least: most counts can rise, which halves the
    integer programs solved."""
    most = objective_extreme(highs, objective, highspy.ObjSense.kMaximize)
    if most >= true + 1:
        return False
    return most - objective_extreme(highs, objective, highspy.ObjSense.kMinimize) < 1


def objective_extreme(
    highs: highspy.Highs, objective: np.ndarray, sense: highspy.ObjSense
) -> float:
    """The least or the most (``sense``) ``objective`` takes over the model in ``highs``; the
    model holds the true values, so it is feasible, and an unbounded side is infinite."""
    size = len(objective)
    highs.changeColsCost(size, np.arange(size, dtype=np.int32), objective)
    highs.changeObjectiveSense(sense)
    highs.run()
    status = highs.getModelStatus()
    if status in (
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        return highspy.kHighsInf if sense == highspy.ObjSense.kMaximize else -highspy.kHighsInf
    assert status == highspy.HighsModelStatus.kOptimal, status
    return float(highs.getInfo().objective_function_value)


PLACES_COUNTS: dict[str, Callable[[str], dict[str, float]]] = {
    "places": lambda _: {"t": 1.0},
    "free places": lambda _: {"f": 1.0},
    "places in use": lambda _: {"t": 1.0, "f": -1.0},
}


def assert_no_small_group_follows(shelters: list[Shelter]) -> None:
    """The planners' cells of ``shelters`` show each count as it is or not at all, and let no
    count of one to four of any group of shelters be pinned down (:class:`PlannersView`)."""
    cells = cells_of(shelters)
    seen = capacity_cells(cells, suppress=True)
    for cell, shown in zip(cells, seen, strict=True):
        assert shown.suppressed == (None in (shown.total, shown.free, shown.shelters))
        beds = [(f, t) for sid, f, t in cell.members if sid in cell.emergency]
        exact = (
            cell.total,
            cell.free,
            cell.shelters,
            sum(t for _, t in beds),
            sum(f for f, _ in beds),
        )
        told = (
            shown.total,
            shown.free,
            shown.shelters,
            shown.emergency_total,
            shown.emergency_free,
        )
        for count, true in zip(told, exact, strict=True):
            assert count in (None, true)  # shown as it is, or not at all
        assert shown.free is None or shown.total is not None  # free places go with places
        assert shown.emergency_free is None or shown.emergency_total is not None
        assert shown.shelters is None or not small(shown.shelters)
    assert pinned_small_counts(shelters, cells, seen) == [], seen


def pinned_small_counts(
    shelters: list[Shelter], cells: list[Cell], seen: list[CapacityCell]
) -> list[tuple[str, tuple[str, ...], int]]:
    """Every count of one to four of a group of shelters (what, which, how many) that ``seen``
    pins down (:class:`PlannersView`)."""
    ids = [sid for sid, *_ in shelters]
    places = {sid: (capacity, free) for sid, capacity, free, *_ in shelters}
    view = PlannersView(shelters, cells, seen)
    pinned = []
    for size in range(1, len(ids) + 1):
        for group in itertools.combinations(ids, size):
            truths = {
                "places": sum(places[sid][0] for sid in group),
                "free places": sum(places[sid][1] for sid in group),
                "places in use": sum(places[sid][0] - places[sid][1] for sid in group),
            }
            for name, truth in truths.items():
                if small(truth) and view.pins(set(group), PLACES_COUNTS[name], truth):
                    pinned.append((name, group, truth))
    return pinned


@settings(max_examples=100, deadline=None, derandomize=True)
@given(unit_shelters())
# Women's places less the places for gender X: the one shelter taking women but not X.
@example(
    [
        ("S000", 10, 3, frozenset({"female"}), frozenset(), False),
        ("S001", 20, 6, frozenset({"female", "x"}), frozenset(), False),
        ("S002", 21, 7, frozenset({"female", "x"}), frozenset({"addiction"}), False),
    ]
)
# With the emergency beds' five places shown, gender X's ten places less the women's tell that
# the shelter for women only has none, so no free places either (no more free places than
# places): the women's five free places are the others', and the emergency beds' one free place
# is what is left of X's six.
@example(
    [
        ("S000", 0, 0, frozenset({"female"}), frozenset(), False),
        ("S001", 5, 1, frozenset({"female", "x"}), frozenset(), False),
        ("S002", 5, 4, frozenset({"female", "x"}), frozenset(), False),
        ("S003", 5, 1, frozenset({"x"}), frozenset(), True),
    ]
)
# The psychiatric cell's free places are none: withheld, that zero is still granted to the
# planner, and with the emergency beds' six places shown, the emergency shelter's five free
# places follow (the women's five, none at the others), so its one place in use.
@example(
    [
        ("S000", 0, 0, frozenset({"female"}), frozenset(), False),
        ("S001", 5, 0, frozenset({"female"}), frozenset({"addiction", "psychiatric"}), False),
        ("S002", 6, 5, frozenset({"female"}), frozenset({"addiction"}), True),
    ]
)
def test_no_group_of_shelters_with_a_small_count_follows_from_the_cells(
    shelters: list[Shelter],
) -> None:
    """Whatever a planner who knows which shelters take whom combines, the places, free places
    or places in use of any group of shelters that are one to four can be told no closer than
    to two values."""
    assert_no_small_group_follows(shelters)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(unit_shelters())
# An emergency shelter without places, for women only: its zero makes the women's cell the
# places of the shelter for everyone, and gender X's cell less that cell gives away X's one place.
@example(
    [
        ("S000", 12, 5, frozenset(GENDERS), frozenset(), False),
        ("S001", 1, 1, frozenset({"x"}), frozenset(), False),
        ("S002", 0, 0, frozenset({"female"}), frozenset(), True),
    ]
)
def test_emergency_beds_cost_planners_a_count_of_places_only_where_they_must(
    shelters: list[Shelter],
) -> None:
    """Telling the emergency beds apart shows planners no count of places they would not see
    without, and withholds one they would see only where, with every emergency count withheld,
    something small still follows (a planner who knows which shelters are emergency beds, and
    which withheld counts are zero, knows more): their numbers are the first withheld."""
    cells = cells_of(shelters)
    seen = capacity_cells(cells, suppress=True)
    without = capacity_cells(
        cells_of([(*shelter[:5], False) for shelter in shelters]), suppress=True
    )
    for shown, before in zip(seen, without, strict=True):
        assert shown.total in (None, before.total)
        assert shown.free in (None, before.free)
    if [(c.total, c.free) for c in seen] != [(c.total, c.free) for c in without]:
        none_of_them = [
            cell.model_copy(update={"emergency_total": None, "emergency_free": None})
            for cell in without
        ]
        assert pinned_small_counts(shelters, cells, none_of_them)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(unit_shelters())
def test_planners_see_every_zero_but_free_places_withheld_with_their_places(
    shelters: list[Shelter],
) -> None:
    """A zero hides nothing (the planner is granted withheld zeros anyway), so none is withheld,
    emergency beds' included, but for the free places of places withheld: a cell of no
    emergency beds shows 0 of 0, not "withheld"."""
    cells = cells_of(shelters)
    for cell, shown in zip(cells, capacity_cells(cells, suppress=True), strict=True):
        beds = [(f, t) for sid, f, t in cell.members if sid in cell.emergency]
        for total, free, true_total, true_free in (
            (shown.total, shown.free, cell.total, cell.free),
            (
                shown.emergency_total,
                shown.emergency_free,
                sum(t for _, t in beds),
                sum(f for f, _ in beds),
            ),
        ):
            assert total is not None or true_total != 0, (cell, shown)
            assert free is not None or true_free != 0 or total is None, (cell, shown)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(unit_shelters())
def test_no_count_is_withheld_from_planners_for_nothing(shelters: list[Shelter]) -> None:
    """Each count withheld that is neither small itself nor a zero would, shown again with all
    else as planners see it, let a small count of some group of shelters be worked out
    (:class:`PlannersView`): withholding more keeps every secret too, but planners need the
    numbers. Free places come back only with their places, as they go with them."""
    cells = cells_of(shelters)
    seen = capacity_cells(cells, suppress=True)
    for index, (cell, shown) in enumerate(zip(cells, seen, strict=True)):
        beds = [(f, t) for sid, f, t in cell.members if sid in cell.emergency]
        beds_total, beds_free = sum(t for _, t in beds), sum(f for f, _ in beds)
        for name, true, own, places in (
            ("total", cell.total, small(cell.total), True),
            ("free", cell.free, small(cell.free, cell.total - cell.free), shown.total),
            ("emergency_total", beds_total, small(beds_total), True),
            (
                "emergency_free",
                beds_free,
                small(beds_free, beds_total - beds_free),
                shown.emergency_total,
            ),
        ):
            if getattr(shown, name) is not None or own or true == 0 or places is None:
                continue
            again = [*seen[:index], shown.model_copy(update={name: true}), *seen[index + 1 :]]
            assert pinned_small_counts(shelters, cells, again), (name, cell, seen)


def test_a_count_withheld_on_the_way_is_shown_again_where_it_hides_nothing() -> None:
    """Eleven places (six free) for women at three shelters, eleven at two of them for
    addiction, five (all free) at one of those for men: the women's free places less the men's
    are the one free place of the other two, so free places are withheld. The addiction cell's
    places were withheld on the way too, though they tell only that the third shelter has no
    places; they are shown again."""
    women, both = frozenset({"female"}), frozenset({"female", "male"})
    addiction = frozenset({"addiction"})
    shelters: list[Shelter] = [
        ("S000", 0, 0, women, frozenset(), False),
        ("S001", 5, 5, both, addiction, False),
        ("S002", 6, 1, women, addiction, False),
    ]
    cells = cells_of(shelters)
    seen = capacity_cells(cells, suppress=True)
    assert [(c.gender, c.condition, c.total, c.free) for c in seen] == [
        ("female", None, 11, None),
        ("female", "addiction", 11, None),
        ("male", None, 5, 5),
        ("male", "addiction", 5, 5),
    ]
    assert_no_small_group_follows(shelters)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(unit_shelters())
def test_a_unit_with_too_many_kinds_of_shelter_to_check_shows_too_little_to_combine(
    shelters: list[Shelter],
) -> None:
    """Past the classes the check can enumerate, a unit shows one cell, the one of the most
    shelters (a gender's any-condition cell before a condition's, else the first), and none of
    its emergency counts; still nothing small follows."""
    derivable._withheld.cache_clear()  # answers kept from the full check would be reused
    try:
        with patch.object(derivable, "MOST_ATOMS", 1):
            assert_no_small_group_follows(shelters)
            cells = cells_of(shelters)
            seen = capacity_cells(cells, suppress=True)
    finally:
        derivable._withheld.cache_clear()
    if len({(genders, accepts, beds) for *_, genders, accepts, beds in shelters}) > 1:
        largest = max(
            range(len(cells)),
            key=lambda i: (cells[i].shelters, cells[i].condition is None, -i),
        )
        for index, shown in enumerate(seen):
            assert (shown.emergency_total, shown.emergency_free) == (None, None)
            assert index == largest or (shown.total, shown.free) == (None, None)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(unit_shelters())
def test_the_desk_sees_every_count(shelters: list[Shelter]) -> None:
    cells = cells_of(shelters)
    shown = capacity_cells(cells, suppress=False)
    assert [(c.total, c.free, c.shelters) for c in shown] == [
        (c.total, c.free, c.shelters) for c in cells
    ]
    beds = {sid: (capacity, free) for sid, capacity, free, *_, emergency in shelters if emergency}
    assert [(c.emergency_total, c.emergency_free) for c in shown] == [
        (
            sum(beds[sid][0] for sid, _, _ in c.members if sid in beds),
            sum(beds[sid][1] for sid, _, _ in c.members if sid in beds),
        )
        for c in cells
    ]
    assert not any(cell.suppressed for cell in shown)


@st.composite
def unit_of_no_small_groups(draw: st.DrawFn) -> list[Shelter]:
    """A unit whose every shelter has places, free places and places in use of zero or five or
    more, so that no group of its shelters has a count of one to four."""
    shelters = []
    for i in range(draw(st.integers(1, 6))):
        capacity = draw(st.sampled_from([0, 5, 6, 9, 10, 11, 14, 20]))
        options = [0, capacity, *range(5, capacity - 4)]
        free = draw(st.sampled_from(options))
        genders = draw(st.sets(st.sampled_from(GENDERS), min_size=1))
        accepts = draw(st.sets(st.sampled_from(CONDITIONS)))
        emergency = draw(st.booleans())
        shelters.append(
            (f"S{i:03d}", capacity, free, frozenset(genders), frozenset(accepts), emergency)
        )
    return shelters


@settings(max_examples=100, deadline=None, derandomize=True)
@given(unit_of_no_small_groups())
def test_where_no_group_of_shelters_is_small_planners_see_every_count_of_places(
    shelters: list[Shelter],
) -> None:
    """Nothing small to hide, nothing hidden: every total and free count is shown, emergency
    beds' too, zeros included, and a cell's count of shelters exactly when it is not one to four.
    (Withholding more than needed would also keep every secret; planners need the numbers.)"""
    for shelter in shelters:  # the strategy's promise, which the expectation rests on
        assert not small(shelter[1], shelter[2], shelter[1] - shelter[2])
    cells = cells_of(shelters)
    seen = capacity_cells(cells, suppress=True)
    desk = capacity_cells(cells, suppress=False)
    for cell, shown, exact in zip(cells, seen, desk, strict=True):
        assert (shown.total, shown.free) == (cell.total, cell.free)
        assert (shown.emergency_total, shown.emergency_free) == (
            exact.emergency_total,
            exact.emergency_free,
        )
        assert shown.shelters == (None if small(cell.shelters) else cell.shelters)
        assert shown.suppressed == small(cell.shelters)


def test_a_shelter_left_out_of_a_condition_is_not_read_off_as_a_difference() -> None:
    """Twelve places at four shelters for anyone, ten at three of them for addiction: the one
    shelter that takes no addiction would have two places; the addiction cell withholds its own."""
    women = frozenset({"female"})
    addiction = frozenset({"addiction"})
    shelters: list[Shelter] = [
        ("S000", 2, 1, women, frozenset(), False),
        ("S001", 4, 2, women, addiction, False),
        ("S002", 3, 2, women, addiction, False),
        ("S003", 3, 1, women, addiction, False),
    ]
    cells = cells_of(shelters)
    assert [(c.condition, c.total, c.free) for c in cells] == [
        (None, 12, 6),
        ("addiction", 10, 5),
    ]
    whole, for_addiction = capacity_cells(cells, suppress=True)
    assert (whole.total, whole.free) == (12, 6)
    assert for_addiction == CapacityCell(
        police_unit="Utrecht",
        gender="female",
        condition="addiction",
        total=None,
        free=None,
        shelters=None,
        emergency_total=0,
        emergency_free=0,
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


class PeoplesView:
    """Every table a planner cannot tell from the true one: the counts shown as they are, the
    country the sum of the units, nobody somewhere unsuitable who is not waiting, one to 30
    nights per person in the window (it holds 30 Dutch midnights), and each withheld count at
    least 1 (zeros are shown; where a withheld count is a zero after all, the planner is granted
    that knowledge too). An exact integer program (HiGHS), independent of how the service decides
    what to withhold, built once and asked about one count after another."""

    def __init__(self, seen: list[StayCell], rows: list[RegionStays]):
        columns = len(STAY_COLUMNS)
        self.index = index = {
            (r, name): r * columns + c
            for r in range(len(rows))
            for c, name in enumerate(STAY_COLUMNS)
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
        self.size = count = len(lower)
        highs.addVars(count, np.array(lower), np.array(upper))
        highs.changeColsIntegrality(
            count, np.arange(count, dtype=np.int32), np.ones(count, np.uint8)
        )

        def row_constraint(coefficients: dict[int, float], low: float, high: float) -> None:
            at = np.array(list(coefficients), dtype=np.int32)
            highs.addRow(low, high, len(at), at, np.array(list(coefficients.values())))

        inf = highspy.kHighsInf
        for r in range(len(rows)):
            row_constraint({index[r, "unsuitable"]: 1, index[r, "waiting"]: -1}, -inf, 0)
            row_constraint(
                {index[r, "people_in_window"]: 1, index[r, "nights_in_window"]: -1}, -inf, 0
            )
            row_constraint(
                {index[r, "nights_in_window"]: 1, index[r, "people_in_window"]: -30}, -inf, 0
            )
        country = len(rows) - 1
        for name in STAY_COLUMNS:
            total = {index[r, name]: 1.0 for r in range(country)}
            row_constraint({**total, index[country, name]: -1.0}, 0, 0)
        self.highs = highs

    def pins(self, row: int, terms: dict[str, int], true: int) -> bool:
        """Whether the planner can tell ``sum(coefficient * column)`` in row ``row``, which is
        ``true``, to one value."""
        objective = np.zeros(self.size)
        for name, coefficient in terms.items():
            objective[self.index[row, name]] = coefficient
        return told_exactly(self.highs, objective, true)


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
    view = PeoplesView(seen, rows)
    for r, truth in enumerate(rows):
        for what, terms in PEOPLE_COUNTS.items():
            true = sum(coefficient * getattr(truth, name) for name, coefficient in terms.items())
            if small(true):
                assert not view.pins(r, terms, true), (truth.police_unit, what, true, seen)


def test_the_count_in_hotels_goes_where_the_rest_waiting_are_few_not_the_count_waiting() -> None:
    """Five waiting in one unit, two of them somewhere unsuitable, and eight in another, seven of
    them: the three and the one waiting elsewhere are withheld by withholding the counts
    somewhere unsuitable (README), not the counts waiting, which planners need and which give
    nothing away once the others are withheld."""
    rows = _table({"Den Haag": (5, 2, 0, 0), "Limburg": (8, 7, 0, 0)})
    seen = {cell.police_unit: cell for cell in stay_cells(rows, suppress=True)}
    for unit, waiting in (("Den Haag", 5), ("Limburg", 8), (None, 13)):
        assert (seen[unit].waiting, seen[unit].unsuitable) == (waiting, None)


def test_nobody_somewhere_unsuitable_is_shown_where_those_waiting_are_withheld() -> None:
    """Two waiting in one unit, none of them somewhere unsuitable: the two are withheld, and the
    rest waiting are then unknown too, so the zero somewhere unsuitable hides nothing (a
    planner is granted withheld zeros anyway) and is shown."""
    rows = _table({"Den Haag": (2, 0, 0, 0), "Amsterdam": (20, 10, 0, 0)})
    seen = {cell.police_unit: cell for cell in stay_cells(rows, suppress=True)}
    assert (seen["Den Haag"].waiting, seen["Den Haag"].unsuitable) == (None, 0)


def test_a_genders_any_condition_cell_is_kept_before_a_conditions_cell() -> None:
    """Something small follows from these cells unless some give way: a condition's cell goes
    before a gender's any-condition cell (api/derivable.py), so gender X's 24 places, 16 free,
    stay shown, and so do the men's 11 places, while X's addiction cell is withheld."""
    shelters: list[Shelter] = [
        ("S000", 11, 4, frozenset({"x", "male"}), frozenset({"addiction", "psychiatric"}), False),
        ("S001", 4, 3, frozenset({"x", "female"}), frozenset(), True),
        ("S002", 9, 9, frozenset({"x", "female"}), frozenset({"addiction", "psychiatric"}), True),
    ]
    seen = capacity_cells(cells_of(shelters), suppress=True)
    shown = {(c.gender, c.condition): (c.total, c.free) for c in seen}
    assert shown["x", None] == (24, 16)
    assert shown["male", None] == (11, None)
    assert shown["x", "addiction"] == (None, None)
    assert_no_small_group_follows(shelters)


def test_free_places_are_tried_before_their_places_in_a_tangle_of_cells() -> None:
    """Three shelters for several genders and conditions, some of them emergency beds: trying a
    cell's free places before its places (api/derivable.py) leaves planners sixteen counts
    here; trying places first, with their free places, would leave them fourteen, the men's
    addiction and psychiatric cells among those lost. Both keep every secret."""
    everyone, not_women = frozenset(GENDERS), frozenset({"male", "x"})
    shelters: list[Shelter] = [
        ("S000", 7, 4, everyone, frozenset({"aggression"}), True),
        ("S001", 9, 7, not_women, frozenset({"addiction", "psychiatric"}), True),
        ("S002", 4, 2, frozenset({"female", "x"}), frozenset({"aggression", "addiction"}), False),
    ]
    seen = capacity_cells(cells_of(shelters), suppress=True)
    assert [
        (c.gender, c.condition, c.total, c.free, c.emergency_total, c.emergency_free) for c in seen
    ] == [
        ("female", None, 11, 6, None, None),
        ("female", "addiction", None, None, 0, 0),
        ("female", "aggression", 11, 6, None, None),
        ("male", None, None, None, None, None),
        ("male", "addiction", 9, None, 9, None),
        ("male", "psychiatric", 9, None, 9, None),
        ("male", "aggression", None, None, None, None),
        ("x", None, 20, None, None, None),
        ("x", "addiction", None, None, 9, None),
        ("x", "psychiatric", 9, None, 9, None),
        ("x", "aggression", 11, 6, None, None),
    ]
    assert_no_small_group_follows(shelters)


def test_the_least_is_withheld_first_free_places_of_the_narrower_cell() -> None:
    """Twenty places (twelve free) for women at two shelters, ten (all free) at one of them for
    addiction: the other's two free places are the difference of the free counts. Withholding
    the addiction cell's free places alone hides them (the addiction shelter has one to ten free,
    as far as a planner can tell), so its places and the whole cell stay shown."""
    women = frozenset({"female"})
    shelters: list[Shelter] = [
        ("S000", 10, 2, women, frozenset(), False),
        ("S001", 10, 10, women, frozenset({"addiction"}), False),
    ]
    cells = cells_of(shelters)
    assert [(c.condition, c.total, c.free) for c in cells] == [
        (None, 20, 12),
        ("addiction", 10, 10),
    ]
    whole, for_addiction = capacity_cells(cells, suppress=True)
    assert (whole.total, whole.free) == (20, 12)
    assert (for_addiction.total, for_addiction.free) == (10, None)
    assert_no_small_group_follows(shelters)


def test_a_count_is_withheld_where_it_hides_something_not_where_it_comes_first() -> None:
    """As above, with a third shelter for psychiatric care too: the psychiatric cell comes
    first in the order of withholding (it has the fewest shelters), but the two free places
    follow without it, so it stays shown and the addiction cell's free places go."""
    women = frozenset({"female"})
    shelters: list[Shelter] = [
        ("S000", 10, 2, women, frozenset(), False),
        ("S001", 10, 10, women, frozenset({"addiction"}), False),
        ("S002", 10, 10, women, frozenset({"addiction", "psychiatric"}), False),
    ]
    cells = cells_of(shelters)
    assert [(c.condition, c.total, c.free) for c in cells] == [
        (None, 30, 22),
        ("addiction", 20, 20),
        ("psychiatric", 10, 10),
    ]
    seen = capacity_cells(cells, suppress=True)
    assert [(c.total, c.free) for c in seen] == [(30, 22), (20, None), (10, 10)]
    assert_no_small_group_follows(shelters)


def test_a_units_answer_is_not_kept_past_a_change_of_its_places() -> None:
    """The check keeps each unit's answer; a change of places that leaves every cell's own
    counts shown as before must still be checked anew: two free places at the shelter without
    addiction (twelve for women, ten for addiction) are withheld, five are not."""
    women = frozenset({"female"})

    def unit(free: int) -> list[Shelter]:
        return [
            ("S000", 10, free, women, frozenset(), False),
            ("S001", 10, 10, women, frozenset({"addiction"}), False),
        ]

    for free, addiction_free in ((5, 10), (2, None), (5, 10)):
        seen = capacity_cells(cells_of(unit(free)), suppress=True)
        assert [(c.total, c.free) for c in seen] == [(20, 10 + free), (10, addiction_free)]


@settings(max_examples=600, deadline=None, derandomize=True)
@given(unit_shelters(), st.data())
def test_the_check_sees_counts_differ_only_in_units_the_planner_cannot_tell_apart(
    shelters: list[Shelter], data: st.DataObject
) -> None:
    """With any counts shown: each small count the quick pass clears (it differs in a unit one
    small change away from the true one and consistent with what is shown) can indeed differ
    for the planner (:class:`PlannersView`), the unit the search finds for the rest is one the
    planner cannot tell from the true one, in which one of them differs, and those it finds
    cannot differ are indeed pinned."""
    cells = cells_of(shelters)
    flags = data.draw(st.lists(st.booleans(), min_size=4 * len(cells), max_size=4 * len(cells)))
    seen = [
        CapacityCell(
            police_unit=cell.police_unit,
            gender=cell.gender,
            condition=cell.condition,
            total=cell.total if flags[4 * i] else None,
            free=cell.free if flags[4 * i + 1] else None,
            shelters=cell.shelters,
            emergency_total=cell.emergency_total if flags[4 * i + 2] else None,
            emergency_free=cell.emergency_free if flags[4 * i + 3] else None,
            suppressed=False,
        )
        for i, cell in enumerate(cells)
    ]
    places = [
        derivable.Places(frozenset(s for s, _, _ in c.members), c.condition is None, t, f)
        for c, t, f in zip(cells, flags[::4], flags[1::4], strict=True)
    ]
    parts = [
        derivable.Places(c.emergency, False, t, f, part=True)
        for c, t, f in zip(cells, flags[2::4], flags[3::4], strict=True)
    ]
    both = [*places, *parts]
    atoms = derivable._atoms(both)
    free = {sid: free for sid, _, free, *_ in shelters}
    total = {sid: capacity for sid, capacity, *_ in shelters}
    unit = derivable._unit(both, atoms, free, total, smallest=SMALLEST_SHOWN)
    counts = list(unit.small)
    shown = ([p.total_shown for p in both], [p.free_shown for p in both])
    kept = derivable._not_moved(unit, *shown, counts)
    names = ("places", "free places", "places in use")
    view = PlannersView(shelters, cells, seen)
    for kind, union in set(counts) - set(kept):
        group = set().union(*(atoms[a] for a in union))
        low, high = view.range(group, PLACES_COUNTS[names[kind]])
        assert high - low >= 1, (names[kind], sorted(group), seen)
    for kind, union in derivable._pinned(unit, *shown, kept):
        group = set().union(*(atoms[a] for a in union))
        low, high = view.range(group, PLACES_COUNTS[names[kind]])
        assert high - low < 1, (names[kind], sorted(group), seen)
    if kept:
        found = derivable._other_unit(unit, *shown, kept)
        if found is not None:
            assert_indistinguishable(unit, shown, *found)
            assert any(
                derivable._value(kind, union, *found)
                != derivable._value(kind, union, unit.total, unit.free)
                for kind, union in kept
            )


def assert_indistinguishable(
    unit: derivable._Unit, shown: tuple[list[bool], list[bool]], total: np.ndarray, free: np.ndarray
) -> None:
    """``total`` and ``free`` per class of shelters make a unit the planner cannot tell from
    ``unit``: no count below zero, no more free places than places, every count shown the same,
    every count withheld at least one, or zero where it is zero."""
    assert (free >= 0).all()
    assert (free <= total).all()
    for shows, other, true in ((shown[0], total, unit.total), (shown[1], free, unit.free)):
        for draws, is_shown in zip(unit.incidence, shows, strict=True):
            count, truth = int(draws @ other), int(draws @ true)
            assert count == truth if is_shown or truth == 0 else count >= 1
