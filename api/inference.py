"""What a planner could work out from the stays table: an exact check, and more withheld until
nothing small can be worked out.

Withholding each small count, and a second one where a sum would give it away, stops the simple
sums and differences. A planner can chain more than that: a column's sum, each row's rule that
nobody is somewhere unsuitable who is not waiting, and that a withheld count is at least one
(zeros are shown). Ten people in hotels in one unit and one person at home in another, with the
country's eleven waiting shown, pin the one. So, after the simple rules, every count of one to
four people that is not shown, and every row's count of those waiting elsewhere than somewhere
unsuitable, is checked exactly: CP-SAT looks for a table the planner cannot tell from the true
one in which that count differs. Where there is none, the smallest positive count shown in the
same columns is withheld too, and the check runs again.

The tables are small (a dozen rows, four columns) and only small counts are checked, so a check
is a few milliseconds of solving; it runs for planners only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.stays import RegionStays

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

PEOPLE = ("waiting", "unsuitable", "people_in_window")
COLUMNS = (*PEOPLE, "nights_in_window")
# Nights one person can spend in the window: it holds 30 Dutch midnights (api.stays).
NIGHTS_PER_PERSON = 30
# A bound on any count, for the solver's domains: far above any table of people waiting.
MOST = 10_000_000
# The longest one check may take.
CHECK_SECONDS = 1.0

Shown = list[dict[str, int | None]]


@dataclass(frozen=True)
class Count:
    """A count of people in one row: the sum of ``columns`` with their signs."""

    row: int
    terms: tuple[tuple[str, int], ...]

    def of(self, values: dict[str, int]) -> int:
        """The count in a table's row."""
        return sum(sign * values[name] for name, sign in self.terms)


def _counts(rows: int) -> Iterator[Count]:
    for row in range(rows):
        yield from (Count(row, ((name, 1),)) for name in PEOPLE)
        yield Count(row, (("waiting", 1), ("unsuitable", -1)))  # waiting elsewhere


def withhold_until_safe(rows: Sequence[RegionStays], shown: Shown, *, smallest: int) -> None:
    """Withhold more of ``shown`` (the units' rows, then the country's, in ``rows``' order)
    until no count of people below ``smallest`` (and above 0) can be worked out from it."""
    truth = [{name: getattr(row, name) for name in COLUMNS} for row in rows]
    while (pinned := _first_pinned(truth, shown, smallest)) is not None:
        _withhold_beside(pinned, shown)


def _first_pinned(truth: list[dict[str, int]], shown: Shown, smallest: int) -> Count | None:
    """A small count of people that every table consistent with ``shown`` agrees on."""
    for count in _counts(len(truth)):
        value = count.of(truth[count.row])
        if 0 < value < smallest and not _can_differ(truth, shown, count, value):
            return count
    return None


def _can_differ(truth: list[dict[str, int]], shown: Shown, count: Count, value: int) -> bool:
    """Whether some table the planner cannot tell from the true one has another ``count``."""
    from ortools.sat.python import cp_model  # imported here: see engine.solvers.cpmodel

    model = cp_model.CpModel()
    cells = [
        {
            name: _cell(model, shown[row][name], truth[row][name], f"{name}[{row}]")
            for name in COLUMNS
        }
        for row in range(len(truth))
    ]
    for values in cells:
        model.add(values["unsuitable"] <= values["waiting"])
        model.add(values["people_in_window"] <= values["nights_in_window"])
        model.add(values["nights_in_window"] <= NIGHTS_PER_PERSON * values["people_in_window"])
    *units, country = cells
    for name in COLUMNS:
        model.add(sum(values[name] for values in units) == country[name])
    model.add(sum(sign * cells[count.row][name] for name, sign in count.terms) != value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    # Milliseconds as a rule; a check that ran out of time counts as "cannot differ", so that
    # more is withheld: the safe side.
    solver.parameters.max_time_in_seconds = CHECK_SECONDS
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _cell(model: cp_model.CpModel, shown: int | None, true: int, name: str) -> cp_model.IntVar:
    """A count as the planner knows it: as shown, or withheld, at least one unless it is zero
    (the planner is granted knowing which withheld counts are zeros: a stronger planner)."""
    if shown is not None:
        return model.new_constant(shown)
    return model.new_int_var(1 if true else 0, MOST, name)


def _withhold_beside(count: Count, shown: Shown) -> None:
    """Withhold the smallest positive count shown in ``count``'s columns (any row), else in its
    row, else anywhere, so that what pinned it has one more unknown; with no positive count shown
    at all, withhold every count (nothing is then left to work anything out from)."""
    columns = {name for name, _ in count.terms}
    positive = [
        (value, row, name)
        for row, values in enumerate(shown)
        for name, value in values.items()
        if value
    ]
    beside = (
        [item for item in positive if item[2] in columns]
        or [item for item in positive if item[1] == count.row]
        or positive
    )
    if not beside:
        for values in shown:
            values.update(dict.fromkeys(values))
        return
    _, row, name = min(beside)
    shown[row][name] = None
    if name == "people_in_window":
        shown[row]["nights_in_window"] = None
