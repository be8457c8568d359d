"""Every main page passes an automated WCAG 2.1 A and AA audit (axe-core) in Dutch and English.

Public services in the Netherlands must meet WCAG 2.1 AA. axe-core finds what a machine can
(names, labels, contrast, structure, ARIA); keyboard use, focus order and the tablet width are
checked by the end-to-end tests in ``test_browser.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from api.web.i18n import COOKIE as LANGUAGE_COOKIE
from api.web.i18n import LANGUAGES
from tests.web.browser import VIEWPORT, require_chromium, serving
from tests.web.test_browser import Api, held_case, log_in
from tests.web.test_planner import SMALL

# The rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# Each role's pages ("{case}" is a waiting referral).
PAGES = {
    "desk": (
        "/desk",
        "/desk/referrals/new",
        "/desk/referrals/{case}",
        "/desk/referrals/{case}/edit",
        "/desk/plan",
    ),
    "shelter": ("/shelter",),
    "planner": ("/planner", "/capacity"),
    "auditor": ("/audit",),
    "admin": ("/capacity", "/admin/shelters", "/admin/shelters/new", "/admin/shelters/S001/edit"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The service with one person waiting; its URL and the person's case id."""
    require_chromium()
    with serving(tmp_path_factory.mktemp("accessibility")) as url:
        desk = Api(url, "desk")
        body = {
            "gender": "male",
            "age": 24,
            "priority": 3,
            "location": {"municipality": "Rotterdam"},
            "conditions": ["addiction", "psychiatric"],
        }
        case: str = desk.call("POST", "/api/v1/referrals", body)["id"]
        yield url, case


@pytest.fixture
def page(chromium: Browser, server: tuple[str, str]) -> Iterator[Page]:
    """A fresh browser window (no cookies) on a laptop-sized screen."""
    context = chromium.new_context(viewport=VIEWPORT, base_url=server[0], locale="nl-NL")
    window = context.new_page()
    window.set_default_timeout(15_000)
    yield window
    context.close()


def read_in(page: Page, language: str) -> None:
    """Show the pages from now on in ``language`` (Dutch is the default), on every path: a
    cookie given the page's own address would hold only below its folder (``/admin/``)."""
    site = urljoin(page.url, "/")
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": site}])


def violations(page: Page) -> list[str]:
    """Each WCAG A/AA rule the page breaks, with the elements that break it."""
    results: dict[str, Any] = Axe().run(page, options=WCAG_AA).response
    return [
        f"{rule['id']} ({rule['impact']}): {[node['target'] for node in rule['nodes']]}"
        for rule in results["violations"]
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_login_page_passes(page: Page, language: str) -> None:
    page.goto("/login")
    read_in(page, language)
    page.reload()
    assert violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_page_of_each_role_passes(
    page: Page, server: tuple[str, str], role: str, language: str
) -> None:
    log_in(page, role)
    read_in(page, language)
    found = {}
    for path in PAGES[role]:
        page.goto(path.format(case=server[1]))
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == language
        found[path] = violations(page)
    assert found == {path: [] for path in PAGES[role]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_questions_before_a_place_is_given_up_pass(
    page: Page, server: tuple[str, str], language: str
) -> None:
    """The box that asks before a release or a departure (api.web.confirm), on the desk's case
    page and on the shelter's page."""
    url = server[0]
    case, _shelter = held_case(url)
    # A place at the shelter user's own shelter, for each language's run.
    Api(url, "admin").call("PATCH", "/api/v1/shelters/S001/availability", {"free": 1})
    cosm, _ = held_case(url, "S001", programmes=["cosm"])
    desk = Api(url, "desk")
    hold = desk.call("GET", f"/api/v1/holds?referral_id={cosm}&status=active")[0]
    placement = desk.call("POST", f"/api/v1/holds/{hold['id']}/confirm")["id"]
    log_in(page, "desk")
    read_in(page, language)
    page.goto(f"/desk/referrals/{case}")
    page.locator("form[action$='/release'] button").click()
    expect(page.locator("#confirm")).to_be_visible()
    assert violations(page) == []
    page.context.clear_cookies()
    log_in(page, "shelter")
    read_in(page, language)
    page.goto("/shelter")
    page.locator(f"form[action='/shelter/placements/{placement}/discharge'] button").click()
    expect(page.locator("#confirm")).to_be_visible()
    assert violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shelter_form_with_its_mistakes_passes(page: Page, language: str) -> None:
    """The admin's shelter form sent with mistakes: the summary, and each field with its own."""
    log_in(page, "admin")
    read_in(page, language)
    page.goto("/admin/shelters/new")
    page.locator("#max_age").fill("12")
    page.locator("#lat").fill("5.1")
    page.locator("#lon").fill("52.1")
    page.locator("form[action='/admin/shelters'] button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert violations(page) == []


def test_a_scenario_run_and_its_report_pass(page: Page, tmp_path: Path) -> None:
    scenario = tmp_path / "four-weeks.yaml"
    scenario.write_bytes(SMALL)
    log_in(page, "planner")
    page.get_by_label("Of upload een scenariobestand (YAML)").set_input_files(str(scenario))
    page.get_by_label("Replicaties").fill("1")
    page.get_by_label(re.compile("Ook het huidige rondbellen")).uncheck()
    page.get_by_role("button", name="Scenario draaien").click()
    report = page.get_by_role("link", name="Rapport openen")
    expect(report).to_be_visible(timeout=60_000)
    assert violations(page) == []
    report.click()
    expect(page.get_by_role("heading", name="Four weeks", level=1)).to_be_visible()
    assert violations(page) == []
