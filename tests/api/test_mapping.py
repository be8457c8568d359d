"""Rows and contract types map onto each other without loss, and live state lands where the
engine looks for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.db.mapping import referral_columns, shelter_columns, shelter_from_row, victim_from_row
from api.db.tables import ReferralRow, ShelterRow
from models.location import Location
from models.sample import sample_shelters, sample_victims
from tests.api.rows import shelter

NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)


def test_every_sample_shelter_survives_the_round_trip() -> None:
    for original in sample_shelters():
        row = ShelterRow(**shelter_columns(original), closed=False, updated_at=NOW)
        assert shelter_from_row(row) == original


def test_every_sample_victim_survives_the_round_trip() -> None:
    shelters = sample_shelters()
    for original in sample_victims(300, seed=3, shelters=shelters):
        row = ReferralRow(**referral_columns(original), created_at=NOW, updated_at=NOW)
        assert victim_from_row(row) == original


@pytest.mark.parametrize(
    ("location", "unit"),
    [
        (Location(municipality="Venlo"), "Limburg"),
        (Location(municipality="Den Bosch"), "Oost-Brabant"),
        (Location(lat=53.219, lon=6.567), "Noord-Nederland"),  # Groningen's centre
        (Location(lat=51.37, lon=6.17), "Limburg"),  # Venlo's
        (None, None),
    ],
)
def test_the_region_of_a_referral_is_its_police_unit(
    location: Location | None, unit: str | None
) -> None:
    (victim,) = sample_victims(1, seed=3, shelters=[])
    located = victim.model_copy(update={"location": location})
    assert referral_columns(located)["region"] == unit


def test_live_state_fills_occupied_and_residents() -> None:
    row = ShelterRow(
        **shelter_columns(shelter("T1", 4, occupied=1, residents=["R1"])),
        closed=False,
        updated_at=NOW,
    )
    live = shelter_from_row(row, taken=2, residents=["A", "R1"])
    assert (live.occupied, live.free, live.residents) == (3, 1, ["R1", "A"])
    # Staff may report more in use than the ledger leaves: the shelter is full, never below zero.
    assert shelter_from_row(row, taken=9).free == 0
    row.closed = True
    assert shelter_from_row(row).free == 0


def test_people_who_avoid_a_victim_join_its_avoid_list() -> None:
    (original,) = sample_victims(1, seed=1, shelters=[])
    row = ReferralRow(
        **referral_columns(original.model_copy(update={"avoid": ["X"]})),
        created_at=NOW,
        updated_at=NOW,
    )
    assert victim_from_row(row, avoided_by=["Y", "X", original.id]).avoid == ["X", "Y"]
