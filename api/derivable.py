"""What a planner could work out from the capacity cells: an exact check, and more withheld until
no group of shelters' small count can be worked out.

A capacity cell sums the places of every shelter of a police unit that fits its profile (a gender,
and a condition or none). Planners know which shelters take which genders and conditions, so they
know which shelters each cell draws on, and can combine the cells they see: women's places less
the places for gender X are the places of the shelters that take women but not X, the
any-condition cell less a condition's cell those of the shelters that do not care for it, and so
on, together with what no count can be (below zero, or more free places than places) and that
counts are whole numbers. Shelters that every cell takes alike (the same genders, the same
conditions) are never told apart, so the check works on those classes ("atoms"), each with its
places and free places, and on every union of them.

For every union whose places, free places or places in use (places less free places) are one to
four, CP-SAT looks for a unit the planner cannot tell from the true one in which that count
differs (one search clears every count it finds differing). Where none exists, a count of a cell
is withheld (a condition's cell with few shelters before a gender's any-condition cell, free
places before places), the first whose withholding lets that count differ, and the check runs
again. The planner is granted knowing which withheld counts are zero: a stronger planner. One
count withheld at a time can leave one withheld that later ones made needless, so each count
withheld is then shown again, the counts kept longest first, where nothing small follows with it.

A cell may come with a part of it, a cell of its own over some of its shelters (its emergency
beds): the planner who knows which shelters are which can subtract the part from the cell as from
any other cell, so parts are checked like cells. The cells are checked first without the parts,
then with them, withholding parts' counts, one after another, before any other count: a part's
counts are shown only where showing them lets nothing withheld be worked out, and they cost a
cell a count it shows without them only where even with every part's count withheld (the planner
still knowing which shelters are which, and which withheld counts are zero) something small
would follow.

Units are small (the sample network's have 4 to 11 atoms), and the answer depends only on the
unit's cells, which change when places do, so each unit's answer is kept for the next request.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import numpy.typing as npt

# Beyond this many classes of shelters in one unit the unions are too many to enumerate; then
# the unit shows its largest cell only, from which nothing but that cell follows.
MOST_ATOMS = 12
# A bound on any count, for the solver's domains: far above any unit's places.
MOST = 1_000_000
# The longest one search may take; a search that runs out of time counts as "cannot differ",
# so that more is withheld: the safe side.
CHECK_SECONDS = 1.0
# Units whose answers are kept (ten police units, a few states each, checked with and without
# their parts).
KEPT = 128

Ints = npt.NDArray[np.int64]
Shown = tuple[tuple[bool, bool], ...]


@dataclass(frozen=True)
class Places:
    """A cell as the check sees it: the shelters it draws on, whether it is a gender's
    any-condition cell (kept longest) or a part of a cell (given up first), and which of its
    counts are shown so far."""

    members: frozenset[str]
    whole: bool
    total_shown: bool
    free_shown: bool
    part: bool = False


@dataclass(frozen=True)
class _Unit:
    """One unit over its atoms: which atoms each cell draws on, each atom's true places and free
    places, and the small counts to keep from being worked out."""

    incidence: Ints  # cells x atoms, 0/1
    total: Ints  # per atom
    free: Ints  # per atom
    small: tuple[tuple[int, tuple[int, ...]], ...]  # (kind, atoms of the union) per count
    moves: Ints  # (places, free places) per atom x small changes to try before searching


def withhold_derivable(
    cells: Sequence[Places], free: dict[str, int], total: dict[str, int], *, smallest: int
) -> list[tuple[bool, bool]]:
    """For each of one unit's ``cells``, whether its total and its free places may be shown so
    that no group of shelters with one to ``smallest - 1`` places, free places or places in use
    can be worked out from what is shown. ``free`` and ``total``: each shelter's own places.
    Where there are parts, the cells alone are checked first, and show no more with them."""
    if any(cell.part for cell in cells):
        alone = iter(
            withhold_derivable(
                [cell for cell in cells if not cell.part], free, total, smallest=smallest
            )
        )
        cells = [cell if cell.part else _showing(cell, *next(alone)) for cell in cells]
    members = {shelter for cell in cells for shelter in cell.members}
    return list(
        _withheld(
            tuple(cells),
            tuple(sorted((shelter, free[shelter]) for shelter in members)),
            tuple(sorted((shelter, total[shelter]) for shelter in members)),
            smallest,
        )
    )


def _showing(cell: Places, total_shown: bool, free_shown: bool) -> Places:
    """``cell`` showing the counts given: the first pass's answer, which only ever withholds."""
    return replace(cell, total_shown=total_shown, free_shown=free_shown)


@lru_cache(maxsize=KEPT)
def _withheld(
    cells: tuple[Places, ...],
    free: tuple[tuple[str, int], ...],
    total: tuple[tuple[str, int], ...],
    smallest: int,
) -> Shown:
    """:func:`withhold_derivable` on hashable arguments, so that a unit's answer is kept."""
    shown_total = [cell.total_shown for cell in cells]
    shown_free = [cell.free_shown for cell in cells]
    atoms = _atoms(cells)
    if len(atoms) > MOST_ATOMS:
        largest = max(range(len(cells)), key=lambda i: (len(cells[i].members), cells[i].whole, -i))
        return tuple(
            (shown_total[i] and i == largest, shown_free[i] and i == largest)
            for i in range(len(cells))
        )
    unit = _unit(cells, atoms, dict(free), dict(total), smallest=smallest)
    order = [
        sorted(
            (i for i in range(len(cells)) if cells[i].part == part),
            key=lambda i: (cells[i].whole, len(cells[i].members), i),
        )
        for part in (True, False)
    ]
    # A unit found to differ from the true one stays consistent with less shown, so a count once
    # seen to differ never needs checking again: only the pinned ones are.
    pinned = list(unit.small)
    while pinned := _pinned(unit, shown_total, shown_free, pinned):
        if not _withhold_for(unit, pinned[0], shown_total, shown_free, order):
            break  # nothing but zeros is shown (and nothing small follows from zeros)
    _show_again(unit, cells, shown_total, shown_free, order)
    return tuple(zip(shown_total, shown_free, strict=True))


def _show_again(
    unit: _Unit,
    cells: Sequence[Places],
    shown_total: list[bool],
    shown_free: list[bool],
    order: list[list[int]],
) -> None:
    """Show again each count withheld above where nothing small follows with it shown: one
    count withheld at a time (and, where no single one would do, the first in ``order``) can
    leave a count withheld that later ones made needless. In the reverse of ``order``, so the
    counts kept longest come back first: the cells before the parts, places before their free
    places, which come back only with their places, as they went with them."""
    for index in reversed([index for tier in order for index in tier]):
        for places, given in ((True, cells[index].total_shown), (False, cells[index].free_shown)):
            if not given or (shown_total if places else shown_free)[index]:
                continue
            if not places and not shown_total[index]:
                continue
            trial_total, trial_free = list(shown_total), list(shown_free)
            (trial_total if places else trial_free)[index] = True
            if not _pinned(unit, trial_total, trial_free, list(unit.small)):
                shown_total[:], shown_free[:] = trial_total, trial_free


def _atoms(cells: Sequence[Places]) -> list[frozenset[str]]:
    """The unit's shelters grouped by the cells they count in (each group in no cell or all)."""
    classes: dict[tuple[bool, ...], set[str]] = {}
    for shelter in sorted(set().union(*(cell.members for cell in cells))):
        signature = tuple(shelter in cell.members for cell in cells)
        classes.setdefault(signature, set()).add(shelter)
    return [frozenset(members) for _, members in sorted(classes.items())]


def _unit(
    cells: Sequence[Places],
    atoms: list[frozenset[str]],
    free: dict[str, int],
    total: dict[str, int],
    *,
    smallest: int,
) -> _Unit:
    incidence = np.array(
        [[int(bool(atom & cell.members)) for atom in atoms] for cell in cells], dtype=np.int64
    ).reshape(len(cells), len(atoms))
    atom_total = np.array([sum(total[s] for s in atom) for atom in atoms], dtype=np.int64)
    atom_free = np.array([sum(free[s] for s in atom) for atom in atoms], dtype=np.int64)
    small = tuple(
        (kind, union)
        for size in range(1, len(atoms) + 1)
        for union in itertools.combinations(range(len(atoms)), size)
        for kind in range(3)
        if 0 < _value(kind, union, atom_total, atom_free) < smallest
    )
    return _Unit(incidence, atom_total, atom_free, small, _moves(len(atoms)))


def _moves(atoms: int) -> Ints:
    """Small changes to a unit, one per column over (places, free places) per atom: one more or
    one less place, free place, or free place with its place, at one atom or moved from one atom
    to another. Most small counts are seen to differ in a unit one of these gives, without a
    search."""
    unit_vectors = np.eye(atoms, dtype=np.int64)
    steps = [unit_vectors[:, [a]] for a in range(atoms)]
    steps += [
        unit_vectors[:, [a]] - unit_vectors[:, [b]]
        for a in range(atoms)
        for b in range(atoms)
        if a != b
    ]
    nothing = np.zeros((atoms, 1), dtype=np.int64)
    columns = [
        np.vstack(pair)
        for step in steps
        for sign in (1, -1)
        for pair in ((sign * step, nothing), (nothing, sign * step), (sign * step, sign * step))
    ]
    return np.hstack(columns)


def _value(kind: int, union: tuple[int, ...], total: Ints, free: Ints) -> int:
    """A count (kind 0 places, 1 free places, 2 places in use) of a union of atoms."""
    places, free_places = int(total[list(union)].sum()), int(free[list(union)].sum())
    return (places, free_places, places - free_places)[kind]


def _pinned(
    unit: _Unit,
    shown_total: list[bool],
    shown_free: list[bool],
    counts: list[tuple[int, tuple[int, ...]]],
) -> list[tuple[int, tuple[int, ...]]]:
    """Those of ``counts`` that every unit consistent with what is shown agrees on."""
    counts = _not_moved(unit, shown_total, shown_free, counts)
    while counts:
        other = _other_unit(unit, shown_total, shown_free, counts)
        if other is None:
            return counts
        total, free = other
        counts = [
            (kind, union)
            for kind, union in counts
            if _value(kind, union, total, free) == _value(kind, union, unit.total, unit.free)
        ]
    return []


def _not_moved(
    unit: _Unit,
    shown_total: list[bool],
    shown_free: list[bool],
    counts: list[tuple[int, tuple[int, ...]]],
) -> list[tuple[int, tuple[int, ...]]]:
    """Those of ``counts`` that no unit one of :func:`_moves` away, and consistent with what is
    shown, changes."""
    size = len(unit.total)
    truth = np.concatenate([unit.total, unit.free])[:, None]
    others = truth + unit.moves
    total, free = others[:size], others[size:]
    consistent = (others >= 0).all(axis=0) & (free <= total).all(axis=0)
    for shown, values, true in ((shown_total, total, unit.total), (shown_free, free, unit.free)):
        sums, true_sums = unit.incidence @ values, unit.incidence @ true
        for cell, is_shown in enumerate(shown):
            if is_shown or true_sums[cell] == 0:
                consistent &= sums[cell] == true_sums[cell]
            else:
                consistent &= sums[cell] >= 1
    if not consistent.any():
        return counts
    total, free = total[:, consistent], free[:, consistent]
    return [
        (kind, union)
        for kind, union in counts
        if (_values(kind, union, total, free) == _value(kind, union, unit.total, unit.free)).all()
    ]


def _values(kind: int, union: tuple[int, ...], total: Ints, free: Ints) -> Ints:
    """A count (see :func:`_value`) in each of several units, one per column."""
    places, free_places = total[list(union)].sum(axis=0), free[list(union)].sum(axis=0)
    found: Ints = (places, free_places, places - free_places)[kind]
    return found


def _by_sums(
    unit: _Unit, shown_total: list[bool], shown_free: list[bool], count: tuple[int, tuple[int, ...]]
) -> bool:
    """Whether ``count`` is a combination of the shown cells' counts and of the atoms that a
    zero count (shown or withheld) says are empty: then it follows, whatever else is shown."""
    size = len(unit.total)
    rows = []
    for shown, values, part in ((shown_total, unit.total, 0), (shown_free, unit.free, 1)):
        for cell, draws in enumerate(unit.incidence):
            row = np.zeros(2 * size)
            if shown[cell]:
                row[part * size : (part + 1) * size] = draws
                rows.append(row)
            if int(values @ draws) == 0:
                for atom in np.flatnonzero(draws):
                    empty = np.zeros(2 * size)
                    empty[part * size + atom] = 1.0
                    rows.append(empty)
    if not rows:
        return False
    kind, union = count
    query = np.zeros(2 * size)
    members = list(union)
    if kind in (0, 2):
        query[members] = 1.0
    if kind == 1:
        query[[size + a for a in members]] = 1.0
    if kind == 2:
        query[[size + a for a in members]] = -1.0
    known = np.array(rows)
    solution, *_ = np.linalg.lstsq(known.T, query, rcond=None)
    return bool(np.abs(known.T @ solution - query).max() < 1e-6)


def _other_unit(
    unit: _Unit,
    shown_total: list[bool],
    shown_free: list[bool],
    counts: Sequence[tuple[int, tuple[int, ...]]],
) -> tuple[Ints, Ints] | None:
    """Places and free places per atom of a unit the planner cannot tell from the true one, in
    which as many of ``counts`` as can differ do (at least one); None if no such unit exists."""
    from ortools.sat.python import cp_model  # imported here: see engine.solvers.cpmodel

    model = cp_model.CpModel()
    atoms = range(unit.incidence.shape[1])
    total = [model.new_int_var(0, MOST, f"total[{a}]") for a in atoms]
    free = [model.new_int_var(0, MOST, f"free[{a}]") for a in atoms]
    for atom in atoms:
        model.add(free[atom] <= total[atom])
    for cell, draws in enumerate(unit.incidence):
        members = [a for a in atoms if draws[a]]
        for shown, unknown, truth in (
            (shown_total[cell], total, unit.total),
            (shown_free[cell], free, unit.free),
        ):
            value = int(truth[members].sum())
            expression = cp_model.LinearExpr.sum([unknown[a] for a in members])
            if shown or value == 0:
                model.add(expression == value)
            else:
                model.add(expression >= 1)
    differs = []
    for kind, union in counts:
        places = cp_model.LinearExpr.sum([total[a] for a in union])
        free_places = cp_model.LinearExpr.sum([free[a] for a in union])
        expression = (places, free_places, places - free_places)[kind]
        value = _value(kind, union, unit.total, unit.free)
        below, above = model.new_bool_var(""), model.new_bool_var("")
        model.add(expression <= value - 1).only_enforce_if(below)
        model.add(expression >= value + 1).only_enforce_if(above)
        differs.append(below)
        differs.append(above)
    model.add_bool_or(differs)
    model.maximize(sum(differs))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = CHECK_SECONDS
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return (
        np.array([solver.value(v) for v in total], dtype=np.int64),
        np.array([solver.value(v) for v in free], dtype=np.int64),
    )


def _withhold_for(
    unit: _Unit,
    pinned: tuple[int, tuple[int, ...]],
    shown_total: list[bool],
    shown_free: list[bool],
    order: list[list[int]],
) -> bool:
    """Withhold the first count in ``order`` (a cell's free places before its places) without
    which ``pinned`` can differ; if no single one will do, the first shown count in that order
    (the check then runs again). ``order`` comes in tiers (the parts, then the cells): only once
    a tier shows nothing are the next tier's counts tried. Places withheld take their free places
    with them. A zero is never withheld: the planner is granted it anyway, so it hides nothing.
    False when nothing but zeros is shown any more."""
    counts = (unit.incidence @ unit.free, unit.incidence @ unit.total)  # by ``places``
    tiers = (
        [
            (index, places)
            for index in tier
            for places in (False, True)
            if (shown_total if places else shown_free)[index] and counts[places][index]
        ]
        for tier in order
    )
    candidates = next((tier for tier in tiers if tier), [])
    for index, places in candidates:
        trial_total, trial_free = list(shown_total), list(shown_free)
        trial_free[index] = False
        if places:
            trial_total[index] = False
        if _by_sums(unit, trial_total, trial_free, pinned):
            continue  # still a sum of what is shown: no search needed to know
        if not _pinned(unit, trial_total, trial_free, [pinned]):
            shown_total[:], shown_free[:] = trial_total, trial_free
            return True
    if not candidates:
        return False
    index, places = candidates[0]
    shown_free[index] = False
    if places:
        shown_total[index] = False
    return True
