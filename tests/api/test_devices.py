"""Device tokens: a client the user logged in from is not kept out by others' failed logins.

The throttle caps a user name's failures from all clients together; whoever keeps failing for a
name from a few addresses would keep its user out. A device token from an earlier login lets that
client through, counted in a bucket of its own (:mod:`api.devices`, :mod:`api.ratelimit`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, inspect, select

from api import accounts, devices
from api.audit import KNOWN_DEVICE
from api.db.session import Database
from api.db.tables import LoginFailureRow, UserRow
from api.ratelimit import WINDOW_SECONDS, Attempt, LoginThrottle, Throttled
from tests.api.databases import schema_at
from tests.api.helpers import PASSWORD, SECRET, Api, running_api

TOKEN_URL = "/api/v1/auth/token"
ATTEMPTS = 3
OTHER_SECRET = "another-signing-secret-of-enough-length-for-hs256"
NAMES = st.from_regex(r"[a-z0-9][a-z0-9._-]{1,20}", fullmatch=True)
DAY = 86_400.0
LIFETIME = timedelta(days=90)  # the service's default (SAFEPLACE_DEVICE_DAYS)


# -- The token itself -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    name=NAMES,
    generation=st.integers(0, 10**6),
    device_generation=st.integers(0, 10**6),
    days=st.integers(1, 365),
    issued=st.floats(1.0e9, 3.0e9),
    later=st.floats(-2 * devices.CLOCK_SKEW_S, 400 * DAY),
)
def test_a_device_token_is_valid_for_its_user_and_generations_while_young_enough(
    *, name: str, generation: int, device_generation: int, days: int, issued: float, later: float
) -> None:
    """Valid from (the clocks' skew before) its issue, in whole seconds, up to but not including
    ``days`` after it, for the user name in any case and at the login and device generations
    it was issued at; for nothing else."""
    lifetime = timedelta(days=days)
    token = devices.issue(
        name, generation, device_generation=device_generation, secret=SECRET, now=issued
    )

    def valid(user: str, login: int, device: int, secret: str, now: float) -> str | None:
        return devices.device_of(
            token, user, login, device_generation=device, secret=secret, now=now, lifetime=lifetime
        )

    second = int(issued)
    moment = issued + later
    young = second - devices.CLOCK_SKEW_S <= moment < second + lifetime.total_seconds()
    device = valid(name, generation, device_generation, SECRET, moment)
    assert (device is not None) == young
    if young:
        assert device == token.split(".")[0]
        assert valid(name.upper(), generation, device_generation, SECRET, moment)
    assert valid(name + "x", generation, device_generation, SECRET, issued) is None
    assert valid(name, generation + 1, device_generation, SECRET, issued) is None
    assert valid(name, generation, device_generation + 1, SECRET, issued) is None
    assert valid(name, generation, device_generation, OTHER_SECRET, issued) is None


@pytest.mark.parametrize(("issued_at", "presented_at"), [((1, 11), (11, 1)), ((12, 3), (1, 23))])
def test_generations_whose_digits_run_together_are_not_taken_for_each_other(
    issued_at: tuple[int, int], presented_at: tuple[int, int]
) -> None:
    """The MAC covers the two generations apart: a token of login generation 1 and device
    generation 11 is no token at 11 and 1, though both write the digits "111"."""
    now = time.time()
    token = devices.issue(
        "desk", issued_at[0], device_generation=issued_at[1], secret=SECRET, now=now
    )
    login, device = presented_at
    assert (
        devices.device_of(
            token, "desk", login, device_generation=device, secret=SECRET, now=now,
            lifetime=timedelta(days=30),
        )
        is None
    )  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(issued_days_ago=st.floats(0, 365), before=st.integers(1, 365), after=st.integers(1, 365))
def test_a_changed_setting_applies_to_the_tokens_issued_before_it(
    issued_days_ago: float, before: int, after: int
) -> None:
    """An operator who shortens ``SAFEPLACE_DEVICE_DAYS`` ends the older tokens at once; one who
    lengthens it lengthens theirs: the setting of the moment decides, not the one at issue."""
    now = time.time()
    token = devices.issue(
        "desk", 0, device_generation=0, secret=SECRET, now=now - issued_days_ago * DAY
    )
    for days in (before, after):
        device = devices.device_of(
            token,
            "desk",
            0,
            device_generation=0,
            secret=SECRET,
            now=now,
            lifetime=timedelta(days=days),
        )
        age = now - int(now - issued_days_ago * DAY)
        assert (device is not None) == (age < days * DAY)


def first_format(nonce: str, expires: int, generations: str) -> str:
    """A device token as the first format issued it: its expiry, and a MAC under that format's
    label (the login generation alone while no device tokens had been ended)."""
    key = hmac.new(SECRET.encode(), b"safeplace device token", hashlib.sha256).digest()
    message = f"desk\x00{generations}\x00{nonce}\x00{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    mac = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"{nonce}.{expires}.{mac}"


@pytest.mark.parametrize("generations", ["3", "3.0"])
def test_a_device_token_of_the_first_format_counts_as_none(generations: str) -> None:
    """Its number was an expiry; read as a moment of issue it would be valid for another
    lifetime. Under its own MAC label it never passes: the client is remembered again from its
    next login."""
    now = time.time()
    for expires in (int(now) + 3600, int(now) - 60):
        before = first_format("A" * 22, expires, generations)
        assert (
            devices.device_of(
                before, "desk", 3, device_generation=0, secret=SECRET, now=now, lifetime=LIFETIME
            )
            is None
        )


@settings(max_examples=300, deadline=None)
@given(
    name=NAMES,
    position=st.integers(0, 200),
    replacement=st.sampled_from("AZaz09-_.x7"),
)
def test_a_device_token_changed_in_any_character_counts_as_none(
    name: str, position: int, replacement: str
) -> None:
    token = devices.issue(name, 0, device_generation=2, secret=SECRET, now=time.time())

    def valid(presented: str) -> str | None:
        return devices.device_of(
            presented,
            name,
            0,
            device_generation=2,
            secret=SECRET,
            now=time.time(),
            lifetime=LIFETIME,
        )

    at = position % len(token)
    tampered = token[:at] + replacement + token[at + 1 :]
    assert valid(tampered) is None or tampered == token
    # Cut short or lengthened (a moment of issue moved later by one more digit) too.
    for changed in (token[:at], token[:at] + replacement + token[at:]):
        assert valid(changed) is None


def test_a_device_tokens_mac_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A comparison that stops at the first differing character lets whoever can time the login
    find a valid MAC a character at a time: the presented MAC is held against the expected one
    by :func:`hmac.compare_digest` alone, for a forged token as for a valid one."""
    compared: list[tuple[str, str]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    now = time.time()
    token = devices.issue("desk", 0, device_generation=0, secret=SECRET, now=now)
    nonce, issued, mac = token.split(".")
    forged = f"{nonce}.{issued}.{'A' * 43}"
    for presented, expected in ((token, nonce), (forged, None)):
        compared.clear()
        device = devices.device_of(
            presented, "desk", 0, device_generation=0, secret=SECRET, now=now, lifetime=LIFETIME
        )
        assert device == expected
        assert [a for a, _ in compared] == [presented.split(".")[2]]
        assert [b for _, b in compared] == [mac]


def test_a_device_token_is_valid_from_exactly_the_clocks_skew_before_its_issue() -> None:
    """The edges the random test above rarely meets: a token issued further ahead of this host's
    clock than the skew allows counts as none, one just within it counts, and one with anything
    after its MAC is no token."""
    issued = 1_900_000_000

    def valid(presented: str, now: float) -> str | None:
        return devices.device_of(
            presented, "desk", 0, device_generation=0, secret=SECRET, now=now, lifetime=LIFETIME
        )

    token = devices.issue("desk", 0, device_generation=0, secret=SECRET, now=issued)
    earliest = issued - devices.CLOCK_SKEW_S
    assert valid(token, earliest) == token.split(".")[0]
    assert valid(token, earliest - 0.5) is None
    assert valid(token, earliest - 1) is None
    assert valid(token, issued - 3600) is None
    assert valid(token, issued - 86_400) is None
    for suffix in ("A", ".", "=", " ", "\n"):
        assert valid(token + suffix, issued) is None


@settings(max_examples=200, deadline=None)
@given(presented=st.text(max_size=devices.MAX_LENGTH))
def test_anything_else_presented_counts_as_no_device_token(presented: str) -> None:
    now = time.time()
    assert (
        devices.device_of(
            presented, "desk", 0, device_generation=0, secret=SECRET, now=now, lifetime=LIFETIME
        )
        is None
    )


@settings(max_examples=100, deadline=None)
@given(name=st.from_regex(r"[a-z0-9][a-z0-9._-]{5,40}", fullmatch=True))
def test_a_device_token_names_nobody_and_each_login_gets_another(name: str) -> None:
    """A random nonce, the moment of issue and a MAC: nothing in it is the user's, and two of them
    for the same user have nothing in common but the moment's digits."""
    now = time.time()
    first, second = (
        devices.issue(name, 0, device_generation=0, secret=SECRET, now=now) for _ in range(2)
    )
    assert name not in first
    assert len(first) <= devices.MAX_LENGTH
    nonce, issued, mac = first.split(".")
    assert (len(nonce), len(mac)) == (22, 43)
    assert int(issued) == int(now)
    assert first.split(".")[0] != second.split(".")[0]
    assert first.split(".")[2] != second.split(".")[2]


# -- The throttle's device buckets ------------------------------------------------------------


def retry_after(throttle: LoginThrottle, name: str, client: str, device: str | None) -> int:
    """What :meth:`LoginThrottle.begin` answers: 0 when it counted the attempt, else the wait."""
    try:
        throttle.begin(name, client, device=device)
    except Throttled as throttled:
        return throttled.retry_after
    return 0


def test_a_known_devices_attempts_count_for_the_device_alone(database: Database) -> None:
    now = [1_000_000.0]
    throttle = LoginThrottle(database, limit=2, secret=SECRET, clock=lambda: now[0])
    for address in range(4):  # the name's cap of 8 reached from four addresses
        for _ in range(2):
            assert retry_after(throttle, "desk", f"10.0.0.{address}", None) == 0
    assert retry_after(throttle, "desk", "10.0.0.99", None) == WINDOW_SECONDS + 1
    # A known device is not held up by the name's cap, from any address, nor by its own pair.
    assert retry_after(throttle, "desk", "10.0.0.0", "device-a") == 0
    assert retry_after(throttle, "desk", "10.0.0.99", "device-a") == 0
    # Its limit is its own: then it waits as a pair does; another device does not.
    assert retry_after(throttle, "desk", "10.0.0.98", "device-a") == WINDOW_SECONDS + 1
    assert retry_after(throttle, "DESK", "10.0.0.98", "device-b") == 0
    # Its right password clears its own failures only; the name stays capped for the others.
    throttle.succeeded(throttle.begin("desk", "10.0.0.98", device="device-b"))
    assert retry_after(throttle, "desk", "10.0.0.98", "device-a") == WINDOW_SECONDS + 1
    assert retry_after(throttle, "desk", "10.0.0.97", None) == WINDOW_SECONDS + 1
    now[0] += WINDOW_SECONDS
    assert retry_after(throttle, "desk", "10.0.0.98", "device-a") == 0


def test_a_known_devices_failures_leave_the_names_count_alone(database: Database) -> None:
    now = [1_000_000.0]
    throttle = LoginThrottle(
        database, limit=3, account_limit=3, secret=SECRET, clock=lambda: now[0]
    )
    for device in ("device-a", "device-b"):
        for _ in range(3):
            assert retry_after(throttle, "desk", "10.0.0.1", device) == 0
    for address in range(3):  # all three of the name's failures are still there
        assert retry_after(throttle, "desk", f"10.0.0.{address}", None) == 0
    assert retry_after(throttle, "desk", "10.0.0.9", None) == WINDOW_SECONDS + 1


def test_device_attempts_made_at_once_are_counted_exactly(database: Database) -> None:
    """A stolen device token sent 40 times at once gets the per-client limit of checks."""
    throttle = LoginThrottle(database, limit=5, secret=SECRET)
    with ThreadPoolExecutor(max_workers=20) as pool:
        waits = list(
            pool.map(lambda n: retry_after(throttle, "desk", f"10.0.{n}.1", "device-a"), range(40))
        )
    assert waits.count(0) == 5


def test_a_devices_failures_are_stored_under_its_keyed_hash_alone(database: Database) -> None:
    throttle = LoginThrottle(database, limit=5, secret=SECRET)
    throttle.begin("desk", "10.0.0.1", device="device-a")
    with database.session() as session:
        stored = session.execute(select(LoginFailureRow.pair, LoginFailureRow.account)).all()
    key = throttle.device_key("device-a")
    assert [tuple(row) for row in stored] == [(key, key)]
    assert key not in {throttle.key("desk", "10.0.0.1"), throttle.account_key("desk")}
    other = LoginThrottle(database, limit=5, secret=OTHER_SECRET)
    assert other.device_key("device-a") != key


@dataclass
class Reference:
    """The throttle written the slow, obvious way: every failure a (bucket, name, time) record;
    a device's failure has no name, so it never counts for one."""

    limit: int
    account_limit: int
    failures: list[tuple[tuple[str, ...], str | None, float]] = field(default_factory=list)

    def begin(
        self, name: str, client: str, device: str | None, now: float
    ) -> tuple[tuple[str, ...], int]:
        """The attempt's bucket, and the wait (0: counted as a failure until it succeeds)."""
        bucket = ("device", device) if device else ("pair", name.casefold(), client)
        counted = [(bucket, self.limit)]
        if device is None:
            counted.append((("name", name.casefold()), self.account_limit))
        waits = [self._wait(key, limit, now) for key, limit in counted]
        if max(waits):
            return bucket, max(waits)
        self.failures.append((bucket, None if device else name.casefold(), now))
        return bucket, 0

    def succeeded(self, bucket: tuple[str, ...]) -> None:
        self.failures = [f for f in self.failures if f[0] != bucket]

    def _times(self, key: tuple[str, ...]) -> list[float]:
        if key[0] == "name":
            return [at for _, name, at in self.failures if name == key[1]]
        return [at for bucket, _, at in self.failures if bucket == key]

    def _wait(self, key: tuple[str, ...], limit: int, now: float) -> int:
        """0 when fewer than ``limit`` failures are less than a window old; else the first whole
        second from now at which that holds even counting a failure exactly a window old."""
        times = self._times(key)
        if sum(at > now - WINDOW_SECONDS for at in times) < limit:
            return 0
        wait = 1
        while sum(at >= now + wait - WINDOW_SECONDS for at in times) >= limit:
            wait += 1
        return wait


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["desk", "Desk", "admin"]),
        st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
        st.sampled_from([None, None, "device-a", "device-b"]),
        st.booleans(),  # the password was right
        st.sampled_from([0.0, 0.0, 0.5, 1.0, 7.0, 30.0, 59.5, 60.0]),  # seconds before it
    ),
    max_size=40,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limit=st.integers(1, 3), factor=st.integers(1, 3), steps=STEPS)
def test_the_throttle_answers_as_the_reference_does(
    database: Database,
    limit: int,
    factor: int,
    steps: list[tuple[str, str, str | None, bool, float]],
) -> None:
    """Random logins, from addresses and known devices, right and wrong, at random moments: the
    throttle refuses exactly when the reference does, with the same wait."""
    with database.session() as session:
        session.execute(delete(LoginFailureRow))
    now = [1_000_000.0]
    throttle = LoginThrottle(
        database, limit, account_limit=limit * factor, secret=SECRET, clock=lambda: now[0]
    )
    reference = Reference(limit, limit * factor)
    for name, client, device, right, before in steps:
        now[0] += before
        bucket, expected = reference.begin(name, client, device, now[0])
        attempt: Attempt | None = None
        try:
            attempt = throttle.begin(name, client, device=device)
        except Throttled as throttled:
            waited = throttled.retry_after
        else:
            waited = 0
        assert waited == expected, (name, client, device, now[0])
        if attempt is not None and right:
            throttle.succeeded(attempt)
            reference.succeeded(bucket)


# -- Through the API --------------------------------------------------------------------------


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    with running_api(database_url, tmp_path / "var", login_attempts_per_minute=ATTEMPTS) as api:
        yield api


def login_from(
    api: Api, address: str, name: str, password: str, device_token: str | None = None
) -> tuple[int, Any]:
    """A login from ``address``, with ``device_token`` if given: the status and the body."""
    form = {"username": name, "password": password}
    if device_token is not None:
        form["device_token"] = device_token
    response = TestClient(api.app, client=(address, 40000)).post(TOKEN_URL, data=form)
    return response.status_code, response.json()


def device_token(api: Api, name: str = "desk") -> str:
    """The device token of a successful login of ``name`` from the user's own address."""
    status, body = login_from(api, "198.51.100.7", name, PASSWORD)
    assert status == 200
    return str(body["device_token"])


def attack(api: Api, name: str) -> None:
    """Wrong passwords for ``name`` from eight addresses, until the name takes no more."""
    statuses = [
        login_from(api, f"192.0.2.{address}", name, "a wrong password")[0]
        for address in range(8)
        for _ in range(ATTEMPTS)
    ]
    assert statuses.count(401) == 4 * ATTEMPTS


def logins(api: Api) -> list[tuple[str, str | None, str]]:
    """The audit trail's login rows, oldest first: (actor, object id, result)."""
    rows = api.ok(api.get("auditor", "/api/v1/audit", action="login", limit=500))
    return [(row["actor"], row["object_id"], row["result"]) for row in rows[::-1]]


def test_the_user_on_a_known_device_logs_in_while_others_fail_for_the_name(api: Api) -> None:
    known = device_token(api)
    attack(api, "desk")
    # Without the device token the user is kept out, from any address (the trade-off as before).
    assert login_from(api, "198.51.100.7", "desk", PASSWORD)[0] == 429
    assert login_from(api, "203.0.113.1", "desk", PASSWORD)[0] == 429
    # With it, in, from wherever the device is now; and handed a new one, which works too.
    status, body = login_from(api, "203.0.113.1", "desk", PASSWORD, known)
    assert status == 200
    renewed = str(body["device_token"])
    assert renewed != known
    assert login_from(api, "203.0.113.2", "desk", PASSWORD, renewed)[0] == 200
    # The attack goes on: still refused without a device token.
    assert login_from(api, "203.0.113.3", "desk", PASSWORD)[0] == 429
    rows = logins(api)
    assert rows[0] == ("desk", None, "ok")
    assert rows[-2:] == [("desk", KNOWN_DEVICE, "ok")] * 2
    assert all(row == ("desk", None, "denied") for row in rows[1:-2])
    trail = api.get("auditor", "/api/v1/audit", limit=500).text
    assert known not in trail
    assert renewed not in trail


def _invalid_token(api: Api, kind: str) -> str:
    """A device token for ``desk`` that must count as none, of the given kind."""
    now = time.time()
    if kind == "forged":
        return devices.issue("desk", 0, device_generation=0, secret=OTHER_SECRET, now=now)
    if kind == "expired":
        earlier = now - LIFETIME.total_seconds()
        return devices.issue("desk", 0, device_generation=0, secret=SECRET, now=earlier)
    if kind == "another user's":
        return device_token(api, "admin")
    if kind == "tampered":
        nonce, issued, mac = device_token(api).split(".")
        return f"{nonce}.{int(issued) + 1}.{mac}"
    if kind == "malformed":
        return "not a device token"
    known = device_token(api)
    with api.database.session() as session:
        if kind == "before a new password":
            accounts.set_password(session, "desk", password=PASSWORD)
        elif kind == "before the operator ended the user's device tokens":
            accounts.end_devices(session, "desk")
        elif kind == "before another role and back":
            accounts.set_role(session, "desk", role="planner", shelter_id=None)
            accounts.set_role(session, "desk", role="desk", shelter_id=None)
        else:
            accounts.set_active(session, "desk", active=False)
            accounts.set_active(session, "desk", active=True)
    return known


INVALID = [
    "forged",
    "expired",
    "another user's",
    "tampered",
    "malformed",
    "before a new password",
    "before the operator ended the user's device tokens",
    "before another role and back",
    "before deactivated and activated",
]


@pytest.mark.parametrize("kind", INVALID)
def test_an_invalid_device_token_counts_as_none(api: Api, kind: str) -> None:
    """Under attack it lets nobody through; otherwise the login goes as one without a token
    (and gets a valid one)."""
    token = _invalid_token(api, kind)
    before = len(logins(api))
    status, body = login_from(api, "203.0.113.1", "desk", PASSWORD, token)
    assert status == 200
    assert logins(api)[before:] == [("desk", None, "ok")]
    attack(api, "desk")
    assert login_from(api, "203.0.113.1", "desk", PASSWORD, token)[0] == 429
    assert login_from(api, "203.0.113.1", "desk", PASSWORD, str(body["device_token"]))[0] == 200


def test_a_device_tokens_own_failures_lock_it_after_the_limit(api: Api) -> None:
    """So that a stolen device token gives no more guesses than one client has; its failures are
    its own, neither the name's nor its address's."""
    known = device_token(api)
    statuses = [
        login_from(api, f"203.0.113.{n}", "desk", "a wrong password", known)[0]
        for n in range(ATTEMPTS + 2)
    ]
    assert statuses == [401] * ATTEMPTS + [429] * 2
    assert login_from(api, "203.0.113.9", "desk", PASSWORD, known)[0] == 429
    assert logins(api)[1:] == [("desk", KNOWN_DEVICE, "denied")] * ATTEMPTS
    # Without it the user still gets in, from the very address it failed from.
    status, body = login_from(api, "203.0.113.0", "desk", PASSWORD)
    assert status == 200
    # A newer device token of the user's is another device, with its own count.
    assert login_from(api, "203.0.113.0", "desk", PASSWORD, str(body["device_token"]))[0] == 200


def test_a_device_token_too_long_to_be_one_is_refused_naming_the_field(api: Api) -> None:
    status, body = login_from(api, "203.0.113.1", "desk", PASSWORD, "x" * (devices.MAX_LENGTH + 1))
    assert status == 422
    assert [error["path"] for error in body["errors"]] == ["device_token"]


def test_the_device_days_setting_is_how_long_a_device_token_is_valid(
    database_url: str, tmp_path: Path
) -> None:
    with running_api(database_url, tmp_path / "var", device_days=7) as api:
        before = time.time()
        token = device_token(api)
        after = time.time()
        issued = int(token.split(".")[1])
        assert int(before) <= issued <= int(after)
        expires = issued + int(timedelta(days=7).total_seconds())
        with api.database.session() as session:
            user = accounts.find_active(session, "desk")
        assert user is not None

        def valid(now: float) -> str | None:
            return devices.device_of(
                token,
                "desk",
                user.generation,
                device_generation=user.device_generation,
                secret=SECRET,
                now=now,
                lifetime=api.app.state.settings.device_lifetime(),
            )

        assert valid(expires - 1) is not None
        assert valid(expires) is None


def test_the_device_days_setting_of_now_decides_for_a_token_issued_before(
    database_url: str, tmp_path: Path
) -> None:
    """A service restarted with a shorter ``SAFEPLACE_DEVICE_DAYS`` no longer knows a client whose
    token is older than that, though it was issued when 90 days were allowed; a younger one it
    still knows."""
    var = tmp_path / "var"
    with running_api(database_url, var, device_days=7, login_attempts_per_minute=ATTEMPTS) as api:
        now = time.time()
        older, younger = (
            devices.issue("desk", 0, device_generation=0, secret=SECRET, now=now - days * DAY)
            for days in (8, 6)
        )
        before = len(logins(api))
        for token in (older, younger):
            assert login_from(api, "203.0.113.1", "desk", PASSWORD, token)[0] == 200
        assert [row[1] is not None for row in logins(api)[before:]] == [False, True]
        attack(api, "desk")
        assert login_from(api, "203.0.113.1", "desk", PASSWORD, older)[0] == 429
        assert login_from(api, "203.0.113.1", "desk", PASSWORD, younger)[0] == 200


def test_ending_a_users_device_tokens_ends_theirs_alone(api: Api) -> None:
    """A desk computer lost: its device token lets nobody past an attack on the name any more,
    while the user's password and access token go on working, the other users' device tokens
    are untouched, and a login afterwards hands out a device token that works."""
    status, body = login_from(api, "198.51.100.7", "desk", PASSWORD)
    assert status == 200
    lost, access = str(body["device_token"]), str(body["access_token"])
    admins = device_token(api, "admin")
    with api.database.session() as session:
        accounts.end_devices(session, "desk")
    renewed = device_token(api)
    attack(api, "desk")
    attack(api, "admin")
    assert login_from(api, "203.0.113.1", "desk", PASSWORD, lost)[0] == 429
    assert login_from(api, "203.0.113.1", "desk", PASSWORD, renewed)[0] == 200
    assert login_from(api, "203.0.113.1", "admin", PASSWORD, admins)[0] == 200
    headers = {"Authorization": f"Bearer {access}"}
    assert api.client.get("/api/v1/referrals", headers=headers).status_code == 200
    assert logins(api)[-2:] == [("desk", KNOWN_DEVICE, "ok"), ("admin", KNOWN_DEVICE, "ok")]


def test_ending_the_device_tokens_of_a_name_that_is_nobodys_is_refused(api: Api) -> None:
    with api.database.session() as session, pytest.raises(accounts.AccountError) as refused:
        accounts.end_devices(session, "nobody")
    assert str(refused.value) == "no user 'nobody'"


def test_the_device_generation_migration_starts_every_stored_user_at_0(
    database: Database,
) -> None:
    with database.session() as session:
        user = accounts.add_user(
            session,
            name="anna",
            role="desk",
            shelter_id=None,
            password=PASSWORD,
            now=datetime.now(UTC),
        )
        user.device_generation = 5
    schema_at(database, "0011")
    columns = {column["name"] for column in inspect(database.engine).get_columns("users")}
    assert "device_generation" not in columns
    assert "login_generation" in columns
    database.migrate()
    with database.session() as session:
        kept = session.scalars(select(UserRow.device_generation).where(UserRow.name == "anna"))
        assert kept.one() == 0
