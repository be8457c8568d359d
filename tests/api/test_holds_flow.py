"""The desk's path: referral -> ranking -> hold -> confirm -> discharge, and every refusal on it.

Each refusal is a 409 problem document whose ``code`` says why, so a desk client can act on it;
expired holds give their places back by themselves, seen here by moving the service's clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from api import referral_store
from api.db.tables import UserRow
from tests.api.helpers import OWN_SHELTER, Api, audit_rows, create_referral, hold, running_api

PROBLEM = "application/problem+json"


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def add_shelter(api: Api, shelter_id: str, capacity: int, **fields: Any) -> None:
    """A shelter in Utrecht taking everyone in, at any hour, unless ``fields`` say otherwise."""
    body = {
        "id": shelter_id,
        "location": {"municipality": "Utrecht"},
        "capacity": capacity,
        "children": True,
        "languages": ["nl", "en"],
        **fields,
    }
    api.ok(api.post("admin", "/api/v1/shelters", body), 201)


def conflict(api: Api, response: Any, code: str) -> dict[str, Any]:
    """The 409 problem document of ``response``, which must carry ``code``."""
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    assert problem["status"] == 409
    assert problem["type"].endswith("/" + code)
    assert {"title", "detail", "instance"} <= set(problem)
    return problem


def test_referral_to_discharge(api: Api) -> None:
    add_shelter(api, "T001", 2)
    case = create_referral(api, location={"municipality": "Zeist"}, languages=["en"])

    ranking = api.ok(api.post("desk", f"/api/v1/referrals/{case}/ranking"))
    assert ranking["format"] == "safeplace.ranking/1"
    assert ranking["victim"] == case
    assert "T001" in [option["shelter"] for option in ranking["options"]]
    shelters = {o["shelter"] for o in ranking["options"]} | {
        e["shelter"] for e in ranking["excluded"]
    }
    assert len(shelters) == len(ranking["options"]) + len(ranking["excluded"])

    held = api.ok(hold(api, case, "T001"), 201)
    assert held["status"] == "active"
    assert held["places"] == 1
    assert api.ok(api.get("desk", f"/api/v1/referrals/{case}"))["status"] == "held"
    assert api.ok(api.get("admin", "/api/v1/shelters/T001"))["held"] == 1

    placement = api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    assert placement["status"] == "active"
    assert placement["hold_id"] == held["id"]
    assert api.ok(api.get("desk", f"/api/v1/holds/{held['id']}"))["status"] == "confirmed"
    assert api.ok(api.get("desk", f"/api/v1/referrals/{case}"))["status"] == "placed"
    shelter = api.ok(api.get("admin", "/api/v1/shelters/T001"))
    assert (shelter["placed"], shelter["free"]) == (1, 1)

    api.clock.advance(60 * 24 * 30)
    ended = api.ok(api.post("desk", f"/api/v1/placements/{placement['id']}/discharge"))
    assert ended["status"] == "discharged"
    referral = api.ok(api.get("desk", f"/api/v1/referrals/{case}"))
    assert (referral["status"], referral["close_reason"]) == ("closed", "discharged")
    assert api.ok(api.get("admin", "/api/v1/shelters/T001"))["free"] == 2


def test_a_full_shelter_refuses_with_no_room(api: Api) -> None:
    add_shelter(api, "T001", 1, occupied=1)
    problem = conflict(api, hold(api, create_referral(api), "T001"), "no_room")
    assert problem["reasons"] == ["capacity"]


def test_a_broken_rule_is_named(api: Api) -> None:
    add_shelter(api, "T001", 3, genders=["female"], accepts=[])
    case = create_referral(api, gender="male", conditions=["addiction"])
    problem = conflict(api, hold(api, case, "T001"), "rule_broken")
    assert set(problem["reasons"]) == {"gender", "condition:addiction"}


def test_a_shelter_exactly_as_far_as_a_zone_asks_is_offered_and_held_alike(api: Api) -> None:
    """A desk may type as a zone's ``min_km`` the very distance a ranking showed. The ranking's
    arrays and the hold's rule check compute it in another order, a last bit apart here: the
    shelter the ranking offers must not then be refused for ``security``."""
    add_shelter(api, "T001", 3, location={"lat": 51.95, "lon": 6.11})
    zone = {"lat": 52.83, "lon": 3.31}
    case = create_referral(api, location=zone)
    ranked = api.ok(api.post("desk", f"/api/v1/referrals/{case}/ranking"))
    [shown] = [o["distance_km"] for o in ranked["options"] if o["shelter"] == "T001"]
    zones = [{"location": zone, "min_km": shown}]
    api.ok(api.patch("desk", f"/api/v1/referrals/{case}", {"danger_zones": zones}))
    ranked = api.ok(api.post("desk", f"/api/v1/referrals/{case}/ranking"))
    assert "T001" in [o["shelter"] for o in ranked["options"]]
    api.ok(hold(api, case, "T001"), 201)


def test_one_referral_holds_one_place(api: Api) -> None:
    add_shelter(api, "T001", 3)
    add_shelter(api, "T002", 3)
    case = create_referral(api)
    api.ok(hold(api, case, "T001"), 201)
    conflict(api, hold(api, case, "T002"), "already_held")


def test_a_placed_referral_cannot_be_held(api: Api) -> None:
    add_shelter(api, "T001", 3)
    case = create_referral(api)
    held = api.ok(hold(api, case, "T001"), 201)
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    conflict(api, hold(api, case, "T001"), "already_placed")
    conflict(api, api.post("desk", f"/api/v1/referrals/{case}/ranking"), "already_placed")
    conflict(
        api,
        api.post("desk", f"/api/v1/referrals/{case}/close", {"reason": "other"}),
        "already_placed",
    )


def test_a_closed_referral_cannot_be_held_or_changed(api: Api) -> None:
    add_shelter(api, "T001", 3)
    case = create_referral(api)
    held = api.ok(hold(api, case, "T001"), 201)
    version = api.ok(api.get("desk", f"/api/v1/referrals/{case}"))["version"]
    closed = api.ok(api.post("desk", f"/api/v1/referrals/{case}/close", {"reason": "withdrawn"}))
    assert (closed["status"], closed["close_reason"]) == ("closed", "withdrawn")
    # Two changes a desk's save read before them must not undo: the release, then the close.
    assert closed["version"] == version + 2
    assert api.ok(api.get("desk", f"/api/v1/holds/{held['id']}"))["status"] == "released"
    conflict(api, hold(api, case, "T001"), "referral_closed")
    conflict(api, api.patch("desk", f"/api/v1/referrals/{case}", {"age": 31}), "referral_closed")
    conflict(
        api,
        api.post("desk", f"/api/v1/referrals/{case}/close", {"reason": "other"}),
        "referral_closed",
    )


def test_an_expired_hold_frees_its_place_by_itself(api: Api) -> None:
    add_shelter(api, "T001", 1)
    first, second = create_referral(api), create_referral(api)
    held = api.ok(hold(api, first, "T001"), 201)
    conflict(api, hold(api, second, "T001"), "no_room")

    api.clock.advance(90)
    assert api.ok(api.get("desk", f"/api/v1/holds/{held['id']}"))["status"] == "expired"
    assert api.ok(api.get("desk", f"/api/v1/referrals/{first}"))["status"] == "waiting"
    conflict(api, api.post("desk", f"/api/v1/holds/{held['id']}/confirm"), "hold_expired")
    api.ok(hold(api, second, "T001"), 201)


def test_a_released_hold_gives_its_place_back(api: Api) -> None:
    add_shelter(api, "T001", 1)
    first, second = create_referral(api), create_referral(api)
    held = api.ok(hold(api, first, "T001"), 201)
    released = api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/release"))
    assert released["status"] == "released"
    conflict(api, api.post("desk", f"/api/v1/holds/{held['id']}/release"), "hold_not_active")
    api.ok(hold(api, second, "T001"), 201)


def test_a_discharge_happens_once(api: Api) -> None:
    add_shelter(api, "T001", 1)
    held = api.ok(hold(api, create_referral(api), "T001"), 201)
    placement = api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    api.ok(api.post("desk", f"/api/v1/placements/{placement['id']}/discharge"))
    conflict(
        api,
        api.post("desk", f"/api/v1/placements/{placement['id']}/discharge"),
        "placement_not_active",
    )


def test_unknown_objects_are_404_problems(api: Api) -> None:
    case = create_referral(api)
    for response in (
        hold(api, "Cnope", "S001"),
        hold(api, case, "Snope"),
        api.post("desk", "/api/v1/holds/Hnope/confirm"),
        api.post("desk", "/api/v1/holds/Hnope/extend"),
        api.post("desk", "/api/v1/placements/Pnope/discharge"),
        api.post("desk", "/api/v1/referrals/Cnope/ranking"),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == PROBLEM


def test_ranking_at_a_later_time_counts_holds_that_end_before(api: Api) -> None:
    add_shelter(api, "T001", 1)
    first, second = create_referral(api), create_referral(api)
    api.ok(hold(api, first, "T001"), 201)
    now = api.ok(api.post("desk", f"/api/v1/referrals/{second}/ranking"))
    assert "T001" not in [option["shelter"] for option in now["options"]]
    later = (api.clock.now.replace(hour=13)).isoformat()
    ranking = api.ok(api.post("desk", f"/api/v1/referrals/{second}/ranking", {"at": later}))
    assert "T001" in [option["shelter"] for option in ranking["options"]]


def test_a_hold_may_last_until_a_later_intake(api: Api) -> None:
    add_shelter(api, "T001", 4)
    first, second = create_referral(api), create_referral(api)
    morning = api.clock.now + timedelta(hours=9, seconds=30)
    body = {"referral_id": first, "shelter_id": "T001", "until": morning.isoformat()}
    held = api.ok(api.post("desk", "/api/v1/holds", body), 201)
    # Rounded up to the minute.
    expires = datetime.fromisoformat(held["expires_at"])
    assert expires - api.clock.now == timedelta(hours=9, minutes=1)
    for until, message in (
        (api.clock.now - timedelta(minutes=1), "lies in the past: a hold lasts from now"),
        (api.clock.now + timedelta(hours=72, minutes=1), "lies more than 72 hours ahead"),
    ):
        body = {"referral_id": second, "shelter_id": "T001", "until": until.isoformat()}
        refused = api.post("desk", "/api/v1/holds", body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"] == [{"path": "until", "message": message}]
    default = api.ok(hold(api, second, "T001"), 201)
    assert datetime.fromisoformat(default["expires_at"]) - api.clock.now == timedelta(minutes=90)


def test_a_late_intake_keeps_its_places_by_extending_the_hold(api: Api) -> None:
    add_shelter(api, "T001", 1)
    first, second = create_referral(api), create_referral(api)
    held = api.ok(hold(api, first, "T001"), 201)
    path = f"/api/v1/holds/{held['id']}/extend"
    api.clock.advance(80)
    extended = api.ok(api.post("desk", path))  # the configured 90 minutes, from now
    assert datetime.fromisoformat(extended["expires_at"]) == api.clock.now + timedelta(minutes=90)
    assert (extended["status"], extended["created_at"]) == ("active", held["created_at"])
    api.clock.advance(30)  # past the first end: the place is still kept
    conflict(api, hold(api, second, "T001"), "no_room")
    morning = api.clock.now + timedelta(hours=9)
    until = api.ok(api.post("desk", path, {"until": morning.isoformat()}))
    assert datetime.fromisoformat(until["expires_at"]) == morning
    # Never shorter: the default 90 minutes from now end before the morning.
    refused = conflict(api, api.post("desk", path), "hold_not_extended")
    assert refused["detail"].startswith("the hold lasts until ")
    too_far = api.post("desk", path, {"until": (morning + timedelta(hours=72)).isoformat()})
    assert too_far.status_code == 422, too_far.text
    assert too_far.json()["errors"] == [
        {"path": "until", "message": "lies more than 72 hours ahead"}
    ]
    stored = api.ok(api.get("desk", f"/api/v1/holds/{held['id']}"))
    assert stored["expires_at"] == until["expires_at"]
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    conflict(api, api.post("desk", path), "hold_not_active")


def test_an_expired_hold_cannot_be_extended(api: Api) -> None:
    add_shelter(api, "T001", 1)
    held = api.ok(hold(api, create_referral(api), "T001"), 201)
    api.clock.advance(90)
    conflict(api, api.post("desk", f"/api/v1/holds/{held['id']}/extend"), "hold_expired")
    assert api.ok(api.get("desk", f"/api/v1/holds/{held['id']}"))["status"] == "expired"


def test_a_closed_shelter_says_it_is_closed_not_merely_full(api: Api) -> None:
    add_shelter(api, "T001", 4)
    first, second = create_referral(api), create_referral(api)
    held = api.ok(hold(api, first, "T001"), 201)
    api.ok(api.patch("admin", "/api/v1/shelters/T001/availability", {"closed": True}))
    for response in (
        api.post("desk", f"/api/v1/holds/{held['id']}/confirm"),
        hold(api, second, "T001"),
    ):
        refused = conflict(api, response, "no_room")
        assert refused["detail"] == "the shelter is closed for now"
        assert refused["reasons"] == ["capacity"]
    api.ok(api.patch("admin", "/api/v1/shelters/T001/availability", {"closed": False}))
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))


def test_what_a_placement_rests_on_cannot_change_while_it_lasts(api: Api) -> None:
    add_shelter(api, "T001", 4)
    case = create_referral(api)
    held = api.ok(hold(api, case, "T001"), 201)
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    path = f"/api/v1/referrals/{case}"
    refused = conflict(api, api.patch("desk", path, {"children": 2, "age": 40}), "already_placed")
    assert refused["detail"] == (
        "the referral is placed, and its placement rests on age, children: these cannot change "
        "while it lasts (a discharge closes the referral; a new place needs a new referral)"
    )
    stored = api.ok(api.get("desk", path))
    assert (stored["children"], stored["age"], stored["status"]) == (0, 30, "placed")
    assert api.ok(api.get("admin", "/api/v1/shelters/T001"))["placed"] == 1  # still one place
    # Each field the shelter was checked against, alone.
    rests_on = {
        "gender": "male",
        "age": 40,
        "children": 1,
        "conditions": ["addiction"],
        "programmes": ["cosm"],
        "danger_zones": [{"location": {"municipality": "Utrecht"}, "min_km": 10}],
    }
    for field, value in rests_on.items():
        refused = conflict(api, api.patch("desk", path, {field: value}), "already_placed")
        assert f"its placement rests on {field}: " in refused["detail"], field
    # What the shelter was not checked against may change: priority, languages, avoid.
    changed = api.ok(api.patch("desk", path, {"priority": 3, "languages": ["pl"], "age": 30}))
    assert (changed["priority"], changed["languages"]) == (3, ["pl"])


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(minutes=-2), "lies in the past: rank now, or for a moment still to come"),
        (timedelta(days=7, minutes=1), "lies more than 7 days ahead"),
        (None, "must lie in the years 1970-2999"),  # the last hour of year 9999
    ],
)
def test_ranking_at_a_moment_no_intake_can_happen_is_refused_at_at(
    api: Api, offset: timedelta | None, message: str
) -> None:
    case = create_referral(api)
    at = datetime(9999, 12, 31, 23, tzinfo=UTC) if offset is None else api.clock.now + offset
    path = f"/api/v1/referrals/{case}/ranking"
    response = api.post("desk", path, {"at": at.isoformat()})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"path": "at", "message": message}]
    # The edges themselves are moments to rank for.
    for edge in (api.clock.now - timedelta(minutes=1), api.clock.now + timedelta(days=7)):
        api.ok(api.post("desk", path, {"at": edge.isoformat()}))
    with api.database.session() as session:  # no longer active: told nothing about ``at``
        session.execute(update(UserRow).where(UserRow.name == "desk").values(active=False))
    assert api.post("desk", path, {"at": at.isoformat()}).status_code == 401


def test_staff_confirm_and_discharge_at_their_own_shelter(api: Api) -> None:
    api.ok(api.patch("admin", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 1}))
    zones = [{"location": {"municipality": "Zwolle"}, "min_km": 25}]
    case = create_referral(api, programmes=["cosm"], danger_zones=zones)
    held = api.ok(hold(api, case, OWN_SHELTER), 201)

    listed = api.ok(api.get("shelter", "/api/v1/holds"))
    assert [item["id"] for item in listed] == [held["id"]]
    assert api.ok(api.get("other-shelter", "/api/v1/holds")) == []
    intake = api.ok(api.get("shelter", f"/api/v1/referrals/{case}"))
    assert set(intake) == {"id", "status", "gender", "age", "children", "conditions", "languages"}
    assert api.get("other-shelter", f"/api/v1/referrals/{case}").status_code == 404
    assert api.post("other-shelter", f"/api/v1/holds/{held['id']}/confirm").status_code == 404

    placement = api.ok(api.post("shelter", f"/api/v1/holds/{held['id']}/confirm"))
    assert api.get("other-shelter", f"/api/v1/placements/{placement['id']}").status_code == 404
    api.ok(api.post("shelter", f"/api/v1/placements/{placement['id']}/discharge"))


def test_staff_see_the_person_only_while_the_hold_or_placement_lasts(api: Api) -> None:
    api.ok(api.patch("admin", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 1}))
    case = create_referral(api, programmes=["cosm"])
    held = api.ok(hold(api, case, OWN_SHELTER), 201)
    end = datetime.fromisoformat(held["expires_at"])
    with api.database.session() as session:
        assert referral_store.at_shelter(session, case, OWN_SHELTER, now=end - timedelta(seconds=1))
        assert not referral_store.at_shelter(session, case, OWN_SHELTER, now=end)
    placement = api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    api.ok(api.get("shelter", f"/api/v1/referrals/{case}"))
    api.ok(api.post("desk", f"/api/v1/placements/{placement['id']}/discharge"))
    assert api.get("shelter", f"/api/v1/referrals/{case}").status_code == 404


def test_staff_refused_a_confirm_hear_no_more_of_the_person_than_intake_needs(api: Api) -> None:
    """A confirm the rules refuse tells shelter staff that the person no longer fits, and of
    the rules only those of what intake shows (gender, age, children, conditions): never that a
    danger zone lies near the shelter, that the person must not live with one of its residents,
    or what programme they may use, which the intake view keeps from staff. The desk, who
    sees the whole referral, hears every rule."""
    api.ok(api.patch("admin", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 2}))
    case = create_referral(api, programmes=["cosm"])
    held = api.ok(hold(api, case, OWN_SHELTER), 201)
    resident = api.ok(api.get("admin", f"/api/v1/shelters/{OWN_SHELTER}/residents"))["residents"][0]
    zones = [{"location": {"municipality": "Rotterdam"}, "min_km": 10}]
    change = {"avoid": [resident], "danger_zones": zones, "programmes": [], "age": 17}
    api.ok(api.patch("desk", f"/api/v1/referrals/{case}", change))

    staff = conflict(api, api.post("shelter", f"/api/v1/holds/{held['id']}/confirm"), "rule_broken")
    assert staff["reasons"] == ["age"]
    for hidden in ("avoid", "security", "programme"):
        assert hidden not in staff["detail"]
    desk = conflict(api, api.post("desk", f"/api/v1/holds/{held['id']}/confirm"), "rule_broken")
    assert {"age", "avoid", "security", "programme"} <= set(desk["reasons"])


def test_lists_name_every_hold_and_placement_they_show(api: Api) -> None:
    api.ok(api.patch("admin", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 2}))
    cosm = {"programmes": ["cosm"], "danger_zones": []}
    first, second = create_referral(api, **cosm), create_referral(api, **cosm)
    api.ok(hold(api, first, OWN_SHELTER), 201)
    placed = api.ok(hold(api, second, OWN_SHELTER), 201)
    api.ok(api.post("desk", f"/api/v1/holds/{placed['id']}/confirm"))

    holds = api.ok(api.get("desk", "/api/v1/holds"))
    staff_holds = api.ok(api.get("shelter", "/api/v1/holds", status="active"))
    placements = api.ok(api.get("shelter", "/api/v1/placements"))
    assert api.ok(api.get("shelter", "/api/v1/holds", shelter_id="T999")) == []

    assert len(holds) == 2
    assert len(staff_holds) == len(placements) == 1
    assert audit_rows(api, action="search", object_type="hold") == [
        *(("search", "hold", h["id"], "ok") for h in holds),
        ("search", "hold", staff_holds[0]["id"], "ok"),
        ("search", "hold", None, "ok"),  # a list that showed nothing is on record all the same
    ]
    assert audit_rows(api, action="search", object_type="placement") == [
        ("search", "placement", placements[0]["id"], "ok")
    ]


def test_every_object_a_step_changes_is_on_record_under_its_own_id(api: Api) -> None:
    """A hold changes its referral, a confirm makes a placement and places the referral, a
    discharge closes the referral, a close releases the hold: the trail names each of them, so
    "who touched this referral?" is answered by its own id."""
    api.ok(api.patch("admin", f"/api/v1/shelters/{OWN_SHELTER}/availability", {"free": 2}))
    cosm = {"programmes": ["cosm"], "danger_zones": []}
    placed_case, closed_case = create_referral(api, **cosm), create_referral(api, **cosm)
    first = api.ok(hold(api, placed_case, OWN_SHELTER), 201)
    placement = api.ok(api.post("desk", f"/api/v1/holds/{first['id']}/confirm"))
    api.ok(api.post("shelter", f"/api/v1/placements/{placement['id']}/discharge"))
    second = api.ok(hold(api, closed_case, OWN_SHELTER), 201)
    api.ok(api.post("desk", f"/api/v1/referrals/{closed_case}/close", {"reason": "withdrawn"}))

    assert audit_rows(api, object_id=placed_case) == [
        ("create", "referral", placed_case, "ok"),
        ("update", "referral", placed_case, "ok"),  # held
        ("update", "referral", placed_case, "ok"),  # placed
        ("update", "referral", placed_case, "ok"),  # discharged, so closed
    ]
    assert audit_rows(api, object_id=placement["id"]) == [
        ("create", "placement", placement["id"], "ok"),
        ("update", "placement", placement["id"], "ok"),
    ]
    assert audit_rows(api, object_id=second["id"]) == [
        ("create", "hold", second["id"], "ok"),
        ("update", "hold", second["id"], "ok"),  # released by the close
    ]
    released = api.ok(api.get("desk", f"/api/v1/holds/{second['id']}"))
    assert released["status"] == "released"
