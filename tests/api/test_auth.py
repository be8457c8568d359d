"""Logging in: the OAuth2 password flow, token expiry, wrong passwords and their rate limit."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import httpx2
import jwt
import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select, update

from api import accounts, audit_verify, auth
from api.auth import (
    ALGORITHM,
    ISSUER,
    Claims,
    InvalidToken,
    hash_password,
    issue_token,
    read_token,
    verify_password,
)
from api.db.session import Database
from api.db.tables import LoginFailureRow, UserRow
from api.deps import Caller, allow
from api.ratelimit import WINDOW_SECONDS, LoginThrottle, Throttled
from tests.api import server
from tests.api.helpers import (
    OTHER_SHELTER,
    OWN_SHELTER,
    PASSWORD,
    SECRET,
    Api,
    password_hash,
    running_api,
)
from tests.passwords import SERVICE_DUMMY_HASH, SERVICE_HASHER

TOKEN_URL = "/api/v1/auth/token"
ATTEMPTS = 3


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    overrides = {"login_attempts_per_minute": ATTEMPTS, "token_minutes": 15}
    with running_api(database_url, tmp_path / "var", **overrides) as running:
        yield running


def login(api: Api, name: str, password: str) -> tuple[int, dict[str, object]]:
    response = api.client.post(TOKEN_URL, data={"username": name, "password": password})
    return response.status_code, response.json()


def test_the_password_flow_gives_a_working_short_lived_token(api: Api) -> None:
    status, body = login(api, "desk", PASSWORD)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    token = str(body["access_token"])
    claims = read_token(token, secret=SECRET)
    assert (claims.subject, claims.role, claims.shelter_id) == ("desk", "desk", None)
    listed = api.client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200


def test_a_wrong_password_or_unknown_user_is_one_401(api: Api) -> None:
    wrong = api.client.post(TOKEN_URL, data={"username": "desk", "password": "not it at all"})
    unknown = api.client.post(TOKEN_URL, data={"username": "nobody", "password": PASSWORD})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_an_expired_token_is_refused(api: Api) -> None:
    claims = Claims(subject="desk", role="desk", shelter_id=None)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    token, _ = issue_token(claims, secret=SECRET, now=long_ago, lifetime=timedelta(minutes=15))
    response = api.client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "the bearer token is invalid or has expired"


def test_a_token_signed_with_another_key_is_refused(api: Api) -> None:
    claims = Claims(subject="admin", role="admin", shelter_id=None)
    forged, _ = issue_token(
        claims, secret="another-key-" + "x" * 40, now=datetime.now(UTC), lifetime=timedelta(1)
    )
    response = api.client.get("/api/v1/shelters", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_remembered_token_still_expires_on_the_second() -> None:
    claims = Claims(subject="desk", role="desk", shelter_id="S1")
    issued = datetime.now(UTC)
    token, seconds = issue_token(claims, secret=SECRET, now=issued, lifetime=timedelta(minutes=15))
    start = issued.replace(microsecond=0).timestamp()
    assert read_token(token, secret=SECRET) == claims
    assert read_token(token, secret=SECRET, now=start + seconds - 1) == claims
    with pytest.raises(InvalidToken):
        read_token(token, secret=SECRET, now=start + seconds)
    with pytest.raises(InvalidToken):
        read_token(token, secret=SECRET, now=start - 1)
    with pytest.raises(InvalidToken):
        read_token(token, secret="another-key-" + "x" * 40)


@settings(max_examples=60, deadline=None)
@given(
    nbf=st.integers(-7200, 7200),
    iat=st.integers(-7200, 7200),
    exp=st.integers(-7200, 7200),
    reads=st.integers(1, 3),
)
def test_tokens_are_valid_exactly_when_pyjwt_says_so(
    nbf: int, iat: int, exp: int, reads: int
) -> None:
    """Offsets in seconds from now; read more than once to go through the remembered path.

    pyjwt reads the clock itself, so its verdict is for some moment between ``before`` and
    ``after``; the token is read at ``before``. The verdicts can only differ when a claim's time
    falls between the two (the clock passed it during the call): such an example is skipped."""
    now = int(time.time())
    claimed = {"nbf": now + nbf, "iat": now + iat, "exp": now + exp}
    payload: dict[str, object] = {"iss": ISSUER, "sub": "desk", "role": "desk", "shelter": None}
    token = jwt.encode(payload | claimed, SECRET, algorithm=ALGORITHM)
    before = time.time()
    try:
        jwt.decode(token, SECRET, algorithms=[ALGORITHM], issuer=ISSUER)
        expected = True
    except jwt.InvalidTokenError:
        expected = False
    after = time.time()
    assume(not any(before < moment <= after for moment in claimed.values()))
    for _ in range(reads):
        try:
            read_token(token, secret=SECRET, now=before)
            valid = True
        except InvalidToken:
            valid = False
        assert valid == expected


@settings(max_examples=200, deadline=None)
@given(
    nbf=st.integers(0, 3),
    iat=st.integers(0, 3),
    exp=st.integers(0, 6),
    edge=st.sampled_from(["nbf", "iat", "exp"]),
    offset=st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0]),
)
def test_a_token_is_valid_from_its_nbf_and_iat_on_and_until_before_its_exp(
    nbf: int, iat: int, exp: int, edge: str, offset: float
) -> None:
    """The exact edges, read at each claimed time and half a second and a second either side:
    valid from the later of ``nbf`` and ``iat`` (that second included) until ``exp`` (that second
    excluded), as RFC 7519 has it."""
    start = 1_900_000_000
    claimed = {"nbf": start + nbf, "iat": start + iat, "exp": start + exp}
    payload = {"iss": ISSUER, "sub": "desk", "role": "desk", "shelter": None} | claimed
    token = jwt.encode(payload, SECRET, algorithm=ALGORITHM)
    moment = claimed[edge] + offset
    expected = max(claimed["nbf"], claimed["iat"]) <= moment < claimed["exp"]
    try:
        read_token(token, secret=SECRET, now=moment)
        valid = True
    except InvalidToken:
        valid = False
    assert valid == expected, (claimed, moment)


@pytest.mark.parametrize(
    "claims",
    [
        {"role": 1},
        {"role": None},
        {"role": ["desk"]},
        {"shelter": 1},
        {"shelter": True},
        {"shelter": ["S001"]},
        {"nbf": True},
        {"iat": False},
        {"exp": True},
    ],
)
def test_a_token_with_a_claim_of_the_wrong_type_is_refused(claims: dict[str, object]) -> None:
    """A role that is no text, a shelter that is neither text nor null, or a time that is a
    boolean: whoever signed that, it names no user's access."""
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": ISSUER, "sub": "desk", "role": "desk", "shelter": None, "nbf": now}
    payload |= {"iat": now, "exp": now + 600}
    valid = jwt.encode(payload, SECRET, algorithm=ALGORITHM)
    assert read_token(valid, secret=SECRET).role == "desk"
    token = jwt.encode(payload | claims, SECRET, algorithm=ALGORITHM)
    with pytest.raises(InvalidToken):
        read_token(token, secret=SECRET)


@pytest.mark.parametrize("missing", ["exp", "iat", "nbf", "sub", "iss"])
def test_a_token_without_a_required_claim_is_refused(missing: str) -> None:
    """Signed with the service's key, but without an expiry (valid for ever), a subject or any of
    the others: refused as invalid, never an error of the service."""
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": ISSUER, "sub": "desk", "role": "desk", "shelter": None, "nbf": now}
    payload |= {"iat": now, "exp": now + 600}
    assert (
        read_token(jwt.encode(payload, SECRET, algorithm=ALGORITHM), secret=SECRET).role == "desk"
    )
    del payload[missing]
    with pytest.raises(InvalidToken):
        read_token(jwt.encode(payload, SECRET, algorithm=ALGORITHM), secret=SECRET)


@pytest.mark.parametrize("issuer", ["another-service", "Safeplace", ""])
def test_a_token_of_another_issuer_is_refused_even_with_the_right_key(issuer: str) -> None:
    """A service sharing the key (a test server, another deployment) issues no access here."""
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": issuer, "sub": "admin", "role": "admin", "shelter": None, "nbf": now}
    payload |= {"iat": now, "exp": now + 600}
    with pytest.raises(InvalidToken):
        read_token(jwt.encode(payload, SECRET, algorithm=ALGORITHM), secret=SECRET)


@pytest.mark.parametrize(
    "stored",
    [
        PASSWORD,  # a password stored as it is, never hashed
        "$2b$12$" + "a" * 53,  # bcrypt, which the service does not check
        "",
        "$argon2id$",
    ],
)
def test_a_stored_hash_of_no_known_kind_matches_no_password(stored: str) -> None:
    assert verify_password(PASSWORD, stored) is False
    assert verify_password("", stored) is False


def test_a_shelter_claim_of_text_or_null_is_read_as_it_is() -> None:
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": ISSUER, "sub": "s", "role": "shelter", "nbf": now, "iat": now}
    payload |= {"exp": now + 600}
    for shelter in ("S001", None):
        token = jwt.encode(payload | {"shelter": shelter}, SECRET, algorithm=ALGORITHM)
        assert read_token(token, secret=SECRET).shelter_id == shelter


def test_an_unknown_user_costs_one_password_check_as_a_known_one_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """So that response times do not tell which user names exist: without a stored hash the
    password is checked against a dummy hash all the same, and still fails."""
    checked: list[str] = []
    original = Argon2Hasher.verify

    def counting(self: Argon2Hasher, password: str | bytes, hash: str | bytes) -> bool:
        checked.append(str(hash))
        return original(self, password, hash)

    monkeypatch.setattr(Argon2Hasher, "verify", counting)
    stored = hash_password(PASSWORD)
    assert verify_password(PASSWORD, stored)
    assert verify_password(PASSWORD, None) is False
    assert len(checked) == 2
    assert checked[1].startswith("$argon2id$")
    assert checked[1] != stored


def test_a_token_with_a_malformed_time_is_refused() -> None:
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": ISSUER, "sub": "desk", "role": "desk", "shelter": None, "nbf": now}
    token = jwt.encode(payload | {"iat": now, "exp": "tomorrow"}, SECRET, algorithm=ALGORITHM)
    with pytest.raises(InvalidToken):
        read_token(token, secret=SECRET)


def test_a_token_carries_the_login_generation_and_one_without_counts_as_the_first() -> None:
    """Tokens issued before the claim existed stay valid until the user's access changes."""
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": ISSUER, "sub": "desk", "role": "desk", "shelter": None, "nbf": now}
    payload |= {"iat": now, "exp": now + 60}
    older = jwt.encode(payload, SECRET, algorithm=ALGORITHM)
    assert read_token(older, secret=SECRET).generation == 0
    for malformed in (True, "1", 1.5):
        token = jwt.encode(payload | {"gen": malformed}, SECRET, algorithm=ALGORITHM)
        with pytest.raises(InvalidToken):
            read_token(token, secret=SECRET)
    claims = Claims(subject="desk", role="desk", shelter_id=None, generation=3)
    issued, _ = issue_token(
        claims, secret=SECRET, now=datetime.now(UTC), lifetime=timedelta(minutes=5)
    )
    assert read_token(issued, secret=SECRET) == claims


def test_a_deactivated_user_is_out_at_once(api: Api) -> None:
    assert api.get("desk", "/api/v1/referrals").status_code == 200
    with api.database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "desk").values(active=False))
    assert api.get("desk", "/api/v1/referrals").status_code == 401
    assert login(api, "desk", PASSWORD)[0] == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/referrals"),
        ("GET", "/api/v1/referrals/C0123456789abcdef"),
        ("POST", "/api/v1/referrals/C0123456789abcdef/close"),
        ("GET", "/api/v1/holds"),
        ("GET", "/api/v1/placements"),
    ],
)
def test_a_user_no_longer_active_leaves_no_attempt_in_the_trail(
    api: Api, method: str, path: str
) -> None:
    """A token whose user is gone is a 401 before anything is attempted: the trail, which nobody
    can purge, records nothing for it (it records what users did, not what stale tokens tried)."""
    before = len(api.ok(api.get("auditor", "/api/v1/audit", limit=500)))
    with api.database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "desk").values(active=False))
    response = api.call("desk", method, path, json={"reason": "withdrawn"})
    assert response.status_code == 401, response.text
    assert len(api.ok(api.get("auditor", "/api/v1/audit", limit=500))) == before


def test_a_route_that_reads_nothing_still_turns_an_inactive_user_away(api: Api) -> None:
    """Callers are checked against the database at the route's first query; a route that makes
    none has its caller checked before the answer leaves."""

    @api.app.get("/probe")
    def probe(caller: Annotated[Caller, Depends(allow("desk"))]) -> dict[str, str]:
        return {"role": caller.role}

    assert api.ok(api.get("desk", "/probe")) == {"role": "desk"}
    with api.database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "desk").values(active=False))
    assert api.get("desk", "/probe").status_code == 401


def test_an_inactive_user_hears_401_even_for_a_bad_body(api: Api) -> None:
    """A body that does not validate never reaches the route, so the route's first query, where
    the caller is checked, never comes: the caller is checked all the same before the 422, and a
    user no longer active learns nothing about what the request got wrong."""
    bad_referral = {"gender": "female", "age": "twenty", "unknown_field": 1}
    response = api.post("desk", "/api/v1/referrals", json=bad_referral)
    assert response.status_code == 422
    with api.database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "desk").values(active=False))
    response = api.post("desk", "/api/v1/referrals", json=bad_referral)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "errors" not in response.json()
    with api.database.session() as session:  # the refused request left the database free
        session.execute(update(UserRow).where(UserRow.name == "desk").values(active=True))
    assert api.post("desk", "/api/v1/referrals", json=bad_referral).status_code == 422


def test_an_inactive_user_hears_401_before_any_refusal_of_the_route(api: Api) -> None:
    """A route may refuse before its first query (no such scenario, and the shipped ones named):
    a user no longer active must not hear that either."""
    missing = {"scenario": "no-such-scenario"}
    assert api.post("planner", "/api/v1/scenario-runs", json=missing).status_code == 404
    with api.database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "planner").values(active=False))
    response = api.post("planner", "/api/v1/scenario-runs", json=missing)
    assert response.status_code == 401
    assert "baseline" not in response.text


def test_a_token_is_worth_only_the_role_the_user_has_now(api: Api) -> None:
    """A token names a role; once the user's role changes, it opens nothing (not even what both
    roles may do), and a new login gets the new role's rights."""
    token = login(api, "desk", PASSWORD)[1]["access_token"]
    with api.database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "desk").values(role="planner"))
    stale = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/referrals", headers=stale).status_code == 401
    assert api.client.get("/api/v1/capacity", headers=stale).status_code == 401
    assert api.client.get("/api/v1/audit", headers=stale).status_code == 401  # neither role's
    status, body = login(api, "desk", PASSWORD)
    assert status == 200
    renewed = {"Authorization": f"Bearer {body['access_token']}"}
    assert api.client.get("/api/v1/referrals", headers=renewed).status_code == 403
    assert api.client.get("/api/v1/capacity", headers=renewed).status_code == 200


def test_a_new_password_ends_the_tokens_issued_before_it(api: Api) -> None:
    """Whoever knew the old password keeps nothing: role, shelter and activity are unchanged, the
    login generation alone tells the old token from a new one."""
    status, body = login(api, "desk", PASSWORD)
    assert status == 200
    old = {"Authorization": f"Bearer {body['access_token']}"}
    assert api.client.get("/api/v1/referrals", headers=old).status_code == 200
    with api.database.session() as session:
        accounts.set_password(session, "desk", password=PASSWORD + " anew")
    response = api.client.get("/api/v1/referrals", headers=old)
    assert response.status_code == 401, response.text
    status, body = login(api, "desk", PASSWORD + " anew")
    assert status == 200
    renewed = {"Authorization": f"Bearer {body['access_token']}"}
    assert api.client.get("/api/v1/referrals", headers=renewed).status_code == 200


def test_a_token_is_worth_only_the_shelter_the_user_is_at_now(api: Api) -> None:
    """Held to the user's shelter as stored, not only to the login generation: a row moved to
    another shelter by any means (here without the generation counted up) turns the old
    shelter's token away."""
    assert api.get("shelter", f"/api/v1/shelters/{OWN_SHELTER}").status_code == 200
    with api.database.session() as session:
        session.execute(
            update(UserRow).where(UserRow.name == "shelter").values(shelter_id=OTHER_SHELTER)
        )
    response = api.get("shelter", f"/api/v1/shelters/{OWN_SHELTER}")
    assert response.status_code == 401, response.text


def test_failed_logins_are_rate_limited_per_user_and_client(api: Api) -> None:
    for _ in range(ATTEMPTS):
        assert login(api, "desk", "a wrong password")[0] == 401
    response = api.client.post(TOKEN_URL, data={"username": "desk", "password": PASSWORD})
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["retry-after"]) <= WINDOW_SECONDS + 1
    assert login(api, "DESK", PASSWORD)[0] == 429
    assert login(api, "admin", PASSWORD)[0] == 200


def retry_after(throttle: LoginThrottle, name: str, client: str) -> int:
    """What :meth:`LoginThrottle.begin` answers: 0 when it counted the attempt, else the wait."""
    try:
        throttle.begin(name, client)
    except Throttled as throttled:
        return throttled.retry_after
    return 0


def test_the_throttle_forgets_after_a_minute_and_on_success(database: Database) -> None:
    now = [1_000_000.0]
    throttle = LoginThrottle(database, limit=2, secret=SECRET, clock=lambda: now[0])
    assert retry_after(throttle, "Desk", "10.0.0.1") == 0
    assert retry_after(throttle, "desk", "10.0.0.1") == 0
    assert retry_after(throttle, "desk", "10.0.0.1") == WINDOW_SECONDS + 1
    assert retry_after(throttle, "desk", "10.0.0.2") == 0
    now[0] += WINDOW_SECONDS / 2
    assert retry_after(throttle, "desk", "10.0.0.1") == WINDOW_SECONDS / 2 + 1
    now[0] += WINDOW_SECONDS / 2
    assert retry_after(throttle, "desk", "10.0.0.1") == 0
    throttle.succeeded(throttle.begin("desk", "10.0.0.1"))
    assert retry_after(throttle, "desk", "10.0.0.1") == 0
    assert retry_after(throttle, "desk", "10.0.0.1") == 0


def test_the_throttle_counts_attempts_made_at_once_exactly(database: Database) -> None:
    """Each attempt is counted in the same step that reads the count: attempts at the same moment
    cannot all find the count below the limit."""
    throttle = LoginThrottle(database, limit=5, secret=SECRET)
    with ThreadPoolExecutor(max_workers=20) as pool:
        waits = list(pool.map(lambda _: retry_after(throttle, "desk", "10.0.0.1"), range(40)))
    assert waits.count(0) == 5
    assert all(1 <= wait <= WINDOW_SECONDS + 1 for wait in waits if wait)


def test_a_user_name_takes_only_so_many_failures_from_all_clients(database: Database) -> None:
    """Four times the per-client limit by default; then every client waits, the user's own too
    (the trade-off of :mod:`api.ratelimit`), until the window frees up."""
    now = [1_000_000.0]
    throttle = LoginThrottle(database, limit=2, secret=SECRET, clock=lambda: now[0])
    assert throttle.account_limit == 8
    for address in range(4):
        for _ in range(2):
            assert retry_after(throttle, "desk", f"10.0.0.{address}") == 0
        now[0] += 1
    assert retry_after(throttle, "desk", "10.0.0.99") == WINDOW_SECONDS + 1 - 4
    assert retry_after(throttle, "DESK", "10.0.0.98") == WINDOW_SECONDS + 1 - 4
    assert retry_after(throttle, "admin", "10.0.0.99") == 0  # another name is not touched
    now[0] += WINDOW_SECONDS - 4
    assert retry_after(throttle, "desk", "10.0.0.99") == 0


def test_many_clients_get_no_more_than_the_names_limit_of_password_checks(
    api: Api,
) -> None:
    """Through the API: each address gets its own few tries, until the name has had its limit."""
    statuses = []
    for address in range(8):
        with TestClient(api.app, client=(f"192.0.2.{address}", 40000)) as client:
            form = {"username": "desk", "password": "a wrong password"}
            for _ in range(ATTEMPTS):
                statuses.append(client.post(TOKEN_URL, data=form).status_code)
    assert statuses.count(401) == 4 * ATTEMPTS
    assert statuses.count(429) == 8 * ATTEMPTS - 4 * ATTEMPTS
    with TestClient(api.app, client=("192.0.2.200", 40000)) as client:
        right = client.post(TOKEN_URL, data={"username": "desk", "password": PASSWORD})
    assert right.status_code == 429  # the user is kept out too, for at most the minute


def test_logins_made_at_once_get_no_more_password_checks_than_the_limit(
    database_url: str, tmp_path: Path
) -> None:
    """40 wrong passwords for one user at the same moment, on a server of two workers: five
    are checked (401), every other one is refused unchecked (429)."""
    limit = 5  # the default of SAFEPLACE_LOGIN_ATTEMPTS_PER_MINUTE
    with server.running(database_url, tmp_path / "var", workers=2) as running:
        form = {"username": "desk", "password": "a wrong password"}
        url = f"{running.url}{TOKEN_URL}"
        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(
                pool.map(lambda _: httpx2.post(url, data=form, timeout=60).status_code, range(40))
            )
    assert sorted(statuses) == [401] * limit + [429] * (40 - limit)


def test_both_workers_of_a_server_count_the_same_failures(
    database_url: str, tmp_path: Path
) -> None:
    """Each login on a new connection, so that both workers answer some of them; with the count in
    each worker's memory, attempts reaching the other worker would get 401 instead of 429."""
    limit = 5  # the default of SAFEPLACE_LOGIN_ATTEMPTS_PER_MINUTE
    with server.running(database_url, tmp_path / "var", workers=2) as running:
        form = {"username": "desk", "password": "a wrong password"}
        url = f"{running.url}{TOKEN_URL}"
        statuses = [httpx2.post(url, data=form, timeout=30).status_code for _ in range(limit + 8)]
    assert statuses == [401] * limit + [429] * 8


def test_the_throttle_keeps_no_name_and_nothing_older_than_its_window(database: Database) -> None:
    now = [1_000_000.0]
    throttle = LoginThrottle(database, limit=5, secret=SECRET, clock=lambda: now[0])
    throttle.begin("Desk", "10.0.0.1")
    throttle.begin("planner", "10.0.0.9")
    now[0] += WINDOW_SECONDS
    throttle.begin("admin", "10.0.0.7")
    with database.session() as session:
        stored = session.execute(
            select(LoginFailureRow.pair, LoginFailureRow.account, LoginFailureRow.at)
        ).all()
    expected = (throttle.key("admin", "10.0.0.7"), throttle.account_key("admin"), now[0])
    assert [tuple(row) for row in stored] == [expected]
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in expected[:2])
    # Keyed: without the service's secret a guessed name and address give another hash.
    other = LoginThrottle(database, limit=5, secret="another-secret-" + "x" * 40)
    guesses = {
        hashlib.sha256(b"admin\x0010.0.0.7").hexdigest(),
        hashlib.sha256(b"admin").hexdigest(),
        other.key("admin", "10.0.0.7"),
        other.account_key("admin"),
    }
    assert not guesses & {*expected[:2]}


def test_checked_logins_are_in_the_audit_trail_with_the_users_name(api: Api) -> None:
    """So that an account under attack can be seen afterwards: who, when, with what result, never
    the password, and only names of users (a name that is none may be a mistyped password)."""
    assert login(api, "desk", PASSWORD)[0] == 200
    assert login(api, "desk", "desk's wrong password")[0] == 401
    assert login(api, "nobody", "nobody's password")[0] == 401
    assert login(api, "a long test password", PASSWORD)[0] == 401  # typed in the wrong field
    with api.database.session() as session:
        session.execute(update(UserRow).where(UserRow.name == "planner").values(active=False))
    assert login(api, "planner", PASSWORD)[0] == 401  # an inactive user's login is still on record
    for _ in range(ATTEMPTS):
        login(api, "admin", "admin's wrong password")
    assert login(api, "admin", PASSWORD)[0] == 429  # refused unchecked: nothing recorded
    logins = api.ok(api.get("auditor", "/api/v1/audit", action="login", limit=50))
    seen = [(r["actor"], r["role"], r["object_type"], r["object_id"], r["result"]) for r in logins]
    assert seen[::-1] == [
        ("desk", "desk", "user", None, "ok"),
        ("desk", "desk", "user", None, "denied"),
        ("planner", "planner", "user", None, "denied"),
        *[("admin", "admin", "user", None, "denied")] * ATTEMPTS,
    ]
    assert all(row["request_id"] for row in logins)
    trail = api.get("auditor", "/api/v1/audit", limit=500).text
    assert "wrong password" not in trail
    assert PASSWORD not in trail
    assert "nobody" not in trail
    with api.database.session() as session:
        assert audit_verify.verify(session, now=datetime.now(UTC), min_days=730) is None


def test_the_service_hashes_at_argon2ids_full_cost_and_checks_unknown_names_at_it_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tests hash at the lowest cost (:mod:`tests.passwords`); the service must not: 64 MiB,
    3 passes and 4 lanes, and the dummy hash that unknown names are checked against at the same
    cost, so that a wrong name costs as long as a wrong password."""
    monkeypatch.setattr(auth, "_HASHER", SERVICE_HASHER)
    monkeypatch.setattr(auth, "_DUMMY_HASH", SERVICE_DUMMY_HASH)
    full_cost = "$argon2id$v=19$m=65536,t=3,p=4$"
    stored = hash_password(PASSWORD)
    assert stored.startswith(full_cost)
    assert SERVICE_DUMMY_HASH.startswith(full_cost)
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD, None)


def test_passwords_are_stored_as_argon2id(api: Api) -> None:
    """As the service stores a password it is given (the test users' hash is the tests' own)."""
    with api.database.session() as session:
        accounts.set_password(session, "desk", password=PASSWORD)
    with api.database.session() as session:
        stored = session.scalars(select(UserRow).where(UserRow.name == "desk")).one()
        assert stored.password_hash.startswith("$argon2id$")
        assert stored.password_hash != password_hash()
        assert verify_password(PASSWORD, stored.password_hash)
        assert not verify_password(PASSWORD + "x", stored.password_hash)
    assert login(api, "desk", PASSWORD)[0] == 200


def test_a_correct_password_forgets_only_the_failures_of_its_own_client(
    database: Database,
) -> None:
    """The user logging in from one address must not wipe what others have failed for the name:
    an attacker's failures go on counting against the name, and against the attacker's
    address."""
    now = [1_000_000.0]
    throttle = LoginThrottle(
        database, limit=2, account_limit=3, secret=SECRET, clock=lambda: now[0]
    )
    assert retry_after(throttle, "desk", "10.0.0.1") == 0
    assert retry_after(throttle, "desk", "10.0.0.1") == 0
    throttle.succeeded(throttle.begin("desk", "10.0.0.2"))
    assert retry_after(throttle, "desk", "10.0.0.1") == WINDOW_SECONDS + 1
    assert retry_after(throttle, "desk", "10.0.0.3") == 0  # the name's third failure
    assert retry_after(throttle, "desk", "10.0.0.4") == WINDOW_SECONDS + 1


def test_under_a_lowered_limit_the_wait_is_for_the_newest_failures_to_leave(
    database: Database,
) -> None:
    """Failures counted under a higher limit (a server restarted with a lower one) can outnumber
    the new limit: the pair may try again once fewer than the limit are left in the window, that
    is when the newest of them but one have left."""
    now = [1_000_000.0]
    before = LoginThrottle(database, limit=5, secret=SECRET, clock=lambda: now[0])
    for _ in range(5):
        assert retry_after(before, "desk", "10.0.0.1") == 0
        now[0] += 1
    after = LoginThrottle(database, limit=2, secret=SECRET, clock=lambda: now[0])
    # Failures at 0 to 4 s, now at 5 s: below two once the one at 3 s leaves, at 63 s.
    assert retry_after(after, "desk", "10.0.0.1") == WINDOW_SECONDS + 3 - 5 + 1
    now[0] += WINDOW_SECONDS + 3 - 5
    assert retry_after(after, "desk", "10.0.0.1") == 0
