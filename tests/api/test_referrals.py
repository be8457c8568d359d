"""Referrals: random case ids, the contract's fields, filters, partial updates, closing, and one
audit row for every access, holding no field value."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from api import accounts, matching
from api.audit import NOT_AN_ID
from api.deps import Caller, checked_in_at_first_use
from api.network_cache import NetworkCache
from api.problems import ProblemError
from tests.api.helpers import (
    OTHER_SHELTER,
    Api,
    add_users,
    audit_rows,
    create_referral,
    hold,
    referral,
    running_api,
    set_free,
)

CASE_ID = re.compile(r"^C[0-9a-f]{16}$")


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var") as running:
        yield running


def test_case_ids_are_random_and_derived_from_nothing(api: Api) -> None:
    ids = {create_referral(api) for _ in range(5)}
    assert len(ids) == 5
    assert all(CASE_ID.match(case) for case in ids)


def test_a_referral_keeps_the_contract_fields(api: Api) -> None:
    zones = [
        {"location": {"municipality": "Den Bosch"}, "min_km": 40},
        {"location": {"lat": 51.9, "lon": 4.5}, "min_km": 25.5},
    ]
    other = create_referral(api)
    body = referral(
        children=1,
        conditions=["pregnancy"],
        exploitation="sexual",
        languages=["ro", "en"],
        programmes=["cosm"],
        danger_zones=zones,
        priority=3,
        avoid=[other],
    )
    created = api.ok(api.post("desk", "/api/v1/referrals", body), 201)
    read = api.ok(api.get("desk", f"/api/v1/referrals/{created['id']}"))
    assert read == created
    assert read["status"] == "waiting"
    assert read["region"] == "Midden-Nederland"
    assert read["danger_zones"][0]["location"]["municipality"] == "Den Bosch"
    for field in ("children", "conditions", "exploitation", "languages", "programmes"):
        assert read[field] == body[field]
    assert (read["priority"], read["avoid"]) == (3, [other])


def test_only_a_known_case_or_resident_is_kept_apart(api: Api) -> None:
    """A mistyped case number would be stored, keep nobody apart and give no sign of it."""
    other = create_referral(api)
    api.ok(api.patch("admin", "/api/v1/shelters/S001", {"residents": ["R-1"]}))
    typo = other[:-1] + ("0" if other[-1] != "0" else "1")
    response = api.post("desk", "/api/v1/referrals", referral(avoid=[other, typo, "R-1", "R-2"]))
    assert response.status_code == 422
    assert [(e["path"], e["message"]) for e in response.json()["errors"]] == [
        ("avoid[1]", f"no case or resident '{typo}' is known"),
        ("avoid[3]", "no case or resident 'R-2' is known"),
    ]
    case = create_referral(api, avoid=[other, "R-1"])

    # An entry kept from before is not checked again: the resident may have left meanwhile.
    api.ok(api.patch("admin", "/api/v1/shelters/S001", {"residents": []}))
    changed = api.ok(api.patch("desk", f"/api/v1/referrals/{case}", {"priority": 3}))
    assert changed["avoid"] == [other, "R-1"]
    response = api.patch("desk", f"/api/v1/referrals/{case}", {"avoid": [other, "R-1", typo]})
    assert [e["path"] for e in response.json()["errors"]] == ["avoid[2]"]
    assert api.ok(api.get("desk", f"/api/v1/referrals/{case}"))["avoid"] == [other, "R-1"]


def test_a_current_shelter_must_exist(api: Api) -> None:
    response = api.post("desk", "/api/v1/referrals", referral(current="S999"))
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["current"]
    assert api.ok(api.post("desk", "/api/v1/referrals", referral(current="S001")), 201)


def test_list_filters(api: Api) -> None:
    urgent = create_referral(api, priority=3, location={"municipality": "Groningen"})
    api.clock.advance(1)
    calm = create_referral(api, priority=1, location={"municipality": "Maastricht"})
    api.clock.advance(1)
    nowhere = create_referral(api, priority=1, location=None)
    api.ok(api.post("desk", f"/api/v1/referrals/{calm}/close", {"reason": "returned_home"}))

    def listed(**filters: Any) -> list[str]:
        return [r["id"] for r in api.ok(api.get("desk", "/api/v1/referrals", **filters))]

    assert listed() == [urgent, calm, nowhere]
    assert listed(priority=3) == [urgent]
    assert listed(status="waiting") == [urgent, nowhere]
    assert listed(status="closed") == [calm]
    assert listed(region="Noord-Nederland") == [urgent]
    assert listed(region="Limburg", status="waiting") == []
    assert listed(limit=1, offset=1) == [calm]


def test_partial_updates(api: Api) -> None:
    case = create_referral(api, exploitation="labour", languages=["pl"])
    updated = api.ok(
        api.patch("desk", f"/api/v1/referrals/{case}", {"age": 19, "exploitation": None})
    )
    assert (updated["age"], updated["exploitation"], updated["languages"]) == (19, None, ["pl"])
    moved = api.ok(
        api.patch("desk", f"/api/v1/referrals/{case}", {"location": {"municipality": "Venlo"}})
    )
    assert moved["region"] == "Limburg"
    response = api.patch("desk", f"/api/v1/referrals/{case}", {"avoid": [case]})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["avoid[0]"]


def test_an_update_read_before_someone_elses_change_is_refused_whole(api: Api) -> None:
    """Two desks editing one referral: the later save, based on what it read before the first,
    must not undo the first unseen; a hold or a stay is a change too."""
    case = create_referral(api, priority=1, programmes=["cosm"])  # OTHER_SHELTER's
    read = api.ok(api.get("desk", f"/api/v1/referrals/{case}"))
    first = api.ok(
        api.patch("desk", f"/api/v1/referrals/{case}", {"priority": 3, "version": read["version"]})
    )
    assert first["version"] == read["version"] + 1
    stale = {"priority": 2, "languages": ["ar"], "version": read["version"]}
    refused = api.patch("desk", f"/api/v1/referrals/{case}", stale)
    assert refused.status_code == 409
    assert refused.json()["code"] == "version_conflict"
    assert refused.json()["detail"].startswith(
        f"the referral changed since version {read['version']} was read (it is at version "
        f"{first['version']}"
    )
    kept = api.ok(api.get("desk", f"/api/v1/referrals/{case}"))
    assert (kept["priority"], kept["languages"], kept["version"]) == (3, [], first["version"])
    # A version the referral has not reached yet was read from nothing: it is no licence either.
    ahead = api.patch("desk", f"/api/v1/referrals/{case}", stale | {"version": kept["version"] + 1})
    assert ahead.json()["code"] == "version_conflict"
    assert api.ok(api.get("desk", f"/api/v1/referrals/{case}")) == kept

    set_free(api, OTHER_SHELTER, 1)
    api.ok(hold(api, case, OTHER_SHELTER), 201)
    held = api.patch(
        "desk", f"/api/v1/referrals/{case}", {"priority": 1, "version": kept["version"]}
    )
    assert held.json()["code"] == "version_conflict"
    # Without a version the change is made, as a script setting one field expects.
    assert api.ok(api.patch("desk", f"/api/v1/referrals/{case}", {"priority": 1}))["priority"] == 1


def test_a_closed_referral_is_said_to_be_closed_whatever_version_was_read(api: Api) -> None:
    """A save from before the close could be tried again after a conflict, in vain: the refusal
    says what no new read changes."""
    case = create_referral(api)
    read = api.ok(api.get("desk", f"/api/v1/referrals/{case}"))
    api.ok(api.post("desk", f"/api/v1/referrals/{case}/close", {"reason": "withdrawn"}))
    refused = api.patch(
        "desk", f"/api/v1/referrals/{case}", {"age": 40, "version": read["version"]}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "referral_closed")


def test_nothing_fits_says_what_would_open_a_place(api: Api) -> None:
    everywhere = [{"location": {"municipality": "Utrecht"}, "min_km": 2000}]
    case = create_referral(api, danger_zones=everywhere)
    ranking = api.ok(api.post("desk", f"/api/v1/referrals/{case}/ranking"))
    assert ranking["options"] == []
    assert {relaxation["rule"] for relaxation in ranking["relaxations"]} >= {"security"}
    assert len(ranking["excluded"]) == len(api.ok(api.get("admin", "/api/v1/shelters")))


def test_every_access_writes_one_audit_row_without_values(api: Api) -> None:
    case = create_referral(api, languages=["tl"], programmes=["audit-probe-programme"])
    api.ok(api.get("desk", f"/api/v1/referrals/{case}"))
    api.ok(api.get("desk", "/api/v1/referrals", status="waiting"))
    assert api.ok(api.get("desk", "/api/v1/referrals", status="placed")) == []
    api.ok(api.patch("desk", f"/api/v1/referrals/{case}", {"priority": 2}))
    api.ok(api.post("desk", f"/api/v1/referrals/{case}/ranking"))
    assert api.get("desk", "/api/v1/referrals/Cmissing").status_code == 404
    assert api.get("planner", f"/api/v1/referrals/{case}").status_code == 403
    api.ok(api.post("desk", f"/api/v1/referrals/{case}/close", {"reason": "other"}))

    assert audit_rows(api, object_type="referral") == [
        ("create", "referral", case, "ok"),
        ("read", "referral", case, "ok"),
        ("search", "referral", case, "ok"),  # a list names what it showed
        ("search", "referral", None, "ok"),  # ... and a list that showed nothing is on record
        ("update", "referral", case, "ok"),
        ("read", "referral", case, "ok"),
        ("read", "referral", NOT_AN_ID, "not_found"),
        ("denied", "referral", case, "denied"),
        ("update", "referral", case, "ok"),
    ]
    trail = api.ok(api.get("auditor", "/api/v1/audit", limit=500))
    text = repr(trail)
    assert "audit-probe-programme" not in text
    assert "'tl'" not in text
    assert {row["actor"] for row in trail} == {"desk", "planner"}
    assert all(row["request_id"] for row in trail)


def test_the_audit_trail_keeps_no_text_typed_where_an_id_belongs(api: Api) -> None:
    """A path may carry anything (a name typed into the case id's place); the trail, which
    nobody can edit or purge, keeps such text only as "no issued id". Unknown ids of the
    service's own form are kept: they are random and name nobody."""
    typed = "Maria Popescu 14-03-1990"
    assert api.get("desk", f"/api/v1/referrals/{typed}").status_code == 404
    unknown = "C0123456789abcdef"
    assert api.get("desk", f"/api/v1/referrals/{unknown}").status_code == 404
    assert api.post("desk", "/api/v1/holds/Hx Maria/confirm").status_code == 404
    rows = audit_rows(api)
    assert rows[-3:] == [
        ("read", "referral", NOT_AN_ID, "not_found"),
        ("read", "referral", unknown, "not_found"),
        ("update", "hold", NOT_AN_ID, "not_found"),
    ]
    trail = api.get("auditor", "/api/v1/audit", limit=500).text
    assert "Maria" not in trail


def test_rankings_asked_at_once_read_one_at_a_time_each_with_its_audit_row(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rankings asked for at once all answer, each about its own referral, but read the
    database one at a time (in groups sharing a transaction, see api.lanes); every read is on
    record, and so is a refused one among them."""
    cases = [create_referral(api) for _ in range(6)]
    unknown = "C0123456789abcdef"
    inside, most_inside = 0, 0
    counting = threading.Lock()
    read = matching.read_for_ranking

    def slow_read(*args: Any) -> Any:
        nonlocal inside, most_inside
        with counting:
            inside += 1
            most_inside = max(most_inside, inside)
        try:
            time.sleep(0.02)  # long enough for the other requests to arrive meanwhile
            return read(*args)
        finally:
            with counting:
                inside -= 1

    monkeypatch.setattr(matching, "read_for_ranking", slow_read)
    asked = [*cases[:3], unknown, *cases[3:]]
    with ThreadPoolExecutor(len(asked)) as desks:
        answers = list(
            desks.map(lambda case: api.post("desk", f"/api/v1/referrals/{case}/ranking"), asked)
        )
    assert [answer.status_code for answer in answers] == [200] * 3 + [404] + [200] * 3
    assert [answer.json().get("victim") for answer in answers] == [*cases[:3], None, *cases[3:]]
    assert most_inside == 1
    reads = [row for row in audit_rows(api) if row[0] == "read"]
    assert sorted(reads, key=str) == sorted(
        [("read", "referral", case, "ok") for case in cases]
        + [("read", "referral", unknown, "not_found")],
        key=str,
    )


def test_rankings_sharing_a_transaction_check_in_every_user_of_theirs(api: Api) -> None:
    """Rankings reading in one transaction (api.lanes) check each user once: an inactive user
    among them is refused, the others read, and every read is on record."""
    case = create_referral(api)
    add_users(api.database, {"former-desk": ("desk", None)})
    with api.database.session() as session:
        accounts.set_active(session, "former-desk", active=False)
    cache: NetworkCache = api.app.state.network_cache
    sessions: sessionmaker[Session] = api.app.state.sessions

    def asking(name: str) -> Caller:
        caller = Caller(
            name=name,
            role="desk",
            shelter_id=None,
            transaction=sessions(),
            request_id=secrets.token_hex(16),
            now=api.clock.now,
        )
        return checked_in_at_first_use(caller)

    with sessions() as shared:
        first = matching.read_shared(asking("desk"), cache, case, None, shared)
        with pytest.raises(ProblemError) as refused:
            matching.read_shared(asking("former-desk"), cache, case, None, shared)
        again = matching.read_shared(asking("desk"), cache, case, None, shared)
        shared.commit()
    assert refused.value.status == 401
    assert first.victim == again.victim
    assert [row for row in audit_rows(api) if row[0] == "read"] == [
        ("read", "referral", case, "ok")
    ] * 2


def test_each_kind_of_refusal_is_on_record_as_what_it_was(api: Api) -> None:
    """A refused attempt's row says why: a request that does not hold (422) ``invalid``, a
    change the ledger refuses (409) ``conflict``, a missing object ``not_found``, a role
    refused ``denied``."""
    case = create_referral(api, programmes=["cosm"])
    set_free(api, OTHER_SHELTER, 1)
    api.ok(hold(api, case, OTHER_SHELTER), 201)
    assert api.get("desk", "/api/v1/referrals", region="Atlantis").status_code == 422
    assert hold(api, case, OTHER_SHELTER).status_code == 409
    assert api.get("desk", "/api/v1/holds/H0123456789abcdef").status_code == 404
    assert api.get("shelter", "/api/v1/referrals").status_code == 403
    assert audit_rows(api)[-5:] == [
        ("search", "referral", None, "invalid"),
        ("create", "hold", None, "conflict"),
        ("update", "referral", case, "conflict"),  # "who tried to hold a place for this case?"
        ("read", "hold", "H0123456789abcdef", "not_found"),
        ("denied", "referral", None, "denied"),
    ]
