"""The pages under test: the service with the pages mounted, and a browser-like client per user.

The app is built the way the service builds it (``create_app``) with ``mount`` added, which does
nothing when ``create_app`` has mounted the pages already. Its clock is set to a Monday morning,
so office-hours shelters take intakes and rankings do not depend on when the tests run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx2
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db.session import Database
from api.db.tables import AuditRow
from api.deps import get_now
from api.main import create_app
from api.web import mount
from api.web.access import PageRoute
from tests.api.helpers import PASSWORD, USERS, Clock, add_users, bearer, settings_for

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Site:
    """The app with its pages, its database and its clock."""

    app: FastAPI
    database: Database
    clock: Clock

    def visitor(self, user: str | None = None, *, https: bool = False) -> Visitor:
        """A new browser (its own cookies), logged in as ``user`` unless None."""
        base = "https://testserver" if https else "http://testserver"
        visitor = Visitor(TestClient(self.app, base_url=base, follow_redirects=False))
        if user is not None:
            visitor.login(user)
        return visitor

    def api(self, user: str, method: str, path: str, body: Any = None) -> Any:
        """Call the HTTP API as ``user`` (bearer token) and return its JSON; it must succeed."""
        client = TestClient(self.app)
        response = client.request(method, path, headers=bearer(user), json=body)
        assert response.status_code < 300, response.text
        return response.json()

    def add_shelter(self, shelter_id: str, capacity: int, **fields: Any) -> None:
        """A shelter in Utrecht that takes everyone in at any hour, unless ``fields`` differ."""
        body = {
            "id": shelter_id,
            "location": {"municipality": "Utrecht"},
            "capacity": capacity,
            "children": True,
            "languages": ["nl", "en"],
            **fields,
        }
        self.api("admin", "POST", "/api/v1/shelters", body)

    def audit(self) -> list[tuple[str, str, str | None, str]]:
        """The audit trail in order: (action, object type, object id, result)."""
        with self.database.session() as session:
            rows = session.scalars(select(AuditRow).order_by(AuditRow.seq)).all()
            return [(r.action, r.object_type, r.object_id, r.result) for r in rows]


@dataclass
class Visitor:
    """One browser: it keeps its cookies and sends each form with the page's CSRF token."""

    client: TestClient

    def login(self, user: str, password: str = PASSWORD) -> httpx2.Response:
        """Log in through the login form."""
        return self.post("/login", {"username": user, "password": password, "next": "/"})

    def get(self, path: str, **params: Any) -> httpx2.Response:
        """Open a page."""
        response: httpx2.Response = self.client.get(path, params=params)
        return response

    def token(self) -> str:
        """This session's CSRF token, as every form of its pages carries it."""
        found = _CSRF.search(self.get("/login").text)
        assert found is not None
        return found.group(1)

    def post(
        self, path: str, data: Mapping[str, Any], *, files: Any = None, csrf: str | None = None
    ) -> httpx2.Response:
        """Send a form as the page would, with this session's CSRF token unless one is given."""
        fields = {**data, "csrf": self.token() if csrf is None else csrf}
        response: httpx2.Response = self.client.post(path, data=fields, files=files)
        return response


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, template) of the app's pages."""
    return {
        (method, str(context.path_format))
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, PageRoute)
        for method in context.methods or ()
    }


class _Form(HTMLParser):
    """What a browser would send from a page's form (the first whose address starts with
    ``action``), as the page fills it in."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._action = action
        self._inside = False
        self._template = False  # inside a <template>, whose inputs a browser does not send
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._inside = found.get("action", "").startswith(self._action)
        self._template = self._template or tag == "template"
        if not self._inside or self._template:
            return
        name = found.get("name", "")
        if tag == "input" and (
            found.get("type") not in ("checkbox", "radio") or "checked" in found
        ):
            self.fields.setdefault(name, []).append(found.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.fields[self._select] = [found.get("value", "")]
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        if tag == "template":
            self._template = False
        if tag == "select" and self._select:
            self.fields.setdefault(self._select, [""])
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][0] += data


def form_entries(page: httpx2.Response, action: str) -> dict[str, list[str]]:
    """The entries of the page's form sent to ``action`` (or an address below it) as the page
    shows them, the CSRF token left to the visitor."""
    reader = _Form(action)
    reader.feed(page.text)
    fields = reader.fields
    fields.pop("csrf", None)
    fields.pop("", None)
    return {name: [v.strip("\n") for v in values] for name, values in fields.items()}


def text(response: httpx2.Response) -> str:
    """A page's visible text on one line, for asserting what a reader sees."""
    return " ".join(_TAGS.sub(" ", response.text).split())


@contextmanager
def running_site(
    var_dir: Path, *, database_url: str | None = None, **overrides: Any
) -> Iterator[Site]:
    """The service with its pages on an empty database (a new SQLite file unless
    ``database_url`` names another), and a user of every role."""
    url = database_url or f"sqlite:///{var_dir / 'safeplace.db'}"
    app = create_app(settings_for(url, var_dir, **overrides))
    mount(app, scenarios=SCENARIOS)
    clock = Clock()
    app.dependency_overrides[get_now] = clock
    database: Database = app.state.database
    add_users(database, USERS)
    with TestClient(app):
        yield Site(app=app, database=database, clock=clock)
