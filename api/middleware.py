"""ASGI middleware of the service: a request id on every exchange, a bounded body, and no unhandled
error escaping.

Both are plain ASGI classes rather than ``BaseHTTPMiddleware`` so that they add no task per request
and see the scope FastAPI fills in while routing (``scope["route"]``: the route template).
"""

from __future__ import annotations

import inspect
import logging
import re
import uuid
from collections.abc import Sequence

from fastapi import Request, Response
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import fault_site
from api.problems import problem_response

logger = logging.getLogger(__name__)

HEADER = "x-request-id"


def request_id(scope: Scope) -> str:
    """The id :class:`RequestId` gave this request (empty outside a request)."""
    state = scope.get("state") or {}
    value = state.get("request_id", "")
    return value if isinstance(value, str) else ""


def route_templates(routes: Sequence[BaseRoute]) -> dict[int, str]:
    """Each route of an app (by identity) with its full template, router prefixes included.

    FastAPI puts the route as declared in its router (without the prefixes) into
    ``scope["route"]``; this table gives its full template. Routes compare by value and are not
    hashable, and live as long as the app, so their ``id`` is the key.
    """
    return {
        id(context.original_route): context.path_format
        for context in iter_route_contexts(routes)
        if context.path_format
    }


def route_template(scope: Scope) -> str:
    """The matched route's template (``/api/v1/referrals/{referral_id}``), never the raw path.

    Logs and metrics carry templates only: raw paths hold case ids, which are pseudonymous but
    link to the audit trail, and an unmatched path could carry anything a caller typed.
    """
    app = scope.get("app")
    templates = getattr(getattr(app, "state", None), "route_templates", {})
    template = templates.get(id(scope.get("route")))
    return template if isinstance(template, str) else "unmatched"


# Every answer: no guessing of types, no framing by other sites, no address of ours sent onward.
_EVERY_ANSWER: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
# The API's answers hold personal data or live places: no cache (a browser's or a proxy's) keeps
# them. The web pages set their own headers (api.web.render.secure); static files may be cached.
_API_ANSWER: tuple[tuple[bytes, bytes], ...] = ((b"cache-control", b"no-store"),)
API_PREFIX = "/api/"
# A Content-Length the body limit reads ahead of the body.
_LENGTH = re.compile(r"[0-9]{1,18}")


class RequestId:
    """Gives each request an id of its own, sends it back in ``X-Request-ID``, and adds the
    headers above to every answer that does not set them itself.

    The same id is written into every audit row of the request, so a complaint quoting the id
    can be traced through the audit trail and the logs. A caller's own ``X-Request-ID`` is not
    taken: the trail is kept for years, and an id chosen by a client could carry a name or a
    birth date into it, or repeat another request's id and blur whose row is whose.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        wanted = _EVERY_ANSWER
        if str(scope.get("path", "")).startswith(API_PREFIX):
            wanted = (*wanted, *_API_ANSWER)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in wanted if pair[0] not in present)
                headers.append((HEADER.encode(), rid.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """The request body is over the limit (raised while the body is read)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with a 413, answered by the app's handler of
    HTTP errors: a problem document (the web pages' error page for a form posted to a page).

    A declared ``Content-Length`` over the limit is refused before anything is read; a body sent
    in chunks is counted as it arrives and refused as soon as it passes the limit. (FastAPI's own
    limit answers in plain text, not as a problem document.)
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        # Read only when plain digits of a sane length ("²" passes isdigit but not int, which
        # refuses thousands of digits too); any other body is measured as it arrives, below.
        if _LENGTH.fullmatch(declared) and int(declared) > self.limit:
            response = await _answer(Request(scope), BodyTooLarge(self.limit))
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counting_receive, send)


async def _answer(request: Request, exc: HTTPException) -> Response:
    """What the app's handler of HTTP errors answers to ``exc`` (raised before the app's own
    exception middleware, which would have called it); a problem document without one."""
    handlers = getattr(request.scope.get("app"), "exception_handlers", {})
    handler = handlers.get(HTTPException)
    if handler is None:
        return problem_response(request, exc.status_code, exc.detail)
    answered = handler(request, exc)
    response: Response = await answered if inspect.isawaitable(answered) else answered
    return response


def log_unhandled(exc: Exception, scope: Scope) -> None:
    """Log an exception nothing handled by its type, the line it came from, the route and the
    request id, never by its message: a message can quote input (a validation error repeats the
    values it rejected)."""
    logger.error(
        "unhandled %s (%s %s, request %s)",
        fault_site(exc),
        scope.get("method", ""),
        route_template(scope),
        request_id(scope),
    )


class Guard:
    """Turns any unhandled exception into a 500 problem document, logged without its message
    (:func:`log_unhandled`). The web pages answer their own faults with their error page
    (:class:`api.web.access.PageRoute`); what escapes even that ends here.

    Starlette's own error middleware would re-raise the exception to the server, which logs it
    with its message.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log_unhandled(exc, scope)
            if started:
                return
            request = Request(scope, receive)
            response = problem_response(
                request, 500, "the service failed to handle this request; it has been logged"
            )
            await response(scope, receive, send)
