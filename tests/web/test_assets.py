"""Everything a page loads comes from the service itself: no CDN, no other site, no inline code.

Every page of every role is parsed for the URLs it would load or send to (scripts, styles,
images, links, forms); each must be a path on this service, and each file it loads must be
served. The content security policy says the same to the browser.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import httpx2

from api.web import STATIC
from tests.web.site import Site, Visitor
from tests.web.test_desk import register
from tests.web.test_planner import finished, start

URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "xlink:href"}
LOADED = {("script", "src"), ("link", "href"), ("img", "src")}


class Links(HTMLParser):
    """The URLs of a page, and which of them the browser loads by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.loaded: list[str] = []
        self.inline_code: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                self.urls.append(value)
                if (tag, name) in LOADED:
                    self.loaded.append(value)
            if name == "style" or name.startswith("on"):
                self.inline_code.append(f"{tag} {name}")
        if tag == "script" and not dict(attrs).get("src"):
            self.inline_code.append("script")

    def handle_data(self, data: str) -> None:
        if self._tag == "style" and data.strip():
            self.inline_code.append("style")


def pages(site: Site) -> list[tuple[Visitor, str]]:
    """Every page, as a user who may open it, with something on it."""
    desk, planner = site.visitor("desk"), site.visitor("planner")
    waiting, held = register(desk), register(desk, priority="2")
    offered = re.findall(
        r'name="shelter_id" value="([^"]+)"', desk.get(f"/desk/referrals/{held}").text
    )
    desk.post(f"/desk/referrals/{held}/hold", {"shelter_id": offered[0]})
    run = start(planner).headers["location"].rsplit("/", 1)[1]
    finished(planner, run)
    shelter, auditor, admin = (site.visitor(u) for u in ("shelter", "auditor", "admin"))
    return [
        (site.visitor(), "/login"),
        (desk, "/desk"),
        (desk, "/desk/referrals/new"),
        (desk, f"/desk/referrals/{waiting}"),
        (desk, f"/desk/referrals/{held}"),
        (desk, "/desk/plan"),
        (desk, "/capacity"),
        (desk, "/capacity/board"),
        (desk, "/shelter"),
        (shelter, "/shelter"),
        (planner, "/planner"),
        (planner, f"/planner/runs/{run}"),
        (planner, f"/planner/compare?run={run}&run={run}"),
        (planner, f"/planner/runs/{run}/report"),
        (auditor, "/audit?action=read"),
        (admin, "/capacity"),
    ]


def test_no_page_loads_or_links_anything_from_elsewhere(site: Site) -> None:
    loaded: set[str] = set()
    for visitor, path in pages(site):
        response = visitor.get(path)
        assert response.status_code in (200, 403), path
        links = Links()
        links.feed(response.text)
        for url in links.urls:
            assert url.startswith(("/", "#", "?")), (path, url)
            assert not url.startswith("//"), (path, url)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", response.text), path
        if "/report" not in path:
            assert links.inline_code == [], (path, links.inline_code)
            policy = response.headers["content-security-policy"]
            assert "default-src 'self'" in policy
            assert "script-src 'self'" in policy
        loaded.update(links.loaded)
    assert loaded == {"/static/app.css", "/static/app.js"}
    for url in loaded:
        assert site.visitor().get(url).status_code == 200, url


def test_the_static_files_reach_nothing_elsewhere() -> None:
    for path in Path(STATIC).iterdir():
        content = path.read_text("utf-8")
        assert not re.search(r"https?://|@import|//[a-z0-9.-]+\.[a-z]{2,}/", content), path.name


def test_a_post_form_always_carries_its_token(site: Site) -> None:
    for visitor, path in pages(site):
        html = visitor.get(path).text
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S):
            assert 'name="csrf"' in form, path


def test_pages_are_not_cached_and_send_no_referrer(site: Site) -> None:
    response: httpx2.Response = site.visitor("desk").get("/desk")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
