"""Logging in and out, the session cookie, CSRF tokens on every form, and the language switch."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from api import accounts
from api.db.tables import AuditRow, EndedWebSessionRow, ReferralRow
from api.web import ended
from api.web.session import COOKIE, LONGEST, WebSession
from tests.api.helpers import PASSWORD, bearer
from tests.web.site import Site, page_routes, text

HOMES = {
    "desk": "/desk",
    "shelter": "/shelter",
    "planner": "/planner",
    "auditor": "/audit",
    "admin": "/admin/shelters",
}


@pytest.mark.parametrize(("user", "home"), sorted(HOMES.items()))
def test_logging_in_opens_the_roles_own_page(site: Site, user: str, home: str) -> None:
    response = site.visitor().login(user)
    assert response.status_code == 303
    assert response.headers["location"] == home


@pytest.mark.parametrize(("user", "home"), sorted(HOMES.items()))
def test_the_start_page_is_the_first_of_the_roles_menu(site: Site, user: str, home: str) -> None:
    """Where a role lands after logging in is its main work: the page its menu leads with."""
    page = site.visitor(user).get(home)
    assert page.status_code == 200
    menu = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', page.text, re.DOTALL)
    assert menu is not None
    first = re.search(r'<a href="([^"]*)"( aria-current="page")?', menu.group(1))
    assert first is not None
    assert first.groups() == (home, ' aria-current="page"')


def test_a_form_sent_without_a_login_leads_back_to_the_start_not_to_the_form(
    site: Site,
) -> None:
    """A form's address only takes posts, so it is not where to go after logging in: the visitor
    starts from their role's own page instead."""
    for path in ("/desk/referrals", "/shelter/availability", "/desk/plan/accept"):
        response = site.visitor().post(path, {})
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login?next=/", path


def test_a_wrong_password_is_said_plainly_and_lets_nobody_in(site: Site) -> None:
    visitor = site.visitor()
    response = visitor.login("desk", "not the password")
    assert response.status_code == 401
    assert "Verkeerde gebruikersnaam of wachtwoord." in text(response)
    assert visitor.get("/desk").headers["location"] == "/login?next=/desk"


def test_page_logins_are_audited_as_the_api_audits_them(site: Site) -> None:
    site.visitor().login("desk", "not the password")
    site.visitor("desk")
    assert site.audit() == [("login", "user", None, "denied"), ("login", "user", None, "ok")]
    auditor = site.visitor("auditor")
    page = text(auditor.get("/audit", actor="desk", action="login"))
    assert page.count("inloggen gebruikersaccount") == 2
    assert "geweigerd" in page


def test_failed_logins_are_throttled_as_the_api_throttles_them(site: Site) -> None:
    visitor = site.visitor()
    limit = site.app.state.settings.login_attempts_per_minute
    statuses = [visitor.login("desk", "wrong").status_code for _ in range(limit + 1)]
    assert statuses == [401] * limit + [429]
    assert "Te veel mislukte pogingen" in text(visitor.login("desk"))


def test_a_page_asks_for_a_login_and_comes_back_after_it(site: Site) -> None:
    visitor = site.visitor()
    assert visitor.get("/desk/plan").headers["location"] == "/login?next=/desk/plan"
    response = visitor.post(
        "/login", {"username": "desk", "password": "a long test password", "next": "/desk/plan"}
    )
    assert response.headers["location"] == "/desk/plan"


def test_a_login_never_sends_the_browser_to_another_site(site: Site) -> None:
    response = site.visitor().post(
        "/login",
        {"username": "desk", "password": "a long test password", "next": "//evil.example/"},
    )
    assert response.headers["location"] == "/desk"


@pytest.mark.parametrize("https", [False, True])
def test_the_session_cookie_is_httponly_strict_and_secure_over_tls(site: Site, https: bool) -> None:
    response = site.visitor(https=https).login("desk")
    cookie = next(
        value for name, value in response.headers.multi_items() if name == "set-cookie"
    ).lower()
    assert cookie.startswith(f"{COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert ("secure" in cookie.split("; ")) is https


def test_a_session_cookie_is_no_bearer_token_and_a_token_no_session(site: Site) -> None:
    visitor = site.visitor("desk")
    cookie = visitor.client.cookies[COOKIE]
    api = visitor.client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {cookie}"})
    assert api.status_code == 401

    stranger = site.visitor()
    stranger.client.cookies.set(COOKIE, bearer("desk")["Authorization"].removeprefix("Bearer "))
    assert stranger.get("/desk").status_code == 303


def test_logging_out_ends_the_session(site: Site) -> None:
    visitor = site.visitor("desk")
    response = visitor.post("/logout", {})
    assert response.headers["location"] == "/login?bye=1"
    assert "U bent uitgelogd." in text(visitor.get("/login", bye=1))
    assert visitor.get("/desk").status_code == 303


def test_a_copy_of_the_cookie_opens_nothing_after_logging_out(site: Site) -> None:
    visitor = site.visitor("desk")
    copied = visitor.client.cookies[COOKIE]
    visitor.post("/logout", {})

    thief = site.visitor()
    thief.client.cookies.set(COOKIE, copied)
    assert thief.get("/desk").headers["location"] == "/login?next=/desk"
    # Another session of the same user is not touched by that logout.
    assert site.visitor("desk").get("/desk").status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        "deactivated and activated",
        "another role and back",
        "a new password",
    ],
)
def test_a_change_to_the_users_access_ends_the_session(site: Site, change: str) -> None:
    """A session cookie lasts up to a shift: one taken before the change must not come back."""
    visitor = site.visitor("desk")
    copied = visitor.client.cookies[COOKIE]
    assert visitor.get("/desk").status_code == 200
    with site.database.session() as session:
        if change == "deactivated and activated":
            accounts.set_active(session, "desk", active=False)
            accounts.set_active(session, "desk", active=True)
        elif change == "another role and back":
            accounts.set_role(session, "desk", role="planner", shelter_id=None)
            accounts.set_role(session, "desk", role="desk", shelter_id=None)
        else:
            accounts.set_password(session, "desk", password=PASSWORD)
    assert visitor.get("/desk").headers["location"] == "/login?next=/desk"
    thief = site.visitor()
    thief.client.cookies.set(COOKIE, copied)
    assert thief.get("/desk").headers["location"] == "/login?next=/desk"
    assert site.visitor("desk").get("/desk").status_code == 200  # a new login works


def test_logging_out_forgets_sessions_whose_cookies_expired_long_ago(site: Site) -> None:
    now = datetime.now(UTC)
    with site.database.session() as session:
        ended.end(session, WebSession.of_user("desk", now - 2 * LONGEST), now - 2 * LONGEST)
        ended.end(session, WebSession.of_user("desk", now - LONGEST / 2), now - LONGEST / 2)
    site.visitor("desk").post("/logout", {})
    with site.database.session() as session:
        untils = session.scalars(select(EndedWebSessionRow.until)).all()
    assert len(untils) == 2
    assert all(until > now for until in untils)


def test_every_form_is_refused_without_its_sessions_token(site: Site) -> None:
    visitors = {user: site.visitor(user) for user in ("desk", "shelter", "planner", "admin")}
    other = site.visitor("desk").token()
    posts = [template for method, template in page_routes(site.app) if method == "POST"]
    assert len(posts) >= 10
    before = _counts(site)
    for template in posts:
        path = template.format(referral_id="C1", hold_id="H1", placement_id="P1", shelter_id="S1")
        user = next(
            (u for u in ("shelter", "planner", "admin") if path.startswith(f"/{u}")), "desk"
        )
        for csrf in ("", "forged", other):
            response = visitors[user].post(path, {"gender": "female", "age": "30"}, csrf=csrf)
            assert response.status_code == 403, (path, csrf)
            assert "Dit formulier is verlopen" in text(response), path
    assert _counts(site) == before


def test_a_token_with_other_characters_is_refused_as_any_wrong_one(site: Site) -> None:
    """A forged token beyond ASCII (a byte the form sent as Latin-1, a line separator) is no
    token: the form is refused as expired, not answered with a fault."""
    visitor = site.visitor("desk")
    token = visitor.token()
    for csrf in ("\x80", "\u2028", token[:-1] + "é"):
        response = visitor.post("/desk/referrals", {"gender": "female", "age": "30"}, csrf=csrf)
        assert response.status_code == 403, csrf
        assert "Dit formulier is verlopen" in text(response)
    assert visitor.post("/login", {"username": "desk"}, csrf="é").status_code == 403


def test_the_login_form_itself_needs_its_token(site: Site) -> None:
    visitor = site.visitor()
    response = visitor.post(
        "/login", {"username": "desk", "password": "a long test password"}, csrf="forged"
    )
    assert response.status_code == 403
    assert visitor.get("/desk").status_code == 303


def test_dutch_by_default_english_on_request_and_remembered(site: Site) -> None:
    visitor = site.visitor("desk")
    dutch = visitor.get("/desk")
    assert '<html lang="nl">' in dutch.text
    assert "Wachtlijst" in text(dutch)

    switched = visitor.post("/language", {"language": "en", "next": "/desk?x=1"})
    assert switched.headers["location"] == "/desk?x=1"
    cookie = switched.headers["set-cookie"].lower()
    assert "safeplace_lang=en" in cookie
    assert "max-age=31536000" in cookie
    english = visitor.get("/desk")
    assert '<html lang="en">' in english.text
    assert "Waiting list" in text(english)
    assert "Wachtlijst" not in text(english)

    visitor.post("/logout", {})
    assert "Log in to Safeplace" in text(visitor.get("/login"))
    visitor.post("/language", {"language": "nl", "next": "/login"})
    assert "Inloggen bij Safeplace" in text(visitor.get("/login"))


def test_an_unknown_language_or_a_foreign_next_page_changes_nothing(site: Site) -> None:
    visitor = site.visitor("desk")
    response = visitor.post("/language", {"language": "fr", "next": "https://evil.example/"})
    assert response.headers["location"] == "/"
    assert "set-cookie" not in response.headers
    assert '<html lang="nl">' in visitor.get("/desk").text


def _counts(site: Site) -> tuple[int, int]:
    """Referrals and audit rows stored: a refused form must change neither."""
    with site.database.session() as session:
        referrals = session.scalar(select(func.count()).select_from(ReferralRow)) or 0
        audit = session.scalar(select(func.count()).select_from(AuditRow)) or 0
    return referrals, audit


def test_a_page_that_does_not_exist_is_said_so_in_the_readers_language(site: Site) -> None:
    desk = site.visitor("desk")
    html = {"accept": "text/html,application/xhtml+xml"}
    missing = desk.client.get("/desk/no-such-page", headers=html)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Niet gevonden" in text(missing)
    # The API's paths, and clients not asking for a page, keep the problem document.
    api = desk.client.get("/api/v1/no-such-thing", headers=html)
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    plain = desk.client.get("/desk/no-such-page")
    assert plain.headers["content-type"] == "application/problem+json"
