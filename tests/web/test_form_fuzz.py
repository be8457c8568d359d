"""Every form the pages post, sent hostile values: never a fault, always a page, nothing lost.

The POST routes are read from the app itself, and each must have a case here (a new form without
one fails :func:`test_every_form_post_is_fuzzed`). A case says who posts it (a role the page's
policy admits, see ``tests.web.test_roles``), which objects it needs (made anew for every
example, through the API), and which page shows its form. The form's fields are read from that
page as a browser reads them: every input, select, textarea and named button, the CSRF token
included, with the values the page fills in.

Each example takes that form as the browser would send it and changes a few of its fields: a
hostile value (empty, 100,000 characters or words, a line padded with 100,000 blanks, more than
a request may hold, control characters, NUL, lone surrogates sent as their bytes, digits of
other scripts, padded numbers, huge and negative numbers, ``1e309``, ``NaN``, moments far in
the past or future, malformed points, a value changed inside the plan the page carries as
JSON), the field left out, sent twice, or an unknown field added; sent url-encoded or as
multipart. The service must answer below 500, with a
page or a redirect to a page of its own (never a traceback), and a post it refuses must leave
every stored row as it was.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote_plus, urlsplit

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from api.db.tables import Base, ScenarioRunRow
from tests.api.helpers import USERS
from tests.web.site import Site, Visitor, page_routes, running_site
from tests.web.test_roles import PAGES, allowed

T = TypeVar("T")
# Examples per route: with derandomize, the same ones every run.
EXAMPLES = 10
LONG = 100_000
# A scenario small enough to run in a moment, the only one the planner's form offers here.
QUICK = """\
name: Quick
description: Two weeks of demand in one police unit.
horizon_days: 14
warmup_days: 2
seed: 3
replications: 1
demand:
  arrivals_per_week: {Amsterdam: 2.0}
"""
# What a shelter user's own shelter and every test referral fit: no programme, room for all.
OWN = "S001"
REFERRAL = {"gender": "female", "age": 30, "location": {"municipality": "Utrecht"}}
# Stored rows a refused post must leave as they are; the audit trail, failed logins and ended
# sessions are records of the attempt itself. Scenario runs are compared by id: a run started
# by an earlier example moves on in the background.
STORED = (
    "users",
    "shelters",
    "network_version",
    "referrals",
    "referral_stays",
    "holds",
    "placements",
    "referral_stats",
)

# Long values, the last more than the service takes in one request however it is sent.
LONGS = [
    "x" * LONG,
    "9" * LONG,
    "٣" * LONG,
    "€" * 4 * LONG,
    " ".join(f"w{number}" for number in range(LONG // 7)),
    "ma-vr" + " " * LONG + "x",
    "Utrecht, " * (LONG // 9),
]
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[2J\x7f",
    "\r\n\r\n",
    "\t",
    "\u2028",
    "\ufeff",
    "\u202e",
    "\ud800",
    "\udfff",
    "٣",
    "٣٤",
    "１２",
    "²",
    "Ⅻ",
    " 42 ",
    "\t7\n",
    "\u00a05",
    "+5",
    "05",
    "1_000",
    "0x1f",
    "5.5",
    "5,5",
    "-1",
    "-0",
    "-99999999999999999999",
    "99999999999999999999",
    str(2**63),
    str(2**64),
    "1" + "0" * 400,
    "1e309",
    "-1e309",
    "1e-400",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "10000-01-01T00:00",
    "1900-01-01T00:00",
    "2026-02-30T10:00",
    "2026-11-30T25:61",
    "2026-11-30",
    "2026-11-30T10:00:00+14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-12-01T09:00:00Z",
    "-2026-11-30T10:00",
    "52.09, 5.12",
    "52.09,",
    ", 5.12",
    "52.09, 5.12, 1",
    "91, 181",
    "-91, -181",
    "9" * 400 + ", 5",
    "1e309, 5",
    "NaN, NaN",
    "52,09, 5,12",
    "0, 0",
    "52.09 5.12",
    "5.12, 52.09",
    "Utrecht",
    "utrecht\x00",
    "Den Bosch",
    "<script>alert(1)</script>",
    "{{ 7 * 7 }}",
    "%(x)s %s {0}",
    "' OR 1=1 --",
    "../../etc/passwd",
    "//evil.example",
    "/\\evil.example",
    "http://evil.example/",
    '{"a": 1}',
    "[]",
    "null",
    "ma-vr 08:00-19:00",
    "ma-vr 25:00-26:00",
    "mon-fri 20:00-08:00",
    "za 00:00-24:00",
    "\n" * 1000,
    "S001",
    "yes",
    "1",
    "0",
]
# Values inside the plan's state, which the page carries as JSON.
HOSTILE_JSON: list[Any] = [
    None,
    "",
    "\x00",
    "x" * LONG,
    -1,
    10**30,
    10**400,
    float("inf"),
    float("nan"),
    1e-320,
    True,
    [],
    {},
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "2026-11-30T10:00:00",
    "S001",
]
CSRF = "csrf"
UNKNOWN_NAMES = ["unknown", "csrf[]", "", "x" * 1000, "\x00", "__proto__", "confirmed"]


# --- the forms, as a browser reads them -----------------------------------------------------


@dataclass
class Button:
    name: str | None
    value: str
    action: str | None  # its formaction, if any


@dataclass
class Form:
    """One form: its action, what the browser sends (before a button), the names of all its
    fields (unchecked boxes too), which of them are files, and its submit buttons."""

    action: str
    multipart: bool
    entries: list[tuple[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)
    buttons: list[Button] = field(default_factory=list)


class _Forms(HTMLParser):
    """Every form of a page that posts, but what lies in a <template>."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._template = 0
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "template":
            self._template += 1
        if tag == "form":
            post = found.get("method", "get").lower() == "post"
            multipart = found.get("enctype", "") == "multipart/form-data"
            self._form = Form(found.get("action", ""), multipart) if post else None
            if self._form is not None:
                self.forms.append(self._form)
        form = self._form
        if form is None or self._template:
            return
        name = found.get("name")
        if tag == "button" and found.get("type", "submit") == "submit":
            form.buttons.append(Button(name, found.get("value", ""), found.get("formaction")))
            return
        if name is None or tag not in ("input", "select", "textarea", "option"):
            if tag == "option" and self._select is not None:
                self._option(found)
            return
        if name not in form.names and tag != "option":
            form.names.append(name)
        if tag == "input":
            kind = found.get("type", "text")
            if kind == "file":
                form.files.add(name)
                form.entries.append((name, ""))
            elif kind not in ("checkbox", "radio") or "checked" in found:
                form.entries.append((name, found.get("value", "on")))
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "textarea":
            self._textarea = [name]

    def _option(self, found: dict[str, str]) -> None:
        assert self._select is not None
        self._select[1].append(found.get("value", ""))
        if "selected" in found:
            self._select[2].append(found.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._template -= 1
        if tag == "form":
            self._form = None
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, chosen = self._select
            self._form.entries += [(name, value) for value in (chosen or options[:1])]
            self._select = None
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, *text = self._textarea
            value = "".join(text)
            self._form.entries.append((name, value[1:] if value.startswith("\n") else value))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.append(data)


def form_to(page: httpx2.Response, path: str) -> tuple[Form, list[tuple[str, str]]]:
    """The page's form that posts to ``path`` (its action, or a button's formaction), and what
    pressing that button sends."""
    reader = _Forms()
    reader.feed(page.text)
    for form in reader.forms:
        if urlsplit(form.action).path == path:
            named = [b for b in form.buttons if b.action is None and b.name]
            pressed = [(named[0].name or "", named[0].value)] if named else []
            return form, form.entries + pressed
        for button in form.buttons:
            if button.action == path:
                pressed = [(button.name, button.value)] if button.name else []
                return form, form.entries + pressed
    raise AssertionError(f"no form posts to {path} on {page.url} ({page.status_code})")


# --- the cases ------------------------------------------------------------------------------

Ids = dict[str, str]


def nothing(site: Site) -> Ids:
    return {}


def waiting(site: Site) -> Ids:
    """A new referral, waiting."""
    return {"referral_id": site.api("desk", "POST", "/api/v1/referrals", REFERRAL)["id"]}


def held(site: Site) -> Ids:
    """A new referral held at the shelter user's own shelter."""
    ids = waiting(site)
    body = {"referral_id": ids["referral_id"], "shelter_id": OWN}
    return ids | {"hold_id": site.api("desk", "POST", "/api/v1/holds", body)["id"]}


def held_briefly(site: Site) -> Ids:
    """A new referral held at the shelter user's own shelter for ten minutes more: long enough
    to confirm, short enough that the pages offer to extend it."""
    ids = waiting(site)
    until = (site.clock.now + timedelta(minutes=10)).isoformat()
    body = {"referral_id": ids["referral_id"], "shelter_id": OWN, "until": until}
    return ids | {"hold_id": site.api("desk", "POST", "/api/v1/holds", body)["id"]}


def placed(site: Site) -> Ids:
    """A new referral placed at the shelter user's own shelter."""
    ids = held(site)
    confirmed = site.api("desk", "POST", f"/api/v1/holds/{ids['hold_id']}/confirm")
    return ids | {"placement_id": confirmed["id"]}


def new_id(site: Site) -> Ids:
    """An id no shelter has yet."""
    return {"new_id": f"F{secrets.token_hex(4).upper()}"}


def shelter(site: Site) -> Ids:
    """A new shelter, for the admin to edit."""
    shelter_id = new_id(site)["new_id"]
    site.add_shelter(shelter_id, 10, kind="women")
    return {"shelter_id": shelter_id}


Page = Callable[[Visitor, Ids], httpx2.Response]


def opened(path: str) -> Page:
    """The form is on the page at ``path`` (a template of the ids)."""
    return lambda visitor, ids: visitor.get(path.format(**ids))


def asked(path: str) -> Page:
    """The form is the box that asks before the step at ``path``: the answer to its first
    press."""

    def page(visitor: Visitor, ids: Ids) -> httpx2.Response:
        return visitor.post(path.format(**ids), {})

    return page


def planned(visitor: Visitor, ids: Ids) -> httpx2.Response:
    """The plan: the answer to making one, with its lines to accept."""
    return visitor.post("/desk/plan", {})


@dataclass(frozen=True)
class Case:
    """Who posts the form (None: nobody logged in), the objects it needs, the page it is on,
    values a valid post would have where the page leaves them empty (``{name}`` in one stands
    for an id ``make`` gives), and the refusals that may still have stored something (by
    design)."""

    user: str | None
    page: Page
    make: Callable[[Site], Ids] = nothing
    fill: dict[str, str] = field(default_factory=dict)
    partial: frozenset[int] = frozenset()


CASES: dict[str, Case] = {
    "/login": Case(None, opened("/login"), fill={"username": "desk", "password": "x"}),
    "/logout": Case("desk", opened("/desk")),
    "/language": Case("auditor", opened("/audit")),
    "/desk/referrals": Case(
        "desk",
        opened("/desk/referrals/new"),
        fill={"gender": "female", "age": "30", "location": "Utrecht"},
    ),
    "/desk/referrals/{referral_id}/edit": Case(
        "desk", opened("/desk/referrals/{referral_id}/edit"), waiting
    ),
    "/desk/referrals/{referral_id}/hold": Case(
        "desk", opened("/desk/referrals/{referral_id}?at=2026-12-01T09:00"), waiting
    ),
    "/desk/referrals/{referral_id}/stay": Case(
        "desk", opened("/desk/referrals/{referral_id}"), waiting, fill={"since": "2026-11-30T08:00"}
    ),
    "/desk/referrals/{referral_id}/close": Case(
        "desk", opened("/desk/referrals/{referral_id}"), waiting
    ),
    "/desk/holds/{hold_id}/confirm": Case("desk", opened("/desk/referrals/{referral_id}"), held),
    "/desk/holds/{hold_id}/extend": Case(
        "desk", opened("/desk/referrals/{referral_id}"), held_briefly
    ),
    "/desk/holds/{hold_id}/release": Case("desk", asked("/desk/holds/{hold_id}/release"), held),
    "/desk/plan": Case("desk", opened("/desk/plan"), waiting),
    "/desk/plan/accept": Case("desk", planned, waiting),
    # Accepting all holds every line it can: a refused line leaves the others held (409).
    "/desk/plan/accept-all": Case("desk", planned, waiting, partial=frozenset({409})),
    "/shelter/availability": Case("shelter", opened("/shelter")),
    "/shelter/holds/{hold_id}/confirm": Case("shelter", opened("/shelter"), held),
    "/shelter/holds/{hold_id}/extend": Case("shelter", opened("/shelter"), held_briefly),
    "/shelter/holds/{hold_id}/release": Case(
        "shelter", asked("/shelter/holds/{hold_id}/release"), held
    ),
    "/shelter/placements/{placement_id}/discharge": Case(
        "shelter", asked("/shelter/placements/{placement_id}/discharge"), placed
    ),
    "/planner/runs": Case("planner", opened("/planner")),
    "/admin/shelters": Case(
        "admin",
        opened("/admin/shelters/new"),
        new_id,
        fill={"id": "{new_id}", "location": "Utrecht", "capacity": "8"},
    ),
    "/admin/shelters/{shelter_id}/edit": Case(
        "admin", opened("/admin/shelters/{shelter_id}/edit"), shelter
    ),
}


# --- what is sent ---------------------------------------------------------------------------


def _json_leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The paths of every value in a JSON document, containers too."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _json_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_leaves(item, (*path, index))


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    inside = copy
    for step in path[:-1]:
        inside = inside[step]
    inside[path[-1]] = value
    return copy


def one_of(items: list[T]) -> st.SearchStrategy[T]:
    """One of ``items``, drawn alike however many there are: the objects a form is about are
    made anew for each example, so a list may be longer when an example is replayed."""
    return st.integers(0, 1_000).map(lambda index: items[index % len(items)])


@st.composite
def hostile(draw: st.DrawFn, default: str) -> str:
    """A value for a field whose page value is ``default``: one of the list, any short text,
    a number of any size, or, for a JSON document, the document with one value in it changed."""
    choices = [
        st.sampled_from(HOSTILE),
        st.sampled_from(LONGS),
        st.text(max_size=20),
        st.integers().map(str),
        st.floats().map(repr),
    ]
    if default.startswith(("{", "[")):
        document = json.loads(default)
        paths = list(_json_leaves(document))
        changed = st.tuples(one_of(paths), st.sampled_from(HOSTILE_JSON))
        choices.insert(0, changed.map(lambda pair: json.dumps(_replaced(document, *pair))))
    value: str = draw(st.one_of(*choices))
    return value


@st.composite
def posts(
    draw: st.DrawFn, form: Form, sent: list[tuple[str, str]], fill: dict[str, str]
) -> list[tuple[str, str]]:
    """What a hostile browser sends instead of ``sent`` (with ``fill`` where the page leaves a
    field empty): a few fields changed, the CSRF token less often (a wrong one ends every
    post alike), and now and then a field the form does not have."""
    entries = [(name, fill.get(name, value) if value == "" else value) for name, value in sent]
    entries += [(name, value) for name, value in fill.items() if name not in dict(entries)]
    names = [name for name in dict.fromkeys([n for n, _ in entries] + form.names) if name != CSRF]
    chosen = draw(st.lists(one_of(names), min_size=1, max_size=3)) if names else []
    if draw(st.integers(0, 3 if names else 1)) == 0:
        chosen.append(CSRF)
    for name in dict.fromkeys(chosen):
        default = next((value for key, value in entries if key == name), "")
        how = draw(st.sampled_from(["hostile", "hostile", "missing", "twice"]))
        kept = [(key, value) for key, value in entries if key != name]
        if how == "missing":
            entries = kept
        elif how == "twice":
            twice = [(name, draw(hostile(default))), (name, default)]
            entries = [*kept, *(twice if draw(st.booleans()) else twice[::-1])]
        else:
            entries = [*kept, (name, draw(hostile(default)))]
    if not chosen or draw(st.booleans()):
        entries.append((draw(st.sampled_from(UNKNOWN_NAMES)), draw(hostile(""))))
    return entries


def _bytes(text: str) -> bytes:
    """UTF-8, lone surrogates as the bytes they would have (the server reads them as invalid)."""
    return text.encode("utf-8", "surrogatepass")


def send(
    visitor: Visitor, path: str, entries: list[tuple[str, str]], files: set[str], multipart: bool
) -> httpx2.Response:
    """Post ``entries`` as a browser would: url-encoded, or as multipart with ``files`` as
    file parts."""
    if not multipart:
        body = b"&".join(
            quote_plus(_bytes(name)).encode() + b"=" + quote_plus(_bytes(value)).encode()
            for name, value in entries
        )
        kind = "application/x-www-form-urlencoded"
    else:
        boundary = secrets.token_hex(16)
        parts = []
        for name, value in entries:
            quoted = _bytes(name).replace(b'"', b"%22")
            head = b'Content-Disposition: form-data; name="' + quoted + b'"'
            if name in files:  # no file chosen: no file name, as a browser sends it
                chosen = b"hostile.yaml" if value else b""
                head += b'; filename="' + chosen + b'"\r\nContent-Type: application/yaml'
            parts.append(b"--" + boundary.encode() + b"\r\n" + head + b"\r\n\r\n" + _bytes(value))
        body = b"\r\n".join([*parts, b"--" + boundary.encode() + b"--", b""])
        kind = f"multipart/form-data; boundary={boundary}"
    response: httpx2.Response = visitor.client.post(
        path, content=body, headers={"content-type": kind}
    )
    return response


def stored(site: Site) -> dict[str, list[Any]]:
    """Every stored row a refused post must leave alone."""
    with site.database.session() as session:
        rows = {
            name: sorted(map(tuple, session.execute(select(Base.metadata.tables[name])).all()))
            for name in STORED
        }
        rows["scenario_runs"] = sorted(session.scalars(select(ScenarioRunRow.id)))
    return rows


def assert_answered(response: httpx2.Response, route: str) -> None:
    """Below 500, and a page (or a redirect to a page of this service), never a traceback."""
    said = f"{route}: {response.status_code} {response.text[:300]!r}"
    assert response.status_code < 500, said
    if 300 <= response.status_code < 400:
        location = response.headers["location"]
        assert location.startswith("/"), said
        assert not location.startswith("//"), said
        assert "\\" not in location, said
        return
    assert response.headers["content-type"].startswith("text/html"), said
    assert "Traceback" not in response.text, said
    assert "<html" in response.text, said


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The service with its pages and a quick scenario to run; the shelter user's own shelter
    fits every test referral, at any hour, with room for all of them."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "quick.yaml").write_text(QUICK)
    with running_site(tmp_path / "var", scenarios_dir=scenarios) as running:
        own = running.api("admin", "GET", f"/api/v1/shelters/{OWN}")
        change = {"capacity": 10_000, "occupied": 0, "programme": None, "intake": "24/7"}
        change["version"] = own["version"]
        running.api("admin", "PATCH", f"/api/v1/shelters/{OWN}", change)
        yield running


def test_every_form_post_is_fuzzed(site: Site) -> None:
    posted = {template for method, template in page_routes(site.app) if method == "POST"}
    assert set(CASES) == posted
    for route, case in CASES.items():
        if ("POST", route) in PAGES:
            assert case.user is not None, route
            assert USERS[case.user][0] in allowed(("POST", route)), route


@pytest.mark.parametrize("route", sorted(CASES))
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_form_sent_hostile_values(site: Site, route: str, data: st.DataObject) -> None:
    case = CASES[route]
    ids = case.make(site)
    visitor = site.visitor(case.user)
    page = case.page(visitor, ids)
    path = route.format(**ids)
    form, sent = form_to(page, path)
    fill = {name: value.format(**ids) for name, value in case.fill.items()}
    entries = data.draw(posts(form, sent, fill), label="entries")
    multipart = data.draw(st.booleans(), label="multipart") or form.multipart
    before = stored(site)
    response = send(visitor, path, entries, form.files, multipart)
    assert_answered(response, route)
    if response.status_code >= 400 and response.status_code not in case.partial:
        assert stored(site) == before, f"{route}: {response.status_code} changed stored data"
