"""The login page's device cookie: a browser the user logged in from before is not kept out by
others' failed logins for the name, and logging out does not forget it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import devices
from api.audit import KNOWN_DEVICE
from api.web import device_cookie
from api.web.session import COOKIE
from tests.api.helpers import SECRET
from tests.web.site import Site, Visitor, running_site, text

HINT = "In een browser waarin u de afgelopen 90 dagen hebt ingelogd"


def attack(site: Site, name: str) -> None:
    """Wrong passwords for ``name`` through the login page from eight addresses, until the name
    takes no more."""
    limit = site.app.state.settings.login_attempts_per_minute
    statuses = [
        stranger(site, f"192.0.2.{address}").login(name, "a wrong password").status_code
        for address in range(8)
        for _ in range(limit)
    ]
    assert statuses.count(401) == 4 * limit


def stranger(site: Site, address: str) -> Visitor:
    """A new browser at ``address``."""
    client = TestClient(site.app, client=(address, 40000), follow_redirects=False)
    return Visitor(client)


def set_cookies(response_headers: list[tuple[str, str]]) -> dict[str, str]:
    """The cookies a response sets, by name: the whole header, lower case."""
    found = {}
    for name, value in response_headers:
        if name == "set-cookie":
            found[value.split("=", 1)[0]] = value.lower()
    return found


@pytest.mark.parametrize("https", [False, True])
def test_the_device_cookie_is_long_lived_for_the_login_form_only_httponly_strict_and_secure(
    site: Site, https: bool
) -> None:
    response = site.visitor(https=https).login("desk")
    cookies = set_cookies(response.headers.multi_items())
    name = device_cookie.cookie_name("desk", SECRET)
    assert set(cookies) == {COOKIE, name}
    cookie = cookies[name]
    attributes = cookie.split("; ")
    assert f"max-age={90 * 24 * 3600}" in attributes  # SAFEPLACE_DEVICE_DAYS's default
    assert "path=/login" in attributes
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert ("secure" in attributes) is https
    assert "desk" not in name
    assert "desk" not in cookie


def test_logging_out_keeps_the_device_cookie(site: Site) -> None:
    visitor = site.visitor("desk")
    name = device_cookie.cookie_name("desk", SECRET)
    kept = visitor.client.cookies[name]
    response = visitor.post("/logout", {})
    assert name not in set_cookies(response.headers.multi_items())
    assert visitor.client.cookies[name] == kept
    assert COOKIE not in visitor.client.cookies


def test_a_browser_the_user_logged_in_from_lets_them_in_while_others_fail(site: Site) -> None:
    known = site.visitor("desk")
    known.post("/logout", {})
    attack(site, "desk")
    refused = site.visitor().login("desk")
    assert refused.status_code == 429
    assert "Te veel mislukte pogingen" in text(refused)
    assert HINT in text(refused)
    response = known.login("desk")
    assert response.status_code == 303
    assert response.headers["location"] == "/desk"
    assert known.get("/desk").status_code == 200
    limit = site.app.state.settings.login_attempts_per_minute
    assert [row for row in site.audit() if row[0] == "login"] == [
        ("login", "user", None, "ok"),  # before the browser had a device cookie
        *[("login", "user", None, "denied")] * 4 * limit,
        ("login", "user", KNOWN_DEVICE, "ok"),
    ]
    page = text(site.visitor("auditor").get("/audit", actor="desk", action="login"))
    assert page.count("gebruikersaccount (bekend apparaat)") == 1


def test_a_shared_computer_keeps_each_users_device_cookie(site: Site) -> None:
    """A desk computer used by a shift: each user's own login lets them in under attack."""
    shared = site.visitor("desk")
    shared.post("/logout", {})
    shared.login("admin")
    shared.post("/logout", {})
    attack(site, "desk")
    attack(site, "admin")
    for user, home in (("desk", "/desk"), ("admin", "/admin/shelters")):
        response = shared.login(user)
        assert response.headers.get("location") == home, user
        shared.post("/logout", {})


@pytest.mark.parametrize("kind", ["another user's", "tampered", "expired"])
def test_a_device_cookie_not_valid_for_the_user_counts_as_none(site: Site, kind: str) -> None:
    visitor = site.visitor("admin")
    name = device_cookie.cookie_name("desk", SECRET)
    admins = visitor.client.cookies[device_cookie.cookie_name("admin", SECRET)]
    if kind == "another user's":
        value = admins
    elif kind == "tampered":
        nonce, issued, mac = site.visitor("desk").client.cookies[name].split(".")
        value = f"{nonce}.{int(issued) + 1}.{mac}"
    else:
        value = devices.issue("desk", 0, device_generation=0, secret=SECRET, now=0.0)
    visitor.client.cookies.set(name, value, path="/login")
    attack(site, "desk")
    assert visitor.login("desk").status_code == 429


def test_a_device_cookie_that_keeps_failing_is_locked_like_a_browser(site: Site) -> None:
    """Its own failures lock it after the per-client limit, and then the page does not suggest
    the known browser it already is."""
    known = site.visitor("desk")
    known.post("/logout", {})
    limit = site.app.state.settings.login_attempts_per_minute
    statuses = [known.login("desk", "a wrong password").status_code for _ in range(limit)]
    assert statuses == [401] * limit
    refused = known.login("desk")
    assert refused.status_code == 429
    assert HINT not in text(refused)


def test_the_device_cookie_is_kept_as_many_days_as_the_service_is_set_to(tmp_path: Path) -> None:
    with running_site(tmp_path / "var", device_days=7) as site:
        response = site.visitor().login("desk")
        attributes = set_cookies(response.headers.multi_items())[
            device_cookie.cookie_name("desk", SECRET)
        ].split("; ")
        assert f"max-age={7 * 24 * 3600}" in attributes
        attack(site, "desk")
        refused = site.visitor().login("desk")
        assert refused.status_code == 429
        assert "In een browser waarin u de afgelopen 7 dagen hebt ingelogd" in text(refused)
