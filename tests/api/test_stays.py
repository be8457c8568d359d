"""Where people stay while waiting: the desk records it, nights somewhere unsuitable are counted
(a midnight in Dutch time each), the intake or closing ends it, and planners see it per police unit
without a person."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from api import stays
from api.db.session import Database
from api.db.tables import ReferralRow, StayRow
from models.gazetteer import POLICE_UNITS
from tests.api.databases import schema_at
from tests.api.helpers import Api, audit_rows, create_referral, hold, running_api, set_free
from tests.api.rows import add_referral, victim

DUTCH = ZoneInfo("Europe/Amsterdam")
SHELTER = "S023"  # a sample shelter that takes in a woman of 30 from Utrecht


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def stay_of(api: Api, case_id: str, **body: Any) -> Any:
    """The referral after the desk recorded a stay."""
    return api.ok(api.call("desk", "PUT", f"/api/v1/referrals/{case_id}/stay", json=body))


def read(api: Api, case_id: str) -> Any:
    return api.ok(api.get("desk", f"/api/v1/referrals/{case_id}"))


def midnights(start: datetime, end: datetime) -> int:
    """The reference: walk the Dutch calendar and count each midnight in (start, end]."""
    day: date = start.astimezone(DUTCH).date()
    count = 0
    while True:
        day += timedelta(days=1)
        midnight = datetime.combine(day, time(0), tzinfo=DUTCH)
        if midnight > end:
            return count
        count += midnight > start


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@given(moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)))
def test_nights_are_the_dutch_midnights_between_two_moments(
    start: datetime, length: timedelta
) -> None:
    assert stays.nights(start, start + length) == midnights(start, start + length)
    assert stays.nights(start + length, start) == 0


def test_a_stay_runs_from_registration_to_intake(api: Api) -> None:
    """Monday 10:00 into a hotel; a night there; two nights with acquaintances (not counted);
    a hotel again from Wednesday 23:00; the intake on Thursday ends it."""
    case_id = create_referral(api, stay="hotel")
    body = read(api, case_id)
    assert body["stay"] == {"kind": "hotel", "since": body["stay"]["since"], "unsuitable": True}
    assert datetime.fromisoformat(body["stay"]["since"]) == api.clock.now
    assert body["unsuitable_nights"] == 0

    api.clock.advance(24 * 60)  # Tuesday 10:00
    assert read(api, case_id)["unsuitable_nights"] == 1
    body = stay_of(api, case_id, kind="acquaintances")
    assert body["stay"]["kind"] == "acquaintances"
    assert body["stay"]["unsuitable"] is False
    api.clock.advance(37 * 60)  # Wednesday 23:00
    assert read(api, case_id)["unsuitable_nights"] == 1
    stay_of(api, case_id, kind="hotel")
    api.clock.advance(12 * 60)  # Thursday 11:00
    assert read(api, case_id)["unsuitable_nights"] == 2

    set_free(api, SHELTER, 2)
    held = api.ok(hold(api, case_id, SHELTER), 201)
    assert read(api, case_id)["stay"]["kind"] == "hotel", "held: still in the hotel until intake"
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    api.clock.advance(3 * 24 * 60)
    body = read(api, case_id)
    assert body["stay"] is None
    assert body["unsuitable_nights"] == 2
    with api.database.session() as session:
        history = session.scalars(
            select(StayRow).where(StayRow.referral_id == case_id).order_by(StayRow.id)
        ).all()
    assert [stay.kind for stay in history] == ["hotel", "acquaintances", "hotel"]
    assert all(stay.ended_at is not None for stay in history)
    # The desk reads the same history, each stay with its nights; they add up to the total.
    shown = body["stays"]
    assert [(s["kind"], s["unsuitable"], s["nights"]) for s in shown] == [
        ("hotel", True, 1),
        ("acquaintances", False, 1),
        ("hotel", True, 1),
    ]
    assert [datetime.fromisoformat(s["until"]) for s in shown] == [
        stay.ended_at for stay in history
    ]
    assert sum(s["nights"] for s in shown if s["unsuitable"]) == body["unsuitable_nights"]
    assert ("update", "referral", case_id, "ok") in audit_rows(api, object_id=case_id)


def test_a_placed_or_closed_referral_has_no_stay_to_change(api: Api) -> None:
    placed = create_referral(api)
    set_free(api, SHELTER, 2)
    api.ok(
        api.post("desk", f"/api/v1/holds/{api.ok(hold(api, placed, SHELTER), 201)['id']}/confirm")
    )
    refused = api.call("desk", "PUT", f"/api/v1/referrals/{placed}/stay", json={"kind": "hotel"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "already_placed"

    closed = create_referral(api, stay="police")
    api.ok(api.post("desk", f"/api/v1/referrals/{closed}/close", {"reason": "withdrawn"}))
    assert read(api, closed)["stay"] is None
    refused = api.call("desk", "PUT", f"/api/v1/referrals/{closed}/stay", json={"kind": "hotel"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "referral_closed"


def test_a_stay_may_begin_earlier_but_not_before_the_one_it_follows(api: Api) -> None:
    case_id = create_referral(api)
    api.clock.advance(20 * 24 * 60)
    now = api.clock.now

    def refused(since: datetime) -> str:
        response = api.call(
            "desk",
            "PUT",
            f"/api/v1/referrals/{case_id}/stay",
            json={"kind": "hotel", "since": since.isoformat()},
        )
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["path"] == "since"
        return str(error["message"])

    assert "future" in refused(now + timedelta(minutes=1))
    assert "future" in refused(now + timedelta(milliseconds=1))
    assert "14 days" in refused(now - timedelta(days=15))
    assert "14 days" in refused(now - timedelta(days=14, milliseconds=1))
    # The desk hears on Monday that she slept in a hotel since Friday evening.
    friday = now - timedelta(days=2, hours=14)
    body = stay_of(api, case_id, kind="hotel", since=friday.isoformat())
    assert datetime.fromisoformat(body["stay"]["since"]) == friday
    assert body["unsuitable_nights"] == 3
    # The stay it follows ended when the hotel began, not when the desk heard of it.
    assert [
        (s["kind"], s["until"] and datetime.fromisoformat(s["until"])) for s in body["stays"]
    ] == [
        ("unknown", friday),
        ("hotel", None),
    ]
    assert "before the current stay began" in refused(friday - timedelta(hours=1))


def test_a_stay_may_be_dated_back_fourteen_days_and_not_one_moment_more(api: Api) -> None:
    case_id = create_referral(api)
    api.clock.advance(20 * 24 * 60)
    fortnight = api.clock.now - stays.BACKDATE_LIMIT
    body = stay_of(api, case_id, kind="police", since=fortnight.isoformat())
    assert datetime.fromisoformat(body["stay"]["since"]) == fortnight
    now = stay_of(api, case_id, kind="hotel", since=api.clock.now.isoformat())["stay"]["since"]
    assert datetime.fromisoformat(now) == api.clock.now


def test_the_first_stay_may_have_begun_before_registration(api: Api) -> None:
    """The police put her in a hotel on Friday evening; the desk registers her on Monday."""
    case_id = create_referral(api)
    friday = api.clock.now - timedelta(days=2, hours=14)
    body = stay_of(api, case_id, kind="hotel", since=friday.isoformat())
    assert datetime.fromisoformat(body["stay"]["since"]) == friday
    assert body["unsuitable_nights"] == 3
    with api.database.session() as session:
        kinds = session.scalars(select(StayRow.kind).where(StayRow.referral_id == case_id)).all()
    assert kinds == ["hotel"]
    # A second stay cannot reach back before the one it follows.
    stay_of(api, case_id, kind="acquaintances")
    response = api.call(
        "desk",
        "PUT",
        f"/api/v1/referrals/{case_id}/stay",
        json={"kind": "police", "since": (friday + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 422
    assert "before the current stay began" in response.json()["errors"][0]["message"]


def test_the_same_kind_changes_nothing_and_a_correction_replaces(api: Api) -> None:
    case_id = create_referral(api, stay="hotel")
    before = read(api, case_id)
    api.clock.advance(60)
    same = stay_of(api, case_id, kind="hotel")
    assert (same["updated_at"], same["version"]) == (before["updated_at"], before["version"])
    begun = read(api, case_id)["stay"]["since"]
    # The first entry was wrong: a change all the same, which a desk's save read before it must
    # not undo unseen (version_conflict).
    corrected = stay_of(api, case_id, kind="homeless_shelter", since=begun)
    assert corrected["version"] == before["version"] + 1
    # ... which the refusal dates by the moment the referral last changed: this one.
    assert datetime.fromisoformat(corrected["updated_at"]) == api.clock.now
    with api.database.session() as session:
        kinds = session.scalars(select(StayRow.kind).where(StayRow.referral_id == case_id)).all()
    assert kinds == ["homeless_shelter"]


def test_a_kind_that_does_not_exist_is_named(api: Api) -> None:
    case_id = create_referral(api)
    response = api.call("desk", "PUT", f"/api/v1/referrals/{case_id}/stay", json={"kind": "motel"})
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == ["kind"]
    response = api.post("desk", "/api/v1/referrals", {"gender": "male", "age": 40, "stay": "car"})
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == ["stay"]


def by_unit(api: Api, role: str) -> dict[str | None, dict[str, Any]]:
    cells = api.ok(api.get(role, "/api/v1/stays"))
    return {cell.pop("police_unit"): cell for cell in cells}


def test_stays_per_police_unit(api: Api) -> None:
    """Utrecht: six waiting, five in a hotel since Monday; Rotterdam: one at the police station
    from Monday to her intake on Wednesday; Zwolle: one at home. Read on Thursday 10:00."""
    utrecht = [create_referral(api, stay="hotel") for _ in range(5)]
    utrecht.append(create_referral(api, stay="acquaintances"))
    rotterdam = create_referral(api, location={"municipality": "Rotterdam"}, stay="police")
    create_referral(api, location={"municipality": "Zwolle"}, stay="home")
    api.clock.advance(2 * 24 * 60)
    ranking = api.ok(api.post("desk", f"/api/v1/referrals/{rotterdam}/ranking", {}))
    held = api.ok(hold(api, rotterdam, ranking["options"][0]["shelter"]), 201)
    api.ok(api.post("desk", f"/api/v1/holds/{held['id']}/confirm"))
    api.clock.advance(24 * 60)

    desk = by_unit(api, "desk")
    assert desk["Midden-Nederland"] == {
        "waiting": 6,
        "unsuitable": 5,
        "people_in_window": 5,
        "nights_in_window": 15,
        "suppressed": False,
    }
    assert desk["Rotterdam"] == {
        "waiting": 0,
        "unsuitable": 0,
        "people_in_window": 1,
        "nights_in_window": 2,
        "suppressed": False,
    }
    assert desk["Oost-Nederland"]["waiting"] == 1
    assert desk["Oost-Nederland"]["people_in_window"] == 0
    assert desk[None] == {
        "waiting": 7,
        "unsuitable": 5,
        "people_in_window": 6,
        "nights_in_window": 17,
        "suppressed": False,
    }
    assert "unknown" not in desk

    planner = by_unit(api, "planner")
    # Zwolle's one person waiting is withheld, and so is Utrecht's six: the country's seven
    # would give Zwolle's one away. Utrecht's five in a hotel would tell of the one who is not.
    assert planner["Oost-Nederland"]["waiting"] is None
    assert planner["Midden-Nederland"]["waiting"] is None
    assert planner["Midden-Nederland"]["unsuitable"] is None
    # Rotterdam's one person's nights, and Utrecht's as their complement in the country's sum.
    assert planner["Rotterdam"]["people_in_window"] is None
    assert planner["Rotterdam"]["nights_in_window"] is None
    assert planner["Midden-Nederland"]["nights_in_window"] is None
    assert planner[None] == {
        "waiting": 7,
        "unsuitable": None,  # two of seven not somewhere unsuitable
        "people_in_window": 6,
        "nights_in_window": 17,
        "suppressed": True,
    }
    assert planner["Noord-Nederland"]["waiting"] == 0
    assert all(cell["suppressed"] == (None in cell.values()) for cell in planner.values())


def test_a_referral_without_a_location_counts_under_unknown(api: Api) -> None:
    create_referral(api, location=None, stay="rough_sleeping")
    api.clock.advance(24 * 60)
    cells = by_unit(api, "desk")
    assert cells["unknown"]["unsuitable"] == 1
    assert cells["unknown"]["nights_in_window"] == 1
    assert cells[None]["unsuitable"] == 1


def test_only_the_last_thirty_days_count_for_planners(api: Api) -> None:
    create_referral(api, stay="hotel")
    api.clock.advance(45 * 24 * 60)
    assert by_unit(api, "desk")[None]["nights_in_window"] == 30


@pytest.mark.parametrize(
    "end",
    [
        datetime(2027, 4, 1, 0, 30, tzinfo=DUTCH),  # the window holds the spring change
        datetime(2026, 10, 30, 23, 30, tzinfo=DUTCH),  # ... and the autumn one
    ],
)
def test_the_window_is_thirty_dutch_days_across_a_clock_change(api: Api, end: datetime) -> None:
    api.clock.now = end - timedelta(days=45)
    create_referral(api, stay="hotel")
    api.clock.now = end
    assert by_unit(api, "desk")[None]["nights_in_window"] == 30


def test_the_migration_opens_an_unknown_stay_for_every_referral_without_a_place(
    database: Database,
) -> None:
    schema_at(database, "0006")
    registered = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with database.session() as session:
        for case_id, status in (("W", "waiting"), ("H", "held"), ("P", "placed"), ("X", "closed")):
            add_referral(session, victim(case_id), registered).status = status
    database.migrate()
    with database.session() as session:
        opened = session.execute(select(StayRow.referral_id, StayRow.kind, StayRow.started_at))
        assert sorted(opened) == [("H", "unknown", registered), ("W", "unknown", registered)]


@dataclass(frozen=True)
class Waited:
    """One referral of the property below: where it is, how it ended up, and its stays, each a
    kind and how long it lasted (the last one open while it waits or is held)."""

    municipality: str | None
    status: str
    begun: timedelta  # before ``now``
    stays: list[tuple[str, timedelta]]


waited = st.builds(
    Waited,
    municipality=st.sampled_from(["Utrecht", "Rotterdam", None]),
    status=st.sampled_from(["waiting", "held", "placed", "closed"]),
    begun=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=45)),
    stays=st.lists(
        st.tuples(
            st.sampled_from(["police", "hotel", "rough_sleeping", "acquaintances", "home"]),
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=12)),
        ),
        min_size=1,
        max_size=4,
    ),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    people=st.lists(waited, max_size=6),
    now=st.sampled_from(
        [
            datetime(2026, 11, 12, 9, 0, tzinfo=UTC),  # the window holds the autumn change
            datetime(2027, 4, 20, 22, 30, tzinfo=UTC),  # ... and the spring one
            datetime(2027, 2, 10, 23, 15, tzinfo=UTC),  # 00:15 in Amsterdam
        ]
    ),
)
def test_the_stays_per_unit_are_what_each_persons_midnights_add_up_to(
    database: Database, people: list[Waited], now: datetime
) -> None:
    """Counted again from each person's own midnights: waiting or held now, somewhere unsuitable
    now, and the people with a midnight somewhere unsuitable since the same Dutch wall-clock
    time 30 days ago, with those midnights; the country's are every person's."""
    with database.session() as session:
        session.execute(delete(StayRow))
        session.execute(delete(ReferralRow))
        for number, person in enumerate(people):
            location = (
                None if person.municipality is None else {"municipality": person.municipality}
            )
            case_id = f"C{number:016x}"
            add_referral(session, victim(case_id, location=location), now).status = person.status
            start = now - person.begun
            for index, (kind, length) in enumerate(person.stays):
                last = index == len(person.stays) - 1
                end = min(start + length, now)
                open_now = last and person.status in ("waiting", "held")
                session.add(
                    StayRow(
                        referral_id=case_id,
                        kind=kind,
                        started_at=start,
                        ended_at=None if open_now else end,
                    )
                )
                start = end
        found = {row.police_unit: row for row in stays.by_region(session, now=now)}

    local = now.astimezone(DUTCH)
    window_start = datetime.combine(local.date() - timedelta(days=30), local.time(), tzinfo=DUTCH)
    expected: dict[str | None, list[int]] = {}
    for person in people:
        unit = {"Utrecht": "Midden-Nederland", "Rotterdam": "Rotterdam", None: "unknown"}[
            person.municipality
        ]
        counted = [*expected.setdefault(unit, [0, 0, 0, 0])]
        start, covered = now - person.begun, set()
        for index, (kind, length) in enumerate(person.stays):
            end = min(start + length, now)
            if index == len(person.stays) - 1 and person.status in ("waiting", "held"):
                end = now
                counted[1] += kind in stays.UNSUITABLE
            if kind in stays.UNSUITABLE:
                day = start.astimezone(DUTCH).date() + timedelta(days=1)
                while (midnight := datetime.combine(day, time(0), tzinfo=DUTCH)) <= end:
                    covered.add(midnight)
                    day += timedelta(days=1)
            start = end
        in_window = {midnight for midnight in covered if midnight > window_start}
        counted[0] += person.status in ("waiting", "held")
        counted[2] += bool(in_window)
        counted[3] += len(in_window)
        expected[unit] = counted
    country = [sum(column) for column in zip(*expected.values(), strict=True)] or [0, 0, 0, 0]
    # The row of those without a location is there when it counts someone.
    unknown = any(expected.get("unknown", [0, 0, 0, 0]))
    assert [*found] == [*POLICE_UNITS, *(["unknown"] if unknown else []), None]
    for shown, row in found.items():
        counts = [row.waiting, row.unsuitable, row.people_in_window, row.nights_in_window]
        assert counts == (country if shown is None else expected.get(shown, [0, 0, 0, 0])), shown


def test_the_stays_of_more_referrals_than_one_statement_reads(database: Database) -> None:
    """Retention reads the stays of every referral it purges, however many."""
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    cases = [f"C{number:016x}" for number in range(501)]
    with database.session() as session:
        for case_id in cases:
            add_referral(session, victim(case_id), at)
            session.add(StayRow(referral_id=case_id, kind="hotel", started_at=at))
        session.flush()
        found = stays.of_referrals(session, cases)
    assert sorted(found) == cases
    assert all(len(found[case_id]) == 1 for case_id in cases)
