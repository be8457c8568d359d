"""Every error is an RFC 9457 problem document; bad input names its field paths.

The paths are the contract's (``danger_zones[0].min_km``), the same the command line prints, so a
desk client can put the message next to the field the person has to fix.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from starlette.types import Message, Receive, Scope, Send

from api.middleware import BodyLimit
from tests.api.helpers import Api, referral, running_api

PROBLEM = "application/problem+json"
LIMIT = 4096


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var", max_body_bytes=LIMIT) as running:
        yield running


def problem(response: httpx2.Response, status: int) -> dict[str, Any]:
    """The problem document of ``response``, which must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    assert body["instance"] == response.request.url.path
    return body


def paths(response: httpx2.Response) -> dict[str, str]:
    """Field path -> message of a 422 problem."""
    return {error["path"]: error["message"] for error in problem(response, 422)["errors"]}


def test_bad_fields_are_named_by_their_paths(api: Api) -> None:
    body = referral(
        age=121,
        conditions=["addiction", "adiction"],
        danger_zones=[
            {"location": {"municipality": "Zwolle"}, "min_km": 30},
            {"location": {"municipality": "Amsterdm"}, "min_km": 0},
        ],
    )
    found = paths(api.post("desk", "/api/v1/referrals", body))
    assert set(found) == {
        "age",
        "conditions[1]",
        "danger_zones[1].location.municipality",
        "danger_zones[1].min_km",
    }
    assert found["conditions[1]"] == "unknown condition 'adiction' (did you mean 'addiction'?)"
    assert "Amsterdam" in found["danger_zones[1].location.municipality"]


def test_a_key_given_twice_is_refused_at_its_path_and_nothing_is_stored(api: Api) -> None:
    """A JSON parser keeps the last of two equal keys: this referral would be stored as needing
    no care for her addiction, and ranked for shelters that cannot give it."""
    headers = {**api.headers("desk"), "content-type": "application/json"}
    body = (
        b'{"gender": "female", "age": 30, "conditions": ["addiction"], "conditions": [], '
        b'"danger_zones": [{"location": {"municipality": "Zwolle"}, "min_km": 30, "min_km": 3}]}'
    )
    before = api.ok(api.get("desk", "/api/v1/referrals"))
    refused = api.client.post("/api/v1/referrals", content=body, headers=headers)
    assert paths(refused) == {
        "conditions": "given twice in one object",
        "danger_zones[0].min_km": "given twice in one object",
    }
    assert api.ok(api.get("desk", "/api/v1/referrals")) == before
    anonymous = api.client.post(
        "/api/v1/referrals", content=body, headers={"content-type": "application/json"}
    )
    assert problem(anonymous, 401).get("errors") is None
    once = body.replace(b'"conditions": [], ', b"").replace(b', "min_km": 3}', b"}")
    created = api.client.post("/api/v1/referrals", content=once, headers=headers)
    assert api.ok(created, 201)["conditions"] == ["addiction"]


def test_half_a_character_is_refused_at_its_path_and_nothing_is_stored(api: Api) -> None:
    """JSON may escape half of a UTF-16 pair (``\\ud800``), which Python's parser keeps as a
    lone surrogate: no text a database can store. The gazetteer reads it as a blank, so
    "Utrecht" followed by one was a municipality, and the request a 500, on both databases."""
    headers = {**api.headers("desk"), "content-type": "application/json"}
    half = b"\\ud800"
    body = (
        b'{"gender": "female", "age": 30, "location": {"municipality": "Utrecht' + half + b'"}, '
        b'"danger_zones": [{"location": {"municipality": "Zwolle"}, "min_km": 30}], '
        b'"avoid": ["C' + half + b'"], "x' + half + b'": 1}'
    )
    before = api.ok(api.get("desk", "/api/v1/referrals"))
    found = paths(api.client.post("/api/v1/referrals", content=body, headers=headers))
    assert set(found) == {"location.municipality", "avoid[0]", "x\\ud800"}
    assert all("half of a UTF-16 surrogate pair" in message for message in found.values())
    shelter = b'{"id": "T901", "location": {"municipality": "Utrecht' + half + b'"}, "capacity": 4}'
    admin = {**api.headers("admin"), "content-type": "application/json"}
    found = paths(api.client.post("/api/v1/shelters", content=shelter, headers=admin))
    assert list(found) == ["location.municipality"]
    assert api.ok(api.get("desk", "/api/v1/referrals")) == before
    assert api.get("admin", "/api/v1/shelters/T901").status_code == 404
    anonymous = api.client.post(
        "/api/v1/referrals", content=body, headers={"content-type": "application/json"}
    )
    assert problem(anonymous, 401).get("errors") is None
    # A whole pair is a character like any other.
    whole = body.replace(half, b"\\ud83d\\ude00").replace(b', "x\\ud83d\\ude00": 1', b"")
    whole = whole.replace(b', "avoid": ["C\\ud83d\\ude00"]', b"")
    created = api.ok(api.client.post("/api/v1/referrals", content=whole, headers=headers), 201)
    assert created["location"]["municipality"] == "Utrecht\U0001f600"


def test_cross_field_problems_land_on_their_field(api: Api) -> None:
    body = referral(conditions=["lvb", "lvb"])
    found = paths(api.post("desk", "/api/v1/referrals", body))
    assert found == {"conditions[1]": "duplicate condition 'lvb' (also at conditions[0])"}
    body = referral(location={"municipality": "Utrecht", "lat": 52.0})
    assert set(paths(api.post("desk", "/api/v1/referrals", body))) == {"location"}


def test_a_shelter_must_lie_in_the_netherlands_and_take_someone_in(api: Api) -> None:
    swapped = {"id": "T900", "location": {"lat": 5.12, "lon": 52.09}, "capacity": 4}
    found = paths(api.post("admin", "/api/v1/shelters", swapped))
    assert found == {
        "location": "(5.12, 52.09) lies outside the Netherlands; lat and lon look swapped"
    }
    assert api.get("admin", "/api/v1/shelters/T900").status_code == 404

    before = api.ok(api.get("admin", "/api/v1/shelters/S001"))
    abroad = {"location": {"lat": 48.86, "lon": 2.35}}
    found = paths(api.patch("admin", "/api/v1/shelters/S001", abroad))
    assert list(found) == ["location"]
    assert "outside the Netherlands" in found["location"]
    assert api.ok(api.get("admin", "/api/v1/shelters/S001")) == before
    no_one: dict[str, list[str]] = {"genders": []}
    assert list(paths(api.patch("admin", "/api/v1/shelters/S001", no_one))) == ["genders"]
    assert api.ok(api.get("admin", "/api/v1/shelters/S001")) == before
    # A victim's location and a danger zone may lie abroad.
    api.ok(
        api.post("desk", "/api/v1/referrals", referral(location={"lat": 50.85, "lon": 4.35})), 201
    )


def test_unknown_fields_are_rejected(api: Api) -> None:
    found = paths(api.post("desk", "/api/v1/referrals", referral(conditons=["addiction"])))
    assert found == {"conditons": "unknown field"}
    found = paths(api.patch("desk", "/api/v1/referrals/Cx", {"name": "Anna"}))
    assert found == {"name": "unknown field"}


def test_a_value_of_the_wrong_shape_is_named_plainly(api: Api) -> None:
    assert paths(api.post("desk", "/api/v1/referrals", [])) == {"": "expected an object"}
    found = paths(api.post("desk", "/api/v1/referrals", referral(languages="ro")))
    assert found == {"languages": "expected a list"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("age", True), ("age", "30"), ("children", "2"), ("priority", True), ("age", 30.5)],
)
def test_a_value_of_another_type_is_refused_not_converted(
    api: Api, field: str, value: object
) -> None:
    found = paths(api.post("desk", "/api/v1/referrals", referral(**{field: value})))
    assert set(found) == {field}
    found = paths(api.patch("admin", "/api/v1/shelters/S023/availability", {"free": "3"}))
    assert set(found) == {"free"}


@pytest.mark.parametrize("value", [1764489600, 1764489600.5, True])
def test_a_moment_is_written_out_never_a_number_of_seconds(api: Api, value: object) -> None:
    case = api.ok(api.post("desk", "/api/v1/referrals", referral()), 201)["id"]
    body = {"kind": "hotel", "since": value}
    found = paths(api.call("desk", "PUT", f"/api/v1/referrals/{case}/stay", json=body))
    assert set(found) == {"since"}
    found = paths(api.post("desk", f"/api/v1/referrals/{case}/ranking", {"at": value}))
    assert set(found) == {"at"}
    assert api.ok(api.get("desk", f"/api/v1/referrals/{case}"))["stay"]["kind"] == "unknown"


def test_null_is_refused_where_the_contract_has_no_null(api: Api) -> None:
    found = paths(api.patch("desk", "/api/v1/referrals/Cx", {"gender": None}))
    assert set(found) == {"gender"}


def test_query_and_path_parameters_are_bounded(api: Api) -> None:
    assert set(paths(api.get("desk", "/api/v1/referrals", priority=4))) == {"query.priority"}
    assert set(paths(api.get("desk", "/api/v1/referrals", limit=501))) == {"query.limit"}
    found = paths(api.get("desk", "/api/v1/referrals", region="Amsterdm"))
    assert found["query.region"].startswith("unknown police unit 'Amsterdm'")
    assert set(paths(api.get("desk", "/api/v1/referrals/" + "C" * 65))) == {"path.referral_id"}


def test_lists_are_bounded(api: Api) -> None:
    zones = [{"location": {"lat": 52.0, "lon": 5.0 + i / 100}, "min_km": 10} for i in range(17)]
    assert set(paths(api.post("desk", "/api/v1/referrals", referral(danger_zones=zones)))) == {
        "danger_zones"
    }


def test_broken_json_is_a_problem_too(api: Api) -> None:
    response = api.client.post(
        "/api/v1/referrals",
        content=b'{"gender": ',
        headers={**api.headers("desk"), "content-type": "application/json"},
    )
    assert paths(response) == {"": "the body is not valid JSON"}


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic ZGVzazpkZXNr"])
def test_broken_json_from_an_unknown_caller_is_a_401(api: Api, authorization: str | None) -> None:
    """FastAPI parses JSON before any dependency runs: without this, a caller nobody
    authenticated would hear what is wrong with its body before hearing it must sign in."""
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    response = api.client.post("/api/v1/referrals", content=b'{"gender": ', headers=headers)
    assert problem(response, 401).get("errors") is None
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_oversized_body_is_refused(api: Api) -> None:
    headers = {**api.headers("desk"), "content-type": "application/json"}
    declared = api.client.post("/api/v1/referrals", content=b" " * (LIMIT + 1), headers=headers)
    problem(declared, 413)

    def chunks() -> Iterator[bytes]:
        for _ in range(8):
            yield b" " * 1024

    streamed = api.client.post("/api/v1/referrals", content=chunks(), headers=headers)
    problem(streamed, 413)


@pytest.mark.parametrize(
    ("declared", "status"),
    [(b"9" * 5000, 200), ("\u00b2".encode("latin-1"), 200), (str(LIMIT + 1).encode(), 413)],
    ids=["5000-digits", "superscript", "plain-and-too-large"],
)
def test_an_odd_declared_length_is_judged_by_the_body_that_arrives(
    declared: bytes, status: int
) -> None:
    """A Content-Length that is no plain number of sane length is not read ahead ("\u00b2"
    passes isdigit, int refuses it and thousands of digits): the body is measured as it
    arrives, and only what comes through the server's own parser reaches this far."""
    sent: list[Message] = []

    async def small_body(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/referrals",
        "headers": [(b"content-length", declared)],
        "query_string": b"",
    }
    anyio.run(BodyLimit(small_body, limit=LIMIT), scope, receive, send)
    assert sent[0]["status"] == status


def test_unknown_routes_and_methods(api: Api) -> None:
    problem(api.get("desk", "/api/v1/nothing-here"), 404)
    # A 405 names every method the path answers, not only the first route's (RFC 9110).
    refused = api.call("desk", "DELETE", "/api/v1/referrals")
    problem(refused, 405)
    assert refused.headers["allow"] == "GET, POST"
    refused = api.call("desk", "PUT", "/api/v1/referrals/C0123456789abcdef")
    problem(refused, 405)
    assert refused.headers["allow"] == "GET, PATCH"


def test_missing_and_bad_tokens(api: Api) -> None:
    problem(api.get(None, "/api/v1/referrals"), 401)
    response = api.client.get("/api/v1/referrals", headers={"Authorization": "Bearer not-a-jwt"})
    assert problem(response, 401)["detail"] == "the bearer token is invalid or has expired"


def test_an_unexpected_failure_is_a_500_problem_without_its_message(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError("secret-value-in-an-exception-message")

    api.app.add_api_route("/explode", explode)
    with caplog.at_level(logging.DEBUG):
        body = problem(api.client.get("/explode"), 500)
    assert "secret-value" not in body["detail"]
    assert "unhandled RuntimeError" in caplog.text
    assert "secret-value" not in caplog.text


def test_every_request_carries_an_id_of_the_services_own(api: Api) -> None:
    """A caller's id could carry a name into the audit trail, or repeat another request's."""
    case = api.ok(api.post("desk", "/api/v1/referrals", referral()), 201)["id"]
    ids = set()
    for given in ("Maria.Popescu.12-03-1995", "bad id\twith tab", None, None):
        headers = {**api.headers("desk"), **({} if given is None else {"X-Request-ID": given})}
        response = api.client.get(f"/api/v1/referrals/{case}", headers=headers)
        assert response.status_code == 200
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
        ids.add(response.headers["x-request-id"])
    assert len(ids) == 4
    rows = api.ok(api.get("auditor", "/api/v1/audit", limit=500, object_id=case))
    stored = {row["request_id"] for row in rows}
    assert "Maria.Popescu.12-03-1995" not in stored
    assert ids <= stored
