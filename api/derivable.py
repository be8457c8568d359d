"""Which groups of shelters a planner can work out the places of from the capacity cells, and more
withheld until no such group holds a count of one to four.

A capacity cell sums the places of every shelter of a police unit that fits its profile (a gender,
and a condition or none). Planners know which shelters take which genders and conditions, so they
know which shelters each cell draws on, and can add and subtract the cells they see: women's places
less the places for gender X are the places of the shelters that take women but not X, the
any-condition cell less a condition's cell those of the shelters that do not care for it, and so
on through any chain. The places of a group of shelters follow from the cells shown exactly when
the group, as a set of shelters, is a sum of shown cells with some factors, that is, when its
indicator lies in the span of the shown cells' indicators. Shelters that every cell takes alike
(the same genders, the same conditions) are never told apart, so the check runs over those
classes ("atoms") and every union of them: a few dozen per unit.

Where a group with a count of one to four follows (places, free places, or places in use), the
cell it can least do without is withheld too, and the check runs again. Totals and free places
are checked apart, since a cell may show its total and withhold its free places.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

# Beyond this many classes of shelters in one unit the unions are too many to enumerate; then
# every cell of the unit but the any-condition cell of each gender is withheld (never seen with
# the national network, whose units hold a dozen shelters at most).
MOST_ATOMS = 14
# Indicators are 0/1 and a unit has a few dozen cells: a combination is exact to far below this.
_TOLERANCE = 1e-6

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Places:
    """A cell as the check sees it: the shelters it draws on, whether it is a gender's
    any-condition cell (kept longest), and which of its counts are shown so far."""

    members: frozenset[str]
    whole: bool
    total_shown: bool
    free_shown: bool


def withhold_derivable(
    cells: Sequence[Places], free: dict[str, int], total: dict[str, int], *, smallest: int
) -> list[tuple[bool, bool]]:
    """For each of one unit's ``cells``, whether its total and its free places may be shown so
    that no group of shelters with one to ``smallest - 1`` places, free places or places in use
    follows from what is shown. ``free`` and ``total``: each shelter's own places."""
    shown_total = np.array([cell.total_shown for cell in cells], dtype=bool)
    shown_free = np.array([cell.free_shown for cell in cells], dtype=bool)
    atoms = _atoms(cells)
    if len(atoms) > MOST_ATOMS:
        keep = np.array([cell.whole for cell in cells], dtype=bool)
        return list(zip(shown_total & keep, shown_free & keep, strict=True))
    incidence = np.array(
        [[bool(atom & cell.members) for atom in atoms] for cell in cells], dtype=float
    ).reshape(len(cells), len(atoms))
    unions = _unions(len(atoms))
    atom_total = np.array([sum(total[s] for s in atom) for atom in atoms], dtype=np.int64)
    atom_free = np.array([sum(free[s] for s in atom) for atom in atoms], dtype=np.int64)
    union_total = atom_total @ unions
    union_free = atom_free @ unions
    order = sorted(range(len(cells)), key=lambda i: (cells[i].whole, len(cells[i].members), i))
    while True:
        by_total = _in_span(incidence[shown_total], unions)
        by_free = _in_span(incidence[shown_free], unions)
        both = by_total & by_free
        small_total = by_total & _small(union_total, smallest)
        small_free = (by_free & _small(union_free, smallest)) | (
            both & _small(union_total - union_free, smallest)
        )
        if small_total.any():
            _withhold_one(incidence, unions[:, int(np.argmax(small_total))], shown_total, order)
            shown_free &= shown_total
        elif small_free.any():
            _withhold_one(incidence, unions[:, int(np.argmax(small_free))], shown_free, order)
        else:
            return list(zip(shown_total.tolist(), shown_free.tolist(), strict=True))


def _atoms(cells: Sequence[Places]) -> list[frozenset[str]]:
    """The unit's shelters grouped by the cells they count in (each group in no cell or all)."""
    classes: dict[tuple[bool, ...], set[str]] = {}
    for shelter in sorted(set().union(*(cell.members for cell in cells))):
        signature = tuple(shelter in cell.members for cell in cells)
        classes.setdefault(signature, set()).add(shelter)
    return [frozenset(members) for _, members in sorted(classes.items())]


def _unions(atoms: int) -> Ints:
    """Every non-empty union of ``atoms`` classes, one per column, as 0/1 indicators."""
    columns = [bits for bits in itertools.product((0, 1), repeat=atoms) if any(bits)]
    return np.array(columns, dtype=np.int64).T.reshape(atoms, len(columns))


def _in_span(rows: npt.NDArray[np.float64], unions: Ints) -> Bools:
    """Which columns of ``unions`` are combinations of ``rows`` (the shown cells' indicators)."""
    if rows.shape[0] == 0:
        return np.zeros(unions.shape[1], dtype=bool)
    projection = np.linalg.pinv(rows) @ rows
    residual = projection @ unions - unions
    found: Bools = np.abs(residual).max(axis=0) < _TOLERANCE
    return found


def _small(counts: Ints, smallest: int) -> Bools:
    found: Bools = (counts > 0) & (counts < smallest)
    return found


def _withhold_one(
    incidence: npt.NDArray[np.float64], union: Ints, shown: Bools, order: list[int]
) -> None:
    """Withhold the first shown cell in ``order`` without which ``union`` no longer follows;
    if no single one does, the first shown cell in ``order`` (the check then runs again)."""
    candidates = [index for index in order if shown[index]]
    for index in candidates:
        trial = shown.copy()
        trial[index] = False
        if not _in_span(incidence[trial], union.reshape(-1, 1))[0]:
            shown[index] = False
            return
    shown[candidates[0]] = False
