"""Holds and placements as the API reads and shows them (:mod:`api.bookings`): how long a hold
lasts, which rows a list reads, and the status a hold is shown in once its time is up, before
anything has settled it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import bookings, ledger
from api.db.tables import HoldRow, PlacementRow
from tests.api.helpers import Api, create_referral, hold, running_api


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def add_shelter(api: Api, shelter_id: str) -> None:
    """A shelter in Utrecht with room for everyone the tests hold, taking intakes at any hour."""
    body = {
        "id": shelter_id,
        "location": {"municipality": "Utrecht"},
        "capacity": 10,
        "children": True,
        "languages": ["nl", "en"],
    }
    api.ok(api.post("admin", "/api/v1/shelters", body), 201)


def held_until(api: Api, until: datetime) -> Any:
    """A new referral's hold at T001 until ``until``, as the service answers it."""
    body = {"referral_id": create_referral(api), "shelter_id": "T001", "until": until.isoformat()}
    return api.post("desk", "/api/v1/holds", body)


def test_a_hold_lasts_from_after_now_to_exactly_the_longest_a_hold_may(api: Api) -> None:
    add_shelter(api, "T001")
    now = api.clock.now
    refused = held_until(api, now)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"path": "until", "message": "lies in the past: a hold lasts from now"}
    ]
    soonest = api.ok(held_until(api, now + timedelta(microseconds=1)), 201)
    assert datetime.fromisoformat(soonest["expires_at"]) == now + timedelta(minutes=1)
    furthest = api.ok(held_until(api, now + timedelta(hours=72)), 201)
    assert datetime.fromisoformat(furthest["expires_at"]) == now + timedelta(hours=72)
    beyond = held_until(api, now + timedelta(hours=72, microseconds=1))
    assert beyond.status_code == 422, beyond.text
    assert beyond.json()["errors"] == [
        {"path": "until", "message": "lies more than 72 hours ahead"}
    ]


def newest_first(rows: Sequence[Any], started: Callable[[Any], datetime]) -> list[Any]:
    """``rows`` newest first, those of the same moment by id."""
    return sorted(sorted(rows, key=lambda row: row.id), key=started, reverse=True)


def ids(rows: Sequence[HoldRow] | Sequence[PlacementRow]) -> list[str]:
    """The rows' ids, in order."""
    return [row.id for row in rows]


def pages(search: Callable[..., Sequence[Any]], size: int) -> list[str]:
    """The ids of the pages of ``size`` that ``search`` (``limit``, ``offset``) turns, in turn,
    up to the first empty one (or the 50th)."""
    found: list[str] = []
    for offset in range(0, 50 * size, size):
        page = ids(search(limit=size, offset=offset))
        assert len(page) <= size
        if not page:
            break
        found += page
    return found


def test_lists_read_the_rows_each_filter_names_newest_first(api: Api) -> None:
    """Every filter of ``GET /holds`` and ``GET /placements`` against the rows themselves,
    filtered here, at moments around the ends of the holds: a hold whose time is up is listed
    (and shown) as expired from that very moment, before anything settled it, as settling it
    then stores it."""
    add_shelter(api, "T001")
    add_shelter(api, "T002")

    def held(referral_id: str, shelter_id: str) -> str:
        hold_id: str = api.ok(hold(api, referral_id, shelter_id), 201)["id"]
        return hold_id

    def after(minutes: int, path: str) -> Any:
        api.clock.advance(minutes)
        return api.ok(api.post("desk", path))

    start = api.clock.now
    cases = [create_referral(api) for _ in range(6)]
    soon = start + timedelta(minutes=5)
    body = {"referral_id": cases[0], "shelter_id": "T001", "until": soon.isoformat()}
    # Ends at start + 5: the next request, ten minutes on, settles it (stored expired).
    api.ok(api.post("desk", "/api/v1/holds", body), 201)
    held(cases[1], "T001")  # at the same moment: ends at start + 90
    api.clock.advance(10)
    held(cases[2], "T002")  # ends at start + 100
    after(10, f"/api/v1/holds/{held(cases[3], 'T001')}/release")
    held(cases[3], "T002")  # a second hold of one referral, after the first was released
    placed = after(10, f"/api/v1/holds/{held(cases[4], 'T002')}/confirm")
    discharged = after(10, f"/api/v1/holds/{held(cases[5], 'T001')}/confirm")
    after(10, f"/api/v1/placements/{discharged['id']}/discharge")
    assert {placed["shelter_id"], discharged["shelter_id"]} == {"T001", "T002"}

    ends = [start + timedelta(minutes=minutes) for minutes in (90, 100)]
    for now in (start + timedelta(minutes=60), *ends, ends[0] - timedelta(microseconds=1)):
        with Session(api.database.engine) as session:  # rolled back when it closes
            holds = newest_first(session.scalars(select(HoldRow)).all(), lambda r: r.created_at)
            shown = {row.id: bookings.hold_public(row, now) for row in holds}
            statuses = {view.status for view in shown.values()}
            assert statuses == {"active", "expired", "released", "confirmed"}, now
            for status in (None, "active", "expired", "released", "confirmed"):
                for referral in (None, cases[0], cases[3]):
                    for shelter in (None, "T001", "T002"):
                        expected = [
                            row.id
                            for row in holds
                            if status in (None, shown[row.id].status)
                            and referral in (None, row.referral_id)
                            and shelter in (None, row.shelter_id)
                        ]
                        search = partial(
                            bookings.search_holds,
                            session,
                            status=status,
                            referral_id=referral,
                            shelter_id=shelter,
                            now=now,
                        )
                        assert ids(search(limit=100, offset=0)) == expected
                        assert pages(search, 2) == expected
            ledger.expire_holds(session, now)
            session.flush()
            for row in holds:
                session.refresh(row)
                assert (row.status, row.ended_at) == (shown[row.id].status, shown[row.id].ended_at)

    with Session(api.database.engine) as session:
        placements = newest_first(
            session.scalars(select(PlacementRow)).all(), lambda r: r.started_at
        )
        assert [row.status for row in placements] == ["discharged", "active"]
        for placement_status in (None, "active", "discharged"):
            for referral in (None, cases[4], cases[5]):
                for shelter in (None, "T001", "T002"):
                    expected = [
                        row.id
                        for row in placements
                        if placement_status in (None, row.status)
                        and referral in (None, row.referral_id)
                        and shelter in (None, row.shelter_id)
                    ]
                    found = partial(
                        bookings.search_placements,
                        session,
                        status=placement_status,
                        referral_id=referral,
                        shelter_id=shelter,
                    )
                    assert ids(found(limit=100, offset=0)) == expected
                    assert pages(found, 1) == expected
