"""Shelters over HTTP: when their places count as reported.

The desk sees when an option's free places were last reported once that is a day old, so only a
change of what decides the places (capacity, occupied places, closing, intake hours) renews it; an
edit of what describes the shelter moves ``updated_at`` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from models.sample import sample_shelter_kinds
from tests.api.helpers import Api, running_api


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def moments(api: Api, shelter_id: str) -> tuple[datetime, datetime]:
    """(updated_at, places_reported_at) of a shelter, as the admin reads them."""
    body = api.ok(api.get("admin", f"/api/v1/shelters/{shelter_id}"))
    return datetime.fromisoformat(body["updated_at"]), datetime.fromisoformat(
        body["places_reported_at"]
    )


@pytest.mark.parametrize(
    ("path", "change", "reports"),
    [
        ("", {"languages": ["nl", "de"]}, False),
        ("", {"residents": ["Cffffffffffffffff"]}, False),
        ("", {"kind": "emergency"}, False),
        ("", {"capacity": 9}, True),
        ("", {"occupied": 1}, True),
        ("", {"closed": True}, True),
        ("", {"intake": "office"}, True),
        ("/availability", {"free": 2}, True),
        ("/availability", {"intake": "24/7"}, True),
    ],
)
def test_only_a_change_of_the_places_counts_as_a_report(
    api: Api, path: str, change: dict[str, Any], reports: bool
) -> None:
    body = {"id": "T001", "location": {"municipality": "Utrecht"}, "capacity": 4}
    api.ok(api.post("admin", "/api/v1/shelters", body), 201)
    created = moments(api, "T001")
    assert created[0] == created[1] == api.clock.now

    api.clock.advance(60)
    api.ok(api.patch("admin", f"/api/v1/shelters/T001{path}", change))
    updated_at, reported_at = moments(api, "T001")
    assert updated_at == api.clock.now
    assert reported_at == (api.clock.now if reports else created[1])


def test_a_shelter_kind_is_kept_changed_and_cleared_by_the_admin_only(api: Api) -> None:
    """The kind is for people choosing a place: the admin sets it, staff reporting their places
    cannot, and a kind that is none of the known ones is refused at its field."""
    body = {"id": "T001", "location": {"municipality": "Utrecht"}, "capacity": 4}
    created = api.ok(api.post("admin", "/api/v1/shelters", body | {"kind": "emergency"}), 201)
    assert created["kind"] == "emergency"
    assert api.ok(api.post("admin", "/api/v1/shelters", body | {"id": "T002"}), 201)["kind"] is None

    assert (
        api.ok(api.patch("admin", "/api/v1/shelters/T001", {"capacity": 5}))["kind"] == "emergency"
    )
    assert api.ok(api.patch("admin", "/api/v1/shelters/T001", {"kind": "women"}))["kind"] == "women"
    assert api.ok(api.patch("admin", "/api/v1/shelters/T001", {"kind": None}))["kind"] is None

    wrong = api.patch("admin", "/api/v1/shelters/T001", {"kind": "hotel"})
    assert wrong.status_code == 422
    assert [e["path"] for e in wrong.json()["errors"]] == ["kind"]
    refused = api.patch("admin", "/api/v1/shelters/T001/availability", {"kind": "emergency"})
    assert refused.status_code == 422
    assert api.ok(api.get("admin", "/api/v1/shelters/T001"))["kind"] is None


def test_the_sample_network_is_seeded_with_its_kinds(api: Api) -> None:
    shelters = api.ok(api.get("admin", "/api/v1/shelters", limit=500))
    kinds = {shelter["id"]: shelter["kind"] for shelter in shelters}
    assert kinds == sample_shelter_kinds()
