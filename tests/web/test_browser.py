"""End to end in headless Chromium: the desk places someone from the login page, shelter staff
update their availability, a planner runs a scenario and opens its report but cannot open a
referral, the capacity board and the shelter's page keep themselves current (the latter without
losing what staff are typing), and all of it in Dutch and in English."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.api.helpers import PASSWORD
from tests.web.browser import (
    VIEWPORT,
    require_chromium,
    screenshot,
    serving,
)
from tests.web.test_planner import SMALL

# What a desk worker must manage from the login page (the measure), with room to spare.
PLACEMENT_SECONDS = 120.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service, with a few people waiting and one place held at shelter S001."""
    require_chromium()
    with serving(tmp_path_factory.mktemp("browser")) as url:
        desk = Api(url, "desk")
        for body in (
            {
                "gender": "male",
                "age": 24,
                "priority": 3,
                "location": {"municipality": "Rotterdam"},
                "languages": ["ro"],
                "exploitation": "labour",
            },
            {
                "gender": "female",
                "age": 19,
                "children": 1,
                "priority": 2,
                "location": {"municipality": "Eindhoven"},
                "conditions": ["pregnancy"],
            },
            {
                "gender": "female",
                "age": 41,
                "location": {"municipality": "Zwolle"},
                "conditions": ["addiction"],
            },
        ):
            desk.call("POST", "/api/v1/referrals", body)
        held = desk.call(
            "POST",
            "/api/v1/referrals",
            {
                "gender": "female",
                "age": 33,
                "programmes": ["cosm"],
                "location": {"municipality": "Den Haag"},
                "languages": ["bg", "en"],
            },
        )
        desk.call("POST", "/api/v1/holds", {"referral_id": held["id"], "shelter_id": "S001"})
        yield url


@pytest.fixture
def page(chromium: Browser, server: str) -> Iterator[Page]:
    """A fresh browser window (no cookies) on a laptop-sized screen."""
    context = chromium.new_context(viewport=VIEWPORT, base_url=server, locale="nl-NL")
    window = context.new_page()
    window.set_default_timeout(15_000)
    yield window
    context.close()


class Api:
    """The HTTP API as one user, with a token from its own login."""

    def __init__(self, url: str, user: str) -> None:
        self.url = url
        login = httpx2.post(
            f"{url}/api/v1/auth/token", data={"username": user, "password": PASSWORD}
        )
        login.raise_for_status()
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One call; it must succeed."""
        response = httpx2.request(method, self.url + path, json=body, headers=self.headers)
        assert response.status_code < 300, response.text
        return response.json()


def log_in(page: Page, user: str) -> None:
    """Log in through the login form, in Dutch."""
    page.goto("/login")
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def unlabelled(page: Page) -> list[str]:
    """The ids of visible form fields without an accessible name."""
    found: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.id || el.name)"""
    )
    return found


def test_the_desk_places_someone_from_the_login_page(page: Page) -> None:
    started = time.monotonic()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.get_by_label("Gebruikersnaam")).to_be_focused()
    page.keyboard.type("desk")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Wachtlijst")).to_be_visible()
    screenshot(page, "desk-waiting-list")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Direct naar de inhoud")).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.get_by_role("link", name="Nieuwe aanmelding").first.click()
    assert unlabelled(page) == []
    page.get_by_role("radio", name="vrouw").check()
    page.get_by_label("Leeftijd").fill("27")
    page.get_by_label("Gemeente waar de persoon nu is").fill("Utrecht")
    page.get_by_label("Gevarenzone 1: gemeente").fill("Rotterdam")
    page.locator("#zone_0_km").fill("30")
    page.get_by_label("Gesproken talen").fill("ro, en")
    page.get_by_role("button", name="Aanmelden en een plaats zoeken").click()

    expect(page.get_by_text("Aangemeld.")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"\d+ opvanglocaties passen"))
    ).to_be_visible()
    screenshot(page, "desk-ranking")
    choice = page.locator("button.first-choice")
    shelter = re.sub(r" vasthouden$", "", choice.inner_text())
    choice.click()

    expect(page.get_by_role("heading", name=f"Vastgehouden bij {shelter}")).to_be_visible()
    timer = page.get_by_role("timer")
    before = timer.inner_text()
    expect(timer).not_to_have_text(before, timeout=3_000)
    assert re.fullmatch(r"1:29:\d\d|1:30:00", timer.inner_text())
    screenshot(page, "desk-hold")
    page.get_by_role("button", name="Intake bevestigen").click()
    expect(page.get_by_role("heading", name=f"Geplaatst bij {shelter}")).to_be_visible()
    assert time.monotonic() - started < PLACEMENT_SECONDS


def test_the_desk_sees_which_single_change_would_open_a_place(page: Page, server: str) -> None:
    """A man with an addiction kept out of Amsterdam: no shelter of the sample network fits him at
    any hour, and the page lists what would open one, the changes that risk his safety marked."""
    desk = Api(server, "desk")
    body = {
        "gender": "male",
        "age": 40,
        "conditions": ["addiction"],
        "location": {"municipality": "Utrecht"},
        "danger_zones": [{"location": {"municipality": "Amsterdam"}, "min_km": 60}],
    }
    case = desk.call("POST", "/api/v1/referrals", body)["id"]
    log_in(page, "desk")
    page.goto(f"/desk/referrals/{case}")
    expect(page.get_by_role("heading", name="Er past nu geen opvanglocatie")).to_be_visible()
    changes = page.locator(".notice.warn li")
    expect(changes.first).to_be_visible()
    badges = page.locator(".notice.warn li .badge").all_inner_texts()
    assert "alleen als de opvang de zorg kan bieden" in badges, badges
    assert badges[-1].startswith("veiligheidsrisico"), badges
    screenshot(page, "desk-nothing-fits")


def held_case(server: str, shelter: str | None = None, **fields: Any) -> tuple[str, str]:
    """A new referral held through the API at ``shelter``, or else at the first shelter its
    ranking offers: (case, shelter)."""
    desk = Api(server, "desk")
    body = {"gender": "female", "age": 30, "location": {"municipality": "Utrecht"}, **fields}
    case: str = desk.call("POST", "/api/v1/referrals", body)["id"]
    if shelter is None:
        ranking = desk.call("POST", f"/api/v1/referrals/{case}/ranking", {})
        shelter = str(ranking["options"][0]["shelter"])
    desk.call("POST", "/api/v1/holds", {"referral_id": case, "shelter_id": shelter})
    return case, shelter


def test_the_desk_releases_a_hold_only_after_saying_yes(page: Page, server: str) -> None:
    """No script needed: the first press asks, "no" keeps the hold, "yes" releases it."""
    case, shelter = held_case(server)
    log_in(page, "desk")
    page.goto(f"/desk/referrals/{case}")
    page.get_by_role("button", name="Reservering vrijgeven").click()
    question = page.get_by_role("alert").filter(has_text=f"De reservering bij {shelter} vrijgeven?")
    expect(question).to_be_visible()
    screenshot(page, "desk-release-question")
    question.get_by_role("link", name="Nee: reservering houden").click()
    expect(page.get_by_role("heading", name=f"Vastgehouden bij {shelter}")).to_be_visible()
    active = Api(server, "desk").call("GET", f"/api/v1/holds?referral_id={case}&status=active")
    assert len(active) == 1

    page.get_by_role("button", name="Reservering vrijgeven").click()
    page.get_by_role("button", name=f"Ja: {shelter} vrijgeven").click()
    expect(page.get_by_text("De reservering is vrijgegeven.")).to_be_visible()
    assert Api(server, "desk").call("GET", f"/api/v1/holds?referral_id={case}&status=active") == []


def test_shelter_staff_update_their_availability(page: Page) -> None:
    log_in(page, "shelter")
    expect(page.get_by_role("heading", name="Opvang S001")).to_be_visible()
    expect(page.get_by_text("spreekt Bulgaars, Engels")).to_be_visible()
    assert unlabelled(page) == []
    page.get_by_label("Nu vrije plaatsen").fill("2")
    page.get_by_label("deze uren:").check()
    page.get_by_label("Intaketijden, één per regel").fill("ma-vr 08:00-19:00\nza 10:00-14:00")
    page.get_by_role("button", name="Beschikbaarheid opslaan").click()

    expect(page.get_by_text("Opgeslagen.")).to_be_visible()
    expect(page.locator(".facts dd").first).to_have_text("2")
    expect(page.get_by_text("ma-vr 08:00-19:00; za 10:00-14:00")).to_be_visible()
    screenshot(page, "shelter")


def test_the_admin_adds_a_shelter_and_changes_it(page: Page) -> None:
    log_in(page, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Opvanglocaties").click()
    page.get_by_role("link", name="Nieuwe opvang").click()
    assert unlabelled(page) == []
    page.get_by_label("Id", exact=True).fill("T900")
    page.get_by_label("Gemeente").fill("Zwolle")
    page.get_by_label("Capaciteit").fill("6")
    page.get_by_label("Talen die het personeel spreekt").fill("Nederlands, Arabisch")
    page.get_by_role("button", name="Opvang toevoegen").click()
    expect(page.get_by_text("Opvang T900 toegevoegd.")).to_be_visible()

    page.get_by_role("link", name="Opvang wijzigen T900").click()
    expect(page.get_by_label("Talen die het personeel spreekt")).to_have_value(
        "Nederlands, Arabisch"
    )
    page.get_by_label("Capaciteit").fill("8")
    page.get_by_label("Tijdelijk gesloten").check()
    screenshot(page, "admin-shelter-form")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    expect(page.get_by_text("Opvang T900 opgeslagen.")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Opvang wijzigen T900"))
    expect(row).to_contain_text("gesloten")
    expect(row.get_by_role("cell").nth(2)).to_have_text("8")
    screenshot(page, "admin-shelters")


def test_a_planner_runs_a_scenario_and_opens_its_report(page: Page, tmp_path: Path) -> None:
    scenario = tmp_path / "four-weeks.yaml"
    scenario.write_bytes(SMALL)
    log_in(page, "planner")
    expect(page.get_by_role("heading", name="Capaciteitsscenario’s")).to_be_visible()
    page.get_by_label("Of upload een scenariobestand (YAML)").set_input_files(str(scenario))
    page.get_by_label("Replicaties").fill("1")
    page.get_by_label(re.compile("Ook het huidige rondbellen")).uncheck()
    page.get_by_role("button", name="Scenario draaien").click()

    expect(page.get_by_role("link", name="Rapport openen")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("aandeel geplaatst in passende opvang")).to_be_visible()
    screenshot(page, "planner-run")
    page.get_by_role("link", name="Rapport openen").click()
    expect(page.get_by_role("heading", name="Four weeks", level=1)).to_be_visible()
    screenshot(page, "planner-report")


def test_a_planner_cannot_open_a_referral(page: Page, server: str) -> None:
    case = Api(server, "desk").call("GET", "/api/v1/referrals")[0]["id"]
    log_in(page, "planner")
    response = page.goto(f"/desk/referrals/{case}")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Niet voor uw rol")).to_be_visible()
    expect(page.get_by_role("link", name="Wachtlijst")).to_have_count(0)
    screenshot(page, "planner-refused")


def test_the_capacity_board_keeps_itself_current(page: Page, server: str) -> None:
    def quicker(route: Route) -> None:
        response = route.fetch()
        route.fulfill(
            response=response, body=response.text().replace('data-every="15"', 'data-every="1"')
        )

    page.route(re.compile(r"/capacity\?"), quicker)
    log_in(page, "desk")
    page.goto("/capacity?gender=female&condition=")
    expect(page.get_by_role("heading", name="Vrije plaatsen")).to_be_visible()
    cell = (
        page.locator("tr", has=page.get_by_role("rowheader", name="Oost-Brabant"))
        .locator("td")
        .first
    )
    before = cell.inner_text()
    screenshot(page, "capacity-board")

    admin = Api(server, "admin")
    shelters = admin.call("GET", "/api/v1/shelters?limit=500")
    target = next(
        s
        for s in shelters
        if s["location"].get("municipality") == "Eindhoven"
        and "female" in s["genders"]
        and s["kind"] != "emergency"  # the first cell is the places for a placement
    )
    admin.call(
        "PATCH",
        f"/api/v1/shelters/{target['id']}/availability",
        {"free": 0 if target["free"] else 1},
    )
    expect(cell).not_to_have_text(before, timeout=5_000)


def refreshing_every_second(route: Route) -> None:
    """The shelter's page as served, with its refresh every second instead of every 30."""
    response = route.fetch()
    route.fulfill(
        response=response, body=response.text().replace('data-every="30"', 'data-every="1"')
    )


def test_the_shelter_page_shows_new_holds_and_keeps_what_staff_type(
    page: Page, server: str
) -> None:
    """The page open at the door shows each place the desk holds without a reload (its time left
    counting down), while what staff are typing into the availability form stays as typed, with
    the focus in it and after it left; a form nobody touched is refreshed with the places now."""
    desk, admin = Api(server, "desk"), Api(server, "admin")
    shelter = admin.call("GET", "/api/v1/shelters/S001")
    room = shelter["capacity"] - shelter["held"] - shelter["placed"]
    admin.call("PATCH", "/api/v1/shelters/S001/availability", {"free": room})
    made: list[str] = []

    def held_by_the_desk() -> str:
        person = {"gender": "female", "age": 33, "programmes": ["cosm"], "languages": ["bg"]}
        case: str = desk.call("POST", "/api/v1/referrals", person)["id"]
        hold = desk.call("POST", "/api/v1/holds", {"referral_id": case, "shelter_id": "S001"})
        made.append(hold["id"])
        return case

    try:
        page.route(re.compile(r"/shelter$"), refreshing_every_second)
        log_in(page, "shelter")
        page.goto("/shelter")
        free = page.get_by_label("Nu vrije plaatsen")
        windows = page.get_by_label("Intaketijden, één per regel")
        free.fill("1")
        windows.fill("za 10:00-14:00")  # the focus stays here
        arrived = page.get_by_role("rowheader", name=held_by_the_desk())
        expect(arrived).to_be_visible(timeout=5_000)
        timer = page.locator("tr", has=arrived).get_by_role("timer")
        expect(timer).to_have_text(re.compile(r"^1:29:\d\d$"))
        expect(free).to_have_value("1")
        expect(windows).to_have_value("za 10:00-14:00")
        expect(windows).to_be_focused()

        page.get_by_role("heading", name="Opvang S001").click()  # the focus leaves the form
        expect(windows).not_to_be_focused()
        expect(page.get_by_role("rowheader", name=held_by_the_desk())).to_be_visible(timeout=5_000)
        expect(free).to_have_value("1")
        expect(windows).to_have_value("za 10:00-14:00")

        page.reload()
        hint = page.locator("#free-hint")
        before = hint.inner_text()
        expect(page.get_by_role("rowheader", name=held_by_the_desk())).to_be_visible(timeout=5_000)
        expect(hint).not_to_have_text(before)
        screenshot(page, "shelter-refreshed")
    finally:  # the later tests see the shelter as the server fixture left it
        for hold_id in made:
            desk.call("POST", f"/api/v1/holds/{hold_id}/release")
        admin.call("PATCH", "/api/v1/shelters/S001/availability", {"free": shelter["free"]})


def test_a_page_whose_session_ended_goes_to_the_login_page_once_nobody_types(page: Page) -> None:
    """A refreshing page whose session ended (logged out elsewhere, timed out) is not filled
    with the login page its fragment now answers with: it goes to the login page itself, and
    not while that would lose what staff typed."""
    page.route(re.compile(r"/shelter$"), refreshing_every_second)
    log_in(page, "shelter")
    page.goto("/shelter")
    free = page.get_by_label("Nu vrije plaatsen")
    shown = free.input_value()
    free.fill(str(int(shown) + 1))
    heading = page.get_by_role("heading", name="Opvang S001")
    heading.click()
    page.context.clear_cookies()
    page.wait_for_timeout(3_000)  # three rounds of the refresh
    expect(heading).to_be_visible()
    expect(free).to_have_value(str(int(shown) + 1))
    expect(page.get_by_role("heading", name="Inloggen bij Safeplace")).to_have_count(0)

    free.fill(shown)
    heading.click()
    expect(page.get_by_role("heading", name="Inloggen bij Safeplace")).to_be_visible()
    expect(heading).to_have_count(0)  # the login page itself, not inside the shelter's


def test_the_pages_in_dutch_and_in_english(page: Page) -> None:
    log_in(page, "desk")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="Wachtlijst")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Waiting list")).to_be_visible()
    screenshot(page, "desk-waiting-list-en")
    page.get_by_role("link", name="New referral").first.click()
    expect(page.get_by_text("Uses alcohol or drugs")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="New referral")).to_be_visible()
    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("heading", name="Nieuwe aanmelding")).to_be_visible()
    expect(page.get_by_text("Gebruikt alcohol of drugs")).to_be_visible()


def test_the_pages_fit_a_tablet(chromium: Browser, server: str) -> None:
    context = chromium.new_context(viewport={"width": 768, "height": 1024}, base_url=server)
    tablet = context.new_page()
    try:
        log_in(tablet, "desk")
        for path in ("/desk", "/desk/referrals/new", "/capacity"):
            tablet.goto(path)
            wide = tablet.evaluate("document.documentElement.scrollWidth")
            assert wide <= 768, (path, wide)
        tablet.context.clear_cookies()
        log_in(tablet, "shelter")
        expect(tablet.get_by_role("heading", name="Opvang S001")).to_be_visible()
        assert tablet.evaluate("document.documentElement.scrollWidth") <= 768
        tablet.locator("#incoming").scroll_into_view_if_needed()
        buttons = tablet.locator("table[aria-labelledby=incoming] button")
        assert buttons.count() >= 2
        frame = tablet.locator(".table-wrap:has(table[aria-labelledby=incoming])").bounding_box()
        assert frame is not None
        for button in buttons.all():
            box = button.bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= frame["x"] + frame["width"], button.inner_text()
        expect(
            tablet.get_by_role("button", name=re.compile(r"^Komt niet: vrijgeven, C"))
        ).to_be_visible()
        screenshot(tablet, "shelter-tablet")
    finally:
        context.close()


def test_the_shelter_page_fits_a_phone(chromium: Browser, server: str) -> None:
    """On a phone the people expected are cards: the buttons to confirm and release sit within
    the screen, not at the end of a table scrolled sideways."""
    context = chromium.new_context(viewport={"width": 375, "height": 740}, base_url=server)
    phone = context.new_page()
    try:
        log_in(phone, "shelter")
        expect(phone.get_by_role("heading", name="Opvang S001")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        assert phone.locator("table[aria-labelledby=incoming] button").count() >= 2
        for table in ("incoming", "living"):
            frame = phone.locator(f".table-wrap:has(table[aria-labelledby={table}])")
            if frame.count():  # nothing to scroll sideways to reach a button
                assert frame.evaluate("e => e.scrollWidth <= e.clientWidth"), table
        screenshot(phone, "shelter-phone")
    finally:
        context.close()


def test_the_api_documentation_works_without_internet(page: Page, server: str) -> None:
    """/docs renders and signs in from the service's own files; any other origin is cut off."""
    elsewhere: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto("/docs")
    ranking = page.locator(".opblock-summary-path", has_text="/ranking")
    expect(ranking.first).to_be_visible()

    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".dialog-ux")
    dialog.locator("#oauth_username").fill("desk")
    dialog.locator("#oauth_password").fill(PASSWORD)
    dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    expect(dialog.locator("button", has_text="Logout")).to_be_visible()
    dialog.locator("button.btn-done").click()

    listing = page.locator("#operations-referrals-list_referrals_api_v1_referrals_get")
    listing.locator(".opblock-summary").click()
    listing.get_by_role("button", name="Try it out").click()
    listing.get_by_role("button", name="Execute").click()
    expect(listing.locator(".live-responses-table tr.response .response-col_status")).to_have_text(
        "200"
    )
    screenshot(page, "api-docs")
    assert elsewhere == []
