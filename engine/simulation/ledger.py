"""Who is where at every moment: residents of shelters, people waiting in fallback, people gone.

The ledger is the only place that moves people, so conservation can be checked in one place:
every arrival is placed, waiting (in an emergency bed, a hotel or a homeless shelter) or gone (left
after their stay, or left the queue unplaced), and no placement ever takes a shelter over its
capacity. :meth:`Ledger.check` asserts that; tests switch it on for every simulated hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from engine.arrays import IntArray

FallbackKind = Literal["emergency", "hotel", "homeless_shelter"]


class ConservationError(AssertionError):
    """The ledger lost or duplicated a person, or a shelter went over capacity (a bug)."""


@dataclass
class Waiting:
    """Someone without a suitable place: since when, and where they sleep meanwhile."""

    since: int  # hour of arrival
    emergency_unit: str | None = None  # police unit whose emergency bed they hold
    emergency_until: int = -1  # hour the emergency bed ends (at most a few days)
    later: FallbackKind = "hotel"  # where they go after the emergency bed (or at once)
    assigned: bool = False  # fallback chosen (people placed in their arrival hour never need one)


@dataclass
class Ledger:
    """Occupancy of the placement shelters, the waiting list and the emergency beds in use."""

    capacity: IntArray
    occupied: IntArray
    emergency_beds: dict[str, int]
    waiting: dict[int, Waiting] = field(default_factory=dict)
    emergency_used: dict[str, int] = field(default_factory=dict)
    ceiling: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    arrived: int = 0
    resident: int = 0  # placed people still in their shelter
    departed: int = 0
    left_unplaced: int = 0

    def __post_init__(self) -> None:
        self.ceiling = np.maximum(self.capacity, self.occupied)
        for unit in self.emergency_beds:
            self.emergency_used.setdefault(unit, 0)

    @property
    def free(self) -> IntArray:
        """Free places now (never negative, also right after a capacity cut)."""
        free: IntArray = np.maximum(self.capacity - self.occupied, 0)
        return free

    def set_capacity(self, capacity: IntArray) -> None:
        """New capacities (an event began or ended); nobody is evicted by a cut."""
        self.capacity = capacity.copy()
        self.ceiling = np.maximum(self.capacity, self.occupied)

    def arrive(self, person: int, hour: int) -> None:
        """A person joins the waiting list."""
        self.arrived += 1
        self.waiting[person] = Waiting(since=hour)

    def place(self, person: int, shelter: int, places: int) -> Waiting:
        """Move a waiting person into a shelter; returns their waiting record."""
        if self.occupied[shelter] + places > self.capacity[shelter]:
            raise ConservationError(f"shelter {shelter} would go over capacity")
        record = self.waiting.pop(person)
        self.occupied[shelter] += places
        self.resident += 1
        self.release_emergency(record)
        return record

    def depart(self, shelter: int, places: int, initial: bool = False) -> None:
        """A resident's stay ends; a resident from before the start is not an arrival."""
        self.occupied[shelter] -= places
        self.ceiling[shelter] = max(
            int(self.capacity[shelter]),
            min(int(self.ceiling[shelter]), int(self.occupied[shelter])),
        )
        if not initial:
            self.resident -= 1
            self.departed += 1

    def take_emergency_bed(self, record: Waiting, unit: str, until: int) -> bool:
        """Give the person an emergency bed in ``unit`` until ``until``, if one is free."""
        if self.emergency_used.get(unit, 0) >= self.emergency_beds.get(unit, 0):
            return False
        self.emergency_used[unit] += 1
        record.emergency_unit = unit
        record.emergency_until = until
        return True

    def release_emergency(self, record: Waiting) -> None:
        """Free the person's emergency bed, if they still hold one."""
        if record.emergency_unit is not None:
            self.emergency_used[record.emergency_unit] -= 1
            record.emergency_unit = None

    def leave_unplaced(self, person: int) -> Waiting:
        """A waiting person leaves the queue without a suitable place."""
        record = self.waiting.pop(person)
        self.release_emergency(record)
        self.left_unplaced += 1
        return record

    def check(self, expected_occupied: IntArray) -> None:
        """Assert conservation; ``expected_occupied`` is the places the stays on record hold."""
        accounted = self.resident + len(self.waiting) + self.departed + self.left_unplaced
        if accounted != self.arrived:
            raise ConservationError(f"{self.arrived} arrived but {accounted} accounted for")
        if not np.array_equal(self.occupied, expected_occupied):
            raise ConservationError("occupancy differs from the stays on record")
        if np.any(self.occupied < 0) or np.any(self.occupied > self.ceiling):
            raise ConservationError("a shelter is over capacity or below zero")
        for unit, used in self.emergency_used.items():
            if not 0 <= used <= self.emergency_beds.get(unit, 0):
                raise ConservationError(f"emergency beds in {unit}: {used} in use")
        holders = sum(1 for w in self.waiting.values() if w.emergency_unit is not None)
        if holders != sum(self.emergency_used.values()):
            raise ConservationError("emergency beds in use differ from the people holding one")
