"""Logging in and out, the language switch, and each role's home page.

Logging in goes through the API's own token route function, so a page login is checked,
throttled, timed and audited exactly like ``POST /auth/token``; the token it returns is only read
for the user's name and then dropped, and the browser gets a session cookie instead. The device
token it returns goes into the user's device cookie (:mod:`api.web.device_cookie`), which the
next login from this browser presents and logging out leaves in place.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from api.auth import read_token
from api.db.session import Database
from api.deps import NowDep, SessionDep, SettingsDep, get_database, get_secret, get_throttle
from api.problems import ProblemError
from api.ratelimit import LoginThrottle
from api.routes.auth import token
from api.web import device_cookie, ended
from api.web import session as web_session
from api.web.access import Form, Visitor, page_router, redirect
from api.web.i18n import COOKIE, COOKIE_SECONDS, LANGUAGES
from api.web.session import WebSession
from api.web.state import web_state

log = logging.getLogger(__name__)
router = page_router()

# Where each role starts after logging in: its main work, the first page of its menu
# (:data:`api.web.render.NAVIGATION`). The admin keeps the network of shelters (and the users, on
# the server's command line); the capacity board is a page they look at, not their work.
HOME = {
    "desk": "/desk",
    "shelter": "/shelter",
    "planner": "/planner",
    "auditor": "/audit",
    "admin": "/admin/shelters",
}


def local_path(wanted: str | None) -> str | None:
    """``wanted`` if it is a path on this service (never another site), else None."""
    if not wanted or not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted:
        return None
    return wanted


@router.get("/")
def home(caller: Visitor) -> Response:
    """Each role starts on the page of its work."""
    return redirect(HOME.get(caller.role, "/login"))


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The login form (with an anonymous session for its CSRF token)."""
    pages = web_state(request).pages
    context = {"next": local_path(next) or "/", "problem": None, "retry_minutes": 0}
    return pages.render(request, "login.html", context)


@router.post("/login")
def login(
    *,
    request: Request,
    form: Form,
    database: Annotated[Database, Depends(get_database)],
    settings: SettingsDep,
    secret: Annotated[str, Depends(get_secret)],
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
    now: NowDep,
) -> Response:
    """Check the password as the API does (and record it in the audit trail as the API does),
    with this browser's device cookie for the user name if it has one; on success start a new
    session for the user and keep the new device token."""
    web = web_state(request)
    wanted = local_path(str(form.get("next") or ""))
    credentials = OAuth2PasswordRequestForm(
        username=str(form.get("username") or ""), password=str(form.get("password") or "")
    )
    presented = device_cookie.read(request, credentials.username, secret)
    try:
        issued = token(
            request=request,
            form=credentials,
            device_token=presented,
            database=database,
            settings=settings,
            secret=secret,
            throttle=throttle,
            now=now,
        )
    except ProblemError as problem:
        wait = int(problem.headers.get("Retry-After", "0"))
        context = {
            "next": wanted or "/",
            "problem": problem.status,
            "retry_minutes": -(-wait // 60),
            # A refused browser without a device cookie hears that one it logged in from would do.
            "device_cookie": presented is not None,
            "remembered_days": settings.device_days,
        }
        return web.pages.render(request, "login.html", context, status=problem.status)
    claims = read_token(issued.access_token, secret=secret)
    wall = datetime.now(UTC)  # the cookie's times are on the wall clock, as the token's
    response = redirect(wanted if wanted and wanted != "/" else HOME.get(claims.role, "/"))
    started = WebSession.of_user(claims.subject, wall, generation=claims.generation)
    web_session.store(response, request, web.codec, started, wall)
    device_cookie.store(
        response,
        request,
        claims.subject,
        secret,
        issued.device_token,
        lifetime=settings.device_lifetime(),
    )
    log.info("page login, role %s", claims.role)
    return response


@router.post("/logout")
def logout(request: Request, form: Form, session: SessionDep) -> Response:
    """End the session: recorded as ended, so no copy of its cookie opens a page again; the
    cookie is removed and the login page shown. On the wall clock, as the cookie's own times."""
    current = web_session.read(request, web_state(request).codec)
    if current is not None and current.user is not None:
        ended.end(session, current, datetime.now(UTC))
    response = redirect("/login?bye=1")
    web_session.forget(response, request)
    return response


@router.post("/language")
def switch_language(request: Request, form: Form) -> Response:
    """Remember the chosen language and show the same page in it."""
    chosen = str(form.get("language") or "")
    response = redirect(local_path(str(form.get("next") or "")) or "/")
    if chosen in LANGUAGES:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response
