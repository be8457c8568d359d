"""The simulation ledger's conservation check catches every way of losing or inventing a person.

The simulator runs with ``check=True`` in the tests and relies on :meth:`Ledger.check` to fail on
any bookkeeping bug; these tests break one invariant at a time by hand, so a check that passes
silently cannot hide behind simulations that happen to be right.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.arrays import IntArray
from engine.simulation.ledger import ConservationError, Ledger


def _ledger() -> tuple[Ledger, IntArray]:
    """Two shelters of 2 places, one emergency bed in Utrecht; three arrivals: one placed, one
    in the emergency bed, one gone unplaced. Returns the ledger and the places on record."""
    ledger = Ledger(
        capacity=np.array([2, 2]), occupied=np.array([0, 0]), emergency_beds={"Utrecht": 1}
    )
    for person in (1, 2, 3):
        ledger.arrive(person, hour=0)
    ledger.place(1, shelter=0, places=1)
    assert ledger.take_emergency_bed(ledger.waiting[2], "Utrecht", until=48)
    ledger.leave_unplaced(3)
    return ledger, np.array([1, 0])


def test_a_consistent_ledger_passes() -> None:
    ledger, on_record = _ledger()
    ledger.check(on_record)
    ledger.depart(0, 1)
    ledger.check(np.array([0, 0]))


def test_a_person_lost_from_the_waiting_list_is_caught() -> None:
    ledger, on_record = _ledger()
    del ledger.waiting[2]
    ledger.emergency_used["Utrecht"] = 0
    with pytest.raises(ConservationError, match="3 arrived but 2 accounted for"):
        ledger.check(on_record)


def test_occupancy_that_differs_from_the_stays_on_record_is_caught() -> None:
    ledger, _ = _ledger()
    with pytest.raises(ConservationError, match="differs from the stays on record"):
        ledger.check(np.array([0, 1]))


def test_a_shelter_over_its_capacity_is_caught() -> None:
    ledger, _ = _ledger()
    ledger.occupied[1] = 3
    with pytest.raises(ConservationError, match="over capacity or below zero"):
        ledger.check(np.array([1, 3]))
    ledger.arrive(4, hour=1)
    with pytest.raises(ConservationError, match="would go over capacity"):
        ledger.place(4, shelter=0, places=2)


def test_more_emergency_beds_than_the_unit_has_are_caught() -> None:
    ledger, on_record = _ledger()
    ledger.emergency_used["Utrecht"] = 2
    with pytest.raises(ConservationError, match="emergency beds in Utrecht: 2 in use"):
        ledger.check(on_record)


def test_an_emergency_bed_nobody_holds_is_caught() -> None:
    ledger, on_record = _ledger()
    ledger.waiting[2].emergency_unit = None
    with pytest.raises(ConservationError, match="differ from the people holding one"):
        ledger.check(on_record)


def test_a_shelter_below_zero_is_caught() -> None:
    """A departure booked twice leaves fewer than no residents, even where the stays agree."""
    ledger, _ = _ledger()
    ledger.occupied[1] = -1
    with pytest.raises(ConservationError, match="over capacity or below zero"):
        ledger.check(np.array([1, -1]))


def test_a_shelter_refilled_over_a_cut_after_someone_left_is_caught() -> None:
    """A cut evicts nobody, but once a resident leaves, the shelter may hold no more than it had
    left (here 1 of the 2 it held, with 1 place after the cut)."""
    ledger = Ledger(capacity=np.array([2]), occupied=np.array([2]), emergency_beds={})
    ledger.set_capacity(np.array([1]))
    ledger.check(np.array([2]))  # still over the new capacity: nobody was evicted
    ledger.depart(0, 1, initial=True)
    ledger.check(np.array([1]))
    ledger.occupied[0] = 2
    with pytest.raises(ConservationError, match="over capacity or below zero"):
        ledger.check(np.array([2]))


def test_an_emergency_bed_released_in_the_wrong_unit_is_caught() -> None:
    """The bed held in Utrecht freed in Amsterdam instead: the beds in use still add up to the
    people holding one, but Amsterdam has fewer than none in use."""
    ledger = Ledger(
        capacity=np.array([1]),
        occupied=np.array([0]),
        emergency_beds={"Utrecht": 1, "Amsterdam": 1},
    )
    ledger.arrive(1, hour=0)
    assert ledger.take_emergency_bed(ledger.waiting[1], "Utrecht", until=24)
    ledger.waiting[1].emergency_unit = "Amsterdam"
    ledger.release_emergency(ledger.waiting[1])
    with pytest.raises(ConservationError, match="emergency beds in Amsterdam: -1 in use"):
        ledger.check(np.array([0]))
