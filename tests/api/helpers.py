"""The service under test: an app on a test database, a user per role, and a clock to move.

Each test module turns :func:`running_api` into its own ``api`` fixture on the ``database_url``
fixture (every test on SQLite and on PostgreSQL). Users are written with one password hash made
once per run, an argon2id hash at the lowest cost: the service's own cost (0.2-0.5 s a check on
two cores) made every login of a test as slow, and what the tests check of logins does not
depend on it. The service verifies any argon2id hash by the cost written in it; passwords the
service sets itself (``accounts``) are hashed at the lowest cost too in the tests' own processes
(:mod:`tests.passwords`), and the servers of the multi-process tests (``tests.api.server``) keep
the service's cost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher

from api.auth import Claims, issue_token
from api.db.session import Database
from api.db.tables import UserRow
from api.deps import get_now
from api.main import create_app
from api.settings import Settings

SECRET = "test-signing-secret-of-enough-length-for-hs256"
PASSWORD = "a long test password"
# A Monday at 10:00 in Amsterdam: office hours, so most shelters take intakes.
MONDAY_MORNING = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
OWN_SHELTER = "S001"
OTHER_SHELTER = "S002"
# User name -> (role, shelter): one user per role, and staff of a second shelter.
USERS: dict[str, tuple[str, str | None]] = {
    "desk": ("desk", None),
    "shelter": ("shelter", OWN_SHELTER),
    "other-shelter": ("shelter", OTHER_SHELTER),
    "planner": ("planner", None),
    "auditor": ("auditor", None),
    "admin": ("admin", None),
}
ROLES = ("desk", "shelter", "planner", "auditor", "admin")


@dataclass
class Clock:
    """The service's clock in a test: stands still until moved."""

    now: datetime = MONDAY_MORNING

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(minutes=minutes)


@dataclass
class Api:
    """A client of the app, calling as any test user."""

    app: FastAPI
    client: TestClient
    database: Database
    clock: Clock

    def headers(self, user: str | None) -> dict[str, str]:
        """Authorization for ``user`` (None: anonymous)."""
        return {} if user is None else bearer(user)

    def call(
        self,
        user: str | None,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx2.Response:
        """One request as ``user``."""
        response: httpx2.Response = self.client.request(
            method, path, headers=self.headers(user), json=json, params=params
        )
        return response

    def get(self, user: str | None, path: str, **params: Any) -> httpx2.Response:
        """GET as ``user``."""
        return self.call(user, "GET", path, params=params)

    def post(self, user: str | None, path: str, json: Any = None) -> httpx2.Response:
        """POST as ``user``."""
        return self.call(user, "POST", path, json=json)

    def patch(self, user: str | None, path: str, json: Any = None) -> httpx2.Response:
        """PATCH as ``user``."""
        return self.call(user, "PATCH", path, json=json)

    def ok(self, response: httpx2.Response, status: int = 200) -> Any:
        """The JSON body of a response that must have ``status``."""
        assert response.status_code == status, (response.status_code, response.text)
        return response.json()


def bearer(user: str) -> dict[str, str]:
    """An Authorization header for test user ``user``, signed as the test service expects."""
    role, shelter = USERS[user]
    claims = Claims(subject=user, role=role, shelter_id=shelter)
    token, _ = issue_token(
        claims, secret=SECRET, now=datetime.now(UTC), lifetime=timedelta(minutes=30)
    )
    return {"Authorization": f"Bearer {token}"}


def settings_for(database_url: str, var_dir: Path, **overrides: Any) -> Settings:
    """Settings of a test service on ``database_url``."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "var_dir": var_dir,
        "jwt_secret": SECRET,
        "seed_sample_network": True,
        **overrides,
    }
    return Settings(**values)


@contextmanager
def running_api(database_url: str, var_dir: Path, **overrides: Any) -> Iterator[Api]:
    """The app on ``database_url`` with every test user, its clock set to Monday morning."""
    app = create_app(settings_for(database_url, var_dir, **overrides))
    clock = Clock()
    app.dependency_overrides[get_now] = clock
    database: Database = app.state.database
    add_users(database, USERS)
    with TestClient(app) as client:
        yield Api(app=app, client=client, database=database, clock=clock)


def add_users(database: Database, users: Mapping[str, tuple[str, str | None]]) -> None:
    """Store ``users`` (name -> role, shelter), all with :data:`PASSWORD`."""
    with database.session() as session:
        session.add_all(
            UserRow(
                name=name,
                role=role,
                shelter_id=shelter,
                password_hash=password_hash(),
                active=True,
                created_at=MONDAY_MORNING,
            )
            for name, (role, shelter) in users.items()
        )


@cache
def password_hash() -> str:
    """An argon2id hash of :data:`PASSWORD` at the lowest cost argon2 allows, made once."""
    return Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


def referral(**fields: Any) -> dict[str, Any]:
    """A referral body: a woman of 30 in Utrecht, unless ``fields`` say otherwise."""
    return {"gender": "female", "age": 30, "location": {"municipality": "Utrecht"}, **fields}


def create_referral(api: Api, **fields: Any) -> str:
    """A new waiting referral's case id."""
    body = api.ok(api.post("desk", "/api/v1/referrals", referral(**fields)), 201)
    case_id: str = body["id"]
    return case_id


def hold(api: Api, referral_id: str, shelter_id: str) -> httpx2.Response:
    """The desk's attempt to hold ``shelter_id`` for ``referral_id``."""
    return api.post("desk", "/api/v1/holds", {"referral_id": referral_id, "shelter_id": shelter_id})


def audit_rows(api: Api, **filters: Any) -> list[tuple[str, str, str | None, str]]:
    """(action, object type, object id, result) of the audit rows, oldest first."""
    rows = api.ok(api.get("auditor", "/api/v1/audit", limit=500, **filters))
    return [(r["action"], r["object_type"], r["object_id"], r["result"]) for r in reversed(rows)]


def set_free(api: Api, shelter_id: str, free: int) -> None:
    """Make ``free`` places free at a shelter, as its admin would report them."""
    api.ok(api.patch("admin", f"/api/v1/shelters/{shelter_id}/availability", {"free": free}))


# Who may call each route (method, template); an empty set: everyone, without a token. This is the
# policy as written down; the role tests hold the app to it, cell by cell.
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/v1/auth/token"): frozenset(),
    ("GET", "/api/v1/shelters"): frozenset({"admin"}),
    ("POST", "/api/v1/shelters"): frozenset({"admin"}),
    ("GET", "/api/v1/shelters/{shelter_id}"): frozenset({"admin", "shelter"}),
    ("GET", "/api/v1/shelters/{shelter_id}/residents"): frozenset({"admin"}),
    ("PATCH", "/api/v1/shelters/{shelter_id}"): frozenset({"admin"}),
    ("PATCH", "/api/v1/shelters/{shelter_id}/availability"): frozenset({"admin", "shelter"}),
    ("POST", "/api/v1/referrals"): frozenset({"desk"}),
    ("GET", "/api/v1/referrals"): frozenset({"desk"}),
    ("GET", "/api/v1/referrals/{referral_id}"): frozenset({"desk", "shelter"}),
    ("PATCH", "/api/v1/referrals/{referral_id}"): frozenset({"desk"}),
    ("POST", "/api/v1/referrals/{referral_id}/close"): frozenset({"desk"}),
    ("PUT", "/api/v1/referrals/{referral_id}/stay"): frozenset({"desk"}),
    ("POST", "/api/v1/referrals/{referral_id}/ranking"): frozenset({"desk"}),
    ("POST", "/api/v1/holds"): frozenset({"desk"}),
    ("GET", "/api/v1/holds"): frozenset({"desk", "shelter"}),
    ("GET", "/api/v1/holds/{hold_id}"): frozenset({"desk", "shelter"}),
    ("POST", "/api/v1/holds/{hold_id}/confirm"): frozenset({"desk", "shelter"}),
    ("POST", "/api/v1/holds/{hold_id}/extend"): frozenset({"desk", "shelter"}),
    ("POST", "/api/v1/holds/{hold_id}/release"): frozenset({"desk", "shelter"}),
    ("GET", "/api/v1/placements"): frozenset({"desk", "shelter"}),
    ("GET", "/api/v1/placements/{placement_id}"): frozenset({"desk", "shelter"}),
    ("POST", "/api/v1/placements/{placement_id}/discharge"): frozenset({"desk", "shelter"}),
    ("POST", "/api/v1/plans"): frozenset({"desk"}),
    ("GET", "/api/v1/capacity"): frozenset({"planner", "desk", "admin"}),
    ("GET", "/api/v1/stays"): frozenset({"planner", "desk"}),
    ("GET", "/api/v1/audit"): frozenset({"auditor"}),
    ("GET", "/api/v1/audit/beginning"): frozenset({"auditor"}),
    ("POST", "/api/v1/scenario-runs"): frozenset({"planner"}),
    ("GET", "/api/v1/scenario-runs/{run_id}"): frozenset({"planner"}),
    ("GET", "/api/v1/scenario-runs/{run_id}/result"): frozenset({"planner"}),
    ("GET", "/healthz"): frozenset(),
    ("GET", "/metrics"): frozenset(),
}
# Routes on personal data: a refused call there leaves a "denied" row in the audit trail.
# Routes on personal data: a role refused there is on record too.
AUDITED_PREFIXES = ("/api/v1/referrals", "/api/v1/holds", "/api/v1/placements", "/api/v1/plans")
AUDITED_SUFFIXES = ("/residents",)


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, template) the app answers, beyond its documentation pages."""
    served: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        # Web pages are checked by the web tests (tests/web), page by page.
        if not isinstance(route, APIRoute) or route.endpoint.__module__.startswith("api.web"):
            continue
        for method in context.methods or ():
            served.add((method, str(context.path_format)))
    return served
