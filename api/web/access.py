"""Who is calling a page, and whether they may: the API's own checks, run for the browser.

A page acts through the very functions that are the HTTP API's routes (``api.routes.*``), called
with a :class:`~api.deps.Caller` made from the session cookie instead of a bearer token. Before a
page calls one, :func:`call` runs that route's own role check, the ``allow(...)`` dependency read
from the route's signature, so a page admits exactly the roles its route admits and leaves the
same ``denied`` audit row when it refuses. There is no second list of roles to drift from the
API's, and every read, search and change writes the audit row the API writes for it.

Pages answer in HTML whatever happens: :class:`PageRoute` turns a missing login into a redirect
to the login page, and a problem (403, 404, 409, 422), a database that does not answer (503) and
a fault of the service's own (500) into an error page in the reader's language.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from datetime import UTC
from functools import cache
from typing import Annotated, Any, TypeVar, get_type_hints
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute, APIRouter
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse

from api import accounts
from api.deps import Caller, NowDep, RoleCheck, SessionDep
from api.middleware import log_unhandled, request_id
from api.problems import DATABASE_FAILURES, RETRY_AFTER, ProblemError, log_database_failure
from api.web import ended
from api.web import session as web_session
from api.web.render import STATIC_PREFIX, Viewer, secure
from api.web.state import web_state

log = logging.getLogger(__name__)

T = TypeVar("T")
# Paths that are never pages: what is missing there is the API's to answer, as a problem document.
NOT_PAGES = ("/api/", "/docs", "/openapi.json", "/healthz", "/metrics", STATIC_PREFIX)
Guard = Callable[[Request, Caller], Caller]


class LoginRequired(Exception):
    """No valid session, or its user is gone: the visitor must log in (again)."""


class CsrfRejected(Exception):
    """A form came without this session's CSRF token."""


def get_visitor(request: Request, session: SessionDep, now: NowDep) -> Caller:
    """The logged-in user of a page request, as the API's caller, in the request's transaction;
    :class:`LoginRequired` without a session, for a user no longer active, for a session begun
    before a change to the user's access (deactivated and activated, another role or password),
    or after logging out of the session (:mod:`api.web.ended`)."""
    web = web_state(request)
    current = web_session.read(request, web.codec)
    if current is None or current.user is None:
        raise LoginRequired
    user = accounts.find_active(session, current.user)
    if user is None or user.generation != current.generation:
        raise LoginRequired
    if ended.has_ended(session, current.sid):
        raise LoginRequired
    request.state.web_session = current
    request.state.viewer = Viewer(name=user.name, role=user.role)
    return Caller(
        name=user.name,
        role=user.role,
        shelter_id=user.shelter_id,
        transaction=session,
        request_id=request_id(request.scope),
        now=now.astimezone(UTC),
        generation=user.generation,
    )


Visitor = Annotated[Caller, Depends(get_visitor)]


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token has been found to be this session's."""
    form = await request.form()
    web = web_state(request)
    current = web_session.read(request, web.codec)
    token = form.get("csrf")
    if current is None or not isinstance(token, str) or not web.codec.csrf_valid(current, token):
        raise CsrfRejected
    return form


Form = Annotated[FormData, Depends(checked_form)]


@cache
def guard_of(endpoint: Callable[..., object]) -> Guard:
    """The role check an API route declares on its ``caller`` parameter, in the form for code
    already running in a worker thread (:meth:`RoleCheck.check`)."""
    hints = get_type_hints(endpoint, include_extras=True)
    for meta in getattr(hints.get("caller"), "__metadata__", ()):
        if isinstance(meta, DependsParam) and isinstance(meta.dependency, RoleCheck):
            return meta.dependency.check
    raise TypeError(f"{endpoint.__name__} declares no role check on its caller")


def call(
    endpoint: Callable[..., T], request: Request, caller: Caller, /, *args: Any, **kwargs: Any
) -> T:
    """Run an API route function for a page: its role check first, then the route itself."""
    guard_of(endpoint)(request, caller)
    return endpoint(*args, caller=caller, **kwargs)


def may(endpoint: Callable[..., object], request: Request, caller: Caller) -> bool:
    """Whether the caller passes a route's role check; only for routes that write no audit row
    when they refuse (shelters, capacity), since asking must leave no trace."""
    try:
        guard_of(endpoint)(request, caller)
    except ProblemError:
        return False
    return True


def redirect(path: str) -> Response:
    """See-other to a page of this service (after a form, or to a role's home page)."""
    return secure(RedirectResponse(path, status_code=303))


class PageRoute(APIRoute):
    """A page route: problems and missing logins become pages, never JSON."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        """The usual handler, wrapped so that what goes wrong is shown as a page."""
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                response: Response = await handle(request)
            except LoginRequired:
                wanted = request.url.path if request.method == "GET" else "/"
                return redirect(f"/login?next={quote(wanted, safe='/')}")
            except CsrfRejected:
                log.warning("form refused: no valid CSRF token (%s)", self.path_format)
                return _problem_page(request, 403, "csrf")
            except ProblemError as problem:
                return _problem_page(request, problem.status, problem.code)
            except DATABASE_FAILURES as failure:
                log_database_failure(failure)
                busy = _problem_page(request, 503, None)
                busy.headers.update(RETRY_AFTER)
                return busy
            except (StarletteHTTPException, RequestValidationError):
                raise  # the app's handlers answer these (a body over the limit, say)
            except Exception as failure:
                # A desk in the middle of a case reads what happened in its language, with the
                # request's id to quote, not a JSON document (the transaction is rolled back).
                log_unhandled(failure, request.scope)
                return _problem_page(request, 500, None)
            return response

        return page


def page_router() -> APIRouter:
    """A router of pages: left out of the API's OpenAPI document, answering in HTML."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


def _problem_page(request: Request, status: int, code: str | None) -> Response:
    """The error page for a refusal, with the status the API would have answered, and the
    request's id (a fault's page names it, so that a report of it can be traced in the logs)."""
    pages = web_state(request).pages
    context = {"status": status, "code": code, "request_id": request_id(request.scope)}
    return pages.render(request, "error.html", context, status=status)


def serve_missing_pages(app: FastAPI) -> None:
    """Answer a browser asking for a page that does not exist with the error page in the reader's
    language, and a form posted to a page with more than the service takes (413,
    :class:`api.middleware.BodyLimit`) too, whatever it accepts: only a form is posted there. The
    API's paths, and every client not asking for HTML a page that is not there, keep the problem
    document the API's handler gives (``api.problems``)."""
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        wants_page = "text/html" in request.headers.get("accept", "")
        page = not path.startswith(NOT_PAGES)
        if page and (exc.status_code == 413 or (exc.status_code == 404 and wants_page)):
            return _problem_page(request, exc.status_code, None)
        answered = api_handler(request, exc)
        return await answered if inspect.isawaitable(answered) else answered

    app.add_exception_handler(StarletteHTTPException, not_found)
