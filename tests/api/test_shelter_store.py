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

from api.audit import NOT_AN_ID
from models.sample import sample_shelter_kinds
from tests.api.helpers import Api, audit_rows, running_api


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


def test_an_availability_read_before_someone_elses_change_is_refused_whole(api: Api) -> None:
    """Two staff members open the shelter at once; one closes it, the other then saves its free
    places with the version it read: that would silently reopen the shelter, so nothing of it is
    saved and the conflict is named. Without a version the change is saved as before."""
    path = "/api/v1/shelters/S001"
    read = api.ok(api.get("shelter", path))
    closed = api.ok(api.patch("shelter", f"{path}/availability", {"closed": True}))
    assert closed["version"] == read["version"] + 1

    api.clock.advance(5)
    late = api.patch(
        "shelter", f"{path}/availability", {"free": 1, "closed": False, "version": read["version"]}
    )
    assert late.status_code == 409
    assert late.json()["code"] == "version_conflict"
    assert api.ok(api.get("shelter", path)) == closed

    again = {"free": 1, "closed": False, "version": closed["version"]}
    assert api.ok(api.patch("shelter", f"{path}/availability", again))["closed"] is False
    assert api.ok(api.patch("shelter", f"{path}/availability", {"free": 0}))["free"] == 0


def test_staff_cannot_report_intake_hours_without_a_window(api: Api) -> None:
    """An empty list of windows would leave the shelter open, with free places, that nobody
    could ever be placed in; closing is how staff say they take nobody in for now."""
    path = "/api/v1/shelters/S001"
    before = api.ok(api.get("shelter", path))
    refused = api.patch("shelter", f"{path}/availability", {"intake": [], "free": 1})
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["path"] == "intake"
    assert "closed" in error["message"]
    assert api.ok(api.get("shelter", path)) == before


def test_every_change_to_a_shelter_and_every_refused_one_is_in_the_trail(api: Api) -> None:
    """The desk places people on what a shelter reports, so the trail says who reported it: a
    change, a conflict, a probe at another shelter; an id that is no shelter's is not kept."""
    body = {"id": "T001", "location": {"municipality": "Utrecht"}, "capacity": 4}
    api.ok(api.post("admin", "/api/v1/shelters", body), 201)
    assert api.post("admin", "/api/v1/shelters", body).status_code == 409
    api.ok(api.patch("admin", "/api/v1/shelters/T001", {"languages": ["nl"]}))
    api.ok(api.patch("shelter", "/api/v1/shelters/S001/availability", {"closed": True}))
    stale = {"closed": False, "version": 1}
    assert api.patch("shelter", "/api/v1/shelters/S001/availability", stale).status_code == 409
    assert (
        api.patch("shelter", "/api/v1/shelters/S002/availability", {"free": 0}).status_code == 404
    )
    assert (
        api.patch("shelter", "/api/v1/shelters/Alice/availability", {"free": 0}).status_code == 404
    )
    assert api.patch("admin", "/api/v1/shelters/Alice", {"capacity": 1}).status_code == 404
    api.ok(api.get("shelter", "/api/v1/shelters/S001"))  # reading a shelter is no change
    assert audit_rows(api, object_type="shelter") == [
        ("create", "shelter", "T001", "ok"),
        ("create", "shelter", "T001", "conflict"),
        ("update", "shelter", "T001", "ok"),
        ("update", "shelter", "S001", "ok"),
        ("update", "shelter", "S001", "conflict"),
        ("update", "shelter", "S002", "denied"),
        ("update", "shelter", NOT_AN_ID, "denied"),
        ("update", "shelter", NOT_AN_ID, "not_found"),
    ]
