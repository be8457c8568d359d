"""Shelters over HTTP: when their places count as reported, and changes based on a version.

The desk sees when an option's free places were last reported once that is a day old, so only a
change of what decides the places (capacity, occupied places, closing, intake hours) renews it; an
edit of what describes the shelter moves ``updated_at`` only. A change sent with the version it
was read at (the admin's or the staff's) is made only if nobody changed the shelter since.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter
from sqlalchemy import inspect, select, update

from api.audit import NOT_AN_ID
from api.db.session import Database
from api.db.tables import ShelterRow
from api.schemas import MAX_MUNICIPALITY, ShelterId
from models.intake import MAX_WINDOWS
from models.sample import sample_shelter_kinds, sample_shelters
from tests.api.databases import schema_at
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
        ("", {"holiday_intake": True}, False),
        ("", {"capacity": 9}, True),
        ("", {"occupied": 1}, True),
        ("", {"closed": True}, True),
        ("", {"intake": "office"}, True),
        ("/availability", {"free": 2}, True),
        ("/availability", {"intake": "24/7"}, True),
        ("/availability", {"holiday_intake": True}, False),
        ("/availability", {"holiday_intake": True, "free": 2}, True),
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


def test_holiday_intake_is_said_by_the_admin_and_by_the_shelters_own_staff_only(api: Api) -> None:
    """Whether a shelter takes intakes on public holidays within its hours: false unless said,
    set by the admin and by its own staff where they keep their intake hours, audited as any
    change to a shelter; staff of another shelter hear 404, as for anything of it."""
    body = {"id": "T001", "location": {"municipality": "Utrecht"}, "capacity": 4}
    assert api.ok(api.post("admin", "/api/v1/shelters", body), 201)["holiday_intake"] is False
    created = api.ok(
        api.post("admin", "/api/v1/shelters", body | {"id": "T002", "holiday_intake": True}), 201
    )
    assert created["holiday_intake"] is True
    changed = api.ok(api.patch("admin", "/api/v1/shelters/T001", {"holiday_intake": True}))
    assert changed["holiday_intake"] is True
    assert api.ok(api.patch("admin", "/api/v1/shelters/T001", {"capacity": 5}))["holiday_intake"]
    wrong = api.patch("admin", "/api/v1/shelters/T001", {"holiday_intake": "sometimes"})
    assert wrong.status_code == 422
    assert [e["path"] for e in wrong.json()["errors"]] == ["holiday_intake"]

    own = "/api/v1/shelters/S001/availability"
    assert api.ok(api.get("shelter", "/api/v1/shelters/S001"))["holiday_intake"] is False
    assert api.ok(api.patch("shelter", own, {"holiday_intake": True}))["holiday_intake"] is True
    assert api.ok(api.patch("shelter", own, {"free": 1}))["holiday_intake"] is True
    other = "/api/v1/shelters/S002/availability"
    assert api.patch("shelter", other, {"holiday_intake": True}).status_code == 404
    admin_only = api.patch("shelter", "/api/v1/shelters/S001", {"holiday_intake": False})
    assert admin_only.status_code == 403
    assert api.patch("desk", own, {"holiday_intake": False}).status_code == 403
    assert api.ok(api.get("admin", "/api/v1/shelters/S001"))["holiday_intake"] is True
    assert api.ok(api.get("admin", "/api/v1/shelters/S002"))["holiday_intake"] is False
    assert audit_rows(api, object_type="shelter")[2:] == [
        ("update", "shelter", "T001", "ok"),
        ("update", "shelter", "T001", "ok"),
        ("update", "shelter", "S001", "ok"),
        ("update", "shelter", "S001", "ok"),
        ("update", "shelter", "S002", "denied"),
    ]


def test_the_holiday_intake_migration_says_no_for_every_shelter_stored_before(
    database: Database,
) -> None:
    """Nobody said a shelter stored before takes intakes on holidays: the desk phones first."""
    with database.session() as session:
        session.execute(update(ShelterRow).values(holiday_intake=True))
    schema_at(database, "0012")
    columns = {column["name"] for column in inspect(database.engine).get_columns("shelters")}
    assert "holiday_intake" not in columns
    assert "kind" in columns
    database.migrate()
    with database.session() as session:
        said = session.scalars(select(ShelterRow.holiday_intake)).all()
    assert said
    assert set(said) == {False}


def test_the_sample_network_is_seeded_with_its_kinds(api: Api) -> None:
    shelters = api.ok(api.get("admin", "/api/v1/shelters", limit=500))
    kinds = {shelter["id"]: shelter["kind"] for shelter in shelters}
    assert kinds == sample_shelter_kinds()


def test_the_sample_networks_ids_keep_the_rule_for_new_ids() -> None:
    """The seed stores its shelters without the API: its ids must be ones the API would take,
    or a seeded shelter could sit out of reach of its own address."""
    rule = TypeAdapter(ShelterId)
    assert [rule.validate_python(s.id) for s in sample_shelters()] == [
        s.id for s in sample_shelters()
    ]


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


def test_intake_hours_list_a_bounded_number_of_windows(api: Api) -> None:
    """Every ranking and page walks the windows: 18,000 of them made a ranking 80 times slower."""
    path = "/api/v1/shelters/S001"
    before = api.ok(api.get("shelter", path))
    window = {"days": "mon", "from": "09:00", "to": "10:00"}
    refused = api.patch("shelter", f"{path}/availability", {"intake": [window] * (MAX_WINDOWS + 1)})
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["path"] == "intake"
    assert f"at most {MAX_WINDOWS} items" in error["message"]
    assert api.ok(api.get("shelter", path)) == before
    api.ok(api.patch("shelter", f"{path}/availability", {"intake": [window] * MAX_WINDOWS}))


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


def test_an_id_differing_from_a_shelters_only_in_case_is_taken(api: Api) -> None:
    """On the phone and on paper "S001" and "s001" are one shelter: the network holds one."""
    body = {"id": "s001", "location": {"municipality": "Utrecht"}, "capacity": 4}
    response = api.post("admin", "/api/v1/shelters", body)
    assert response.status_code == 409
    assert response.json()["code"] == "shelter_exists"
    assert response.json()["detail"].startswith("a shelter 'S001' exists already")
    assert api.get("admin", "/api/v1/shelters/s001").status_code == 404
    api.ok(api.post("admin", "/api/v1/shelters", body | {"id": "s001a"}), 201)


def test_residents_are_read_on_their_own_admin_route_and_every_read_is_on_record(
    api: Api,
) -> None:
    """A shelter's residents are people: its staff, who keep places and hours, never receive
    them; the admin reads them on their own route, and the trail says who did and when."""
    people = ["Cffffffffffffffff", "C0123456789abcdef"]
    body = {"id": "T001", "location": {"municipality": "Utrecht"}, "capacity": 4}
    created = api.ok(api.post("admin", "/api/v1/shelters", body | {"residents": people}), 201)
    changed = api.ok(api.patch("admin", "/api/v1/shelters/T001", {"residents": people[:1]}))
    shown = [
        created,
        changed,
        api.ok(api.get("admin", "/api/v1/shelters/T001")),
        api.ok(api.get("shelter", "/api/v1/shelters/S001")),
        api.ok(api.patch("shelter", "/api/v1/shelters/S001/availability", {"free": 1})),
        *api.ok(api.get("admin", "/api/v1/shelters")),
    ]
    assert all("residents" not in shelter for shelter in shown)
    assert not any(person in str(shown) for person in people)

    read = api.ok(api.get("admin", "/api/v1/shelters/T001/residents"))
    assert read == {"shelter_id": "T001", "residents": people[:1]}
    assert api.get("admin", "/api/v1/shelters/Alice/residents").status_code == 404
    assert api.get("shelter", "/api/v1/shelters/S001/residents").status_code == 403
    assert api.get("desk", "/api/v1/shelters/T001/residents").status_code == 403
    assert audit_rows(api, object_type="residents") == [
        ("read", "residents", "T001", "ok"),
        ("read", "residents", NOT_AN_ID, "not_found"),
        ("denied", "residents", None, "denied"),
        ("denied", "residents", None, "denied"),
    ]


def test_of_admins_adding_one_id_at_once_one_adds_it_and_the_others_hear_it_exists(
    api: Api,
) -> None:
    """Two admins (or a script run twice) adding a shelter under the same new id at the same
    moment: on PostgreSQL both may find the id free before either has stored it, and the
    database's own key then refuses the later one. That is the same 409 ``shelter_exists``,
    named in the trail, as for an id taken long before, never a 500."""
    admins = 8
    for attempt in range(3):
        body = {"id": f"T{attempt:03d}", "location": {"municipality": "Utrecht"}, "capacity": 4}
        start = threading.Barrier(admins)

        def add(_: int, body: dict[str, Any] = body, start: threading.Barrier = start) -> Any:
            start.wait()
            return api.post("admin", "/api/v1/shelters", body)

        with ThreadPoolExecutor(max_workers=admins) as pool:
            answers = list(pool.map(add, range(admins)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201] + [409] * (admins - 1), [answer.text for answer in answers]
        assert {a.json().get("code") for a in answers if a.status_code == 409} == {"shelter_exists"}
        rows = [row for row in audit_rows(api, object_type="shelter") if row[0] == "create"]
        assert sorted(row[3] for row in rows[-admins:]) == ["conflict"] * (admins - 1) + ["ok"]
        assert {row[2] for row in rows[-admins:]} == {body["id"]}
    assert api.ok(api.get("admin", "/api/v1/shelters/T002"))["capacity"] == 4


def test_a_municipality_is_kept_as_given_if_its_column_can_hold_it_on_both_databases(
    api: Api,
) -> None:
    """The gazetteer forgives case, punctuation and "gemeente", so a name it resolves may be
    far longer than any municipality's, and a shelter keeps the name as given. Up to the
    column's width it is stored and read back as sent; beyond it, it is refused at its field
    (PostgreSQL would refuse to store it: a 500), and nothing is stored or changed; so is one
    that holds a control character, which the gazetteer reads as a blank (PostgreSQL stores no
    NUL)."""
    fits = "Utrecht" + "!" * (MAX_MUNICIPALITY - len("Utrecht"))
    body = {"id": "T001", "location": {"municipality": fits}, "capacity": 4}
    assert api.ok(api.post("admin", "/api/v1/shelters", body), 201)["location"]["municipality"] == (
        fits
    )
    assert api.ok(api.get("admin", "/api/v1/shelters/T001"))["location"]["municipality"] == fits
    before = api.ok(api.get("admin", "/api/v1/shelters/S001"))
    for name in (fits + "!", "Gemeente " * 20 + "Utrecht", "Utrecht\x00", "Utrecht\x07"):
        added = api.post(
            "admin", "/api/v1/shelters", body | {"id": "T002", "location": {"municipality": name}}
        )
        changed = api.patch("admin", "/api/v1/shelters/S001", {"location": {"municipality": name}})
        for refused in (added, changed):
            assert refused.status_code == 422, refused.text
            assert [error["path"] for error in refused.json()["errors"]] == [
                "location.municipality"
            ]
    assert api.get("admin", "/api/v1/shelters/T002").status_code == 404
    assert api.ok(api.get("admin", "/api/v1/shelters/S001")) == before


def test_an_admins_edit_read_before_someone_elses_change_is_refused_whole(api: Api) -> None:
    """The admin opens the shelter; its staff close it; the admin then saves intake hours with
    the version read: saving would keep the admin's old view of the rest, so nothing is saved,
    the conflict is named and is in the trail. With the version now, or without one (a client
    that does not read first), the change is made."""
    path = "/api/v1/shelters/S001"
    read = api.ok(api.get("admin", path))
    closed = api.ok(api.patch("shelter", f"{path}/availability", {"closed": True}))

    api.clock.advance(5)
    late = api.patch("admin", path, {"intake": "office", "version": read["version"]})
    assert late.status_code == 409
    assert late.json()["code"] == "version_conflict"
    assert api.ok(api.get("admin", path)) == closed
    assert audit_rows(api, object_type="shelter")[-1] == ("update", "shelter", "S001", "conflict")

    again = api.ok(api.patch("admin", path, {"intake": "office", "version": closed["version"]}))
    assert (again["intake"], again["closed"], again["version"]) == (
        "office",
        True,
        closed["version"] + 1,
    )
    unread = api.ok(api.patch("admin", path, {"languages": ["nl", "en"]}))
    assert (unread["languages"], unread["version"]) == (["nl", "en"], again["version"] + 1)
    refused = api.patch("admin", path, {"version": 0})
    assert refused.status_code == 422
    assert [error["path"] for error in refused.json()["errors"]] == ["version"]


# What the admin may change on S001 in the race below, and what its staff may: values that keep
# every combination valid (capacity at least the most places staff may report occupied), so that
# the only reason left to refuse a save is the version it was based on.
_WINDOWS = [{"days": "mon-fri", "from": "08:00", "to": "19:00"}]
_INTAKES = st.sampled_from(["24/7", "office", _WINDOWS])
ADMIN_EDITS = st.fixed_dictionaries(
    {},
    optional={
        "capacity": st.integers(4, 20),
        "languages": st.lists(
            st.sampled_from(["nl", "en", "de", "ro", "ar"]), min_size=1, max_size=3, unique=True
        ),
        "kind": st.none() | st.sampled_from(["cosm", "women", "emergency"]),
        "holiday_intake": st.booleans(),
        "intake": _INTAKES,
        "closed": st.booleans(),
        "children": st.booleans(),
        "min_age": st.integers(16, 25),
    },
).filter(bool)
STAFF_EDITS = st.fixed_dictionaries(
    {},
    optional={
        "occupied": st.integers(0, 3),
        "closed": st.booleans(),
        "intake": _INTAKES,
        "holiday_intake": st.booleans(),
    },
).filter(bool)
SAVES = st.tuples(st.just("admin"), ADMIN_EDITS) | st.tuples(st.just("shelter"), STAFF_EDITS)
# The fields of a shelter that are not its own: when it changed, how often, and the ledger's.
DERIVED = ("updated_at", "places_reported_at", "version", "held", "placed", "free")


def stored(body: dict[str, Any]) -> dict[str, Any]:
    """A shelter as read, without what follows from its changes and the ledger."""
    return {key: value for key, value in body.items() if key not in DERIVED}


def save(api: Api, who: str, change: dict[str, Any], version: int) -> httpx2.Response:
    """``change`` based on ``version``: the admin's update, or its staff's availability."""
    path = "/api/v1/shelters/S001" + ("/availability" if who == "shelter" else "")
    return api.patch(who, path, change | {"version": version})


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(first=SAVES, second=SAVES)
def test_of_two_saves_based_on_one_version_exactly_one_is_made_and_nothing_is_lost(
    api: Api, first: tuple[str, dict[str, Any]], second: tuple[str, dict[str, Any]]
) -> None:
    """Two people (the admin, its staff, or two of either) save S001 at the same moment, both
    from the version they read: one save is made whole, the other is refused whole (409
    ``version_conflict``, in the trail) rather than overwriting it unseen, and sent again from
    the shelter as it is now it is made on top. The reference is a plain dictionary update."""
    reset = {"capacity": 10, "occupied": 0, "closed": False, "intake": "24/7", "kind": None}
    reset |= {"holiday_intake": False}
    base = api.ok(api.patch("admin", "/api/v1/shelters/S001", reset))
    saves = [first, second]
    start = threading.Barrier(len(saves))

    def send(who_change: tuple[str, dict[str, Any]]) -> httpx2.Response:
        start.wait()
        return save(api, *who_change, base["version"])

    with ThreadPoolExecutor(max_workers=len(saves)) as people:
        answers = list(people.map(send, saves))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409], [answer.text for answer in answers]
    won = next(i for i, answer in enumerate(answers) if answer.status_code == 200)
    (lost,) = {0, 1} - {won}
    assert answers[lost].json()["code"] == "version_conflict"
    now = api.ok(api.get("admin", "/api/v1/shelters/S001"))
    assert stored(now) == stored(base) | saves[won][1]
    assert now["version"] == base["version"] + 1
    results = [row[3] for row in audit_rows(api, object_type="shelter")[-2:]]
    assert sorted(results) == ["conflict", "ok"]

    resent = api.ok(save(api, *saves[lost], now["version"]))
    assert stored(resent) == stored(base) | saves[won][1] | saves[lost][1]
    assert resent["version"] == base["version"] + 2
