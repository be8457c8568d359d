"""Every error of the API as an RFC 9457 problem document (``application/problem+json``).

Clients at the desk and at shelters handle one error shape everywhere: ``type``, ``title``,
``status``, ``detail``, ``instance``, plus ``errors`` (field paths such as
``danger_zones[0].min_km``, the same paths the command line prints) for bad input and ``code`` (a
machine-readable reason such as ``no_room``) for conflicts. Problem documents go to the client
only; they are never logged, since a field message may quote the value it rejects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from api.auth import InvalidToken, read_token
from api.writer_turns import DatabaseBusy
from models.errors import FIELD_PROBLEMS, Loc, error_message, format_path, problems_from_error

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://safeplace.example/problems/"
# Parameter sources FastAPI puts first in a location; the body's own fields need no prefix.
_SOURCES = ("query", "path", "header", "cookie")
# The error type of a key a JSON body gives twice in one object (api.deps.refuse_unsound_json).
KEY_REPEATED = "json_key_repeated"
# The error type of a string of a JSON body that holds a lone UTF-16 surrogate (idem).
HALF_CHARACTER = "json_half_character"


class FieldError(BaseModel):
    """One bad input, at the path of its field."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Field path, e.g. danger_zones[0].min_km; empty for the body.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request path the problem arose at.")
    code: str | None = Field(default=None, description="Machine-readable reason of a conflict.")
    reasons: list[str] | None = Field(
        default=None, description="Hard rules that rule a shelter out (code rule_broken)."
    )
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raised by routes and dependencies to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        reasons: Sequence[str] = (),
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.reasons = list(reasons) or None
        self.errors = list(errors) if errors is not None else None
        self.headers = dict(headers or {})


def version_conflict(what: str, read: int, version: int, updated_at: datetime) -> ProblemError:
    """The 409 for a change based on ``what`` as read at version ``read``, which others have
    changed since (it is at ``version`` now, changed at ``updated_at``): nothing is saved."""
    return ProblemError(
        409,
        f"the {what} changed since version {read} was read (it is at version {version}, "
        f"updated {updated_at.isoformat()}): read it again and resend",
        code="version_conflict",
    )


def invalid(error: ValidationError) -> ProblemError:
    """A 422 for a contract model that a request's data does not make (field paths kept)."""
    return ProblemError(
        422,
        "the request breaks the placement contract",
        errors=[FieldError(path=p.path, message=p.message) for p in problems_from_error(error)],
    )


def invalid_field(path: str, message: str) -> ProblemError:
    """A 422 for one field whose value the current state does not allow."""
    return ProblemError(
        422,
        "the request breaks the placement contract",
        errors=[FieldError(path=path, message=message)],
    )


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    code: str | None = None,
    reasons: Sequence[str] | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The problem document for ``status`` at this request's path."""
    phrase = HTTPStatus(status).phrase
    slug = code or phrase.lower().replace(" ", "-").replace("'", "")
    problem = Problem(
        type=TYPE_BASE + slug,
        title=phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        reasons=list(reasons) if reasons else None,
        errors=list(errors) if errors is not None else None,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def field_errors(items: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic error items -> field errors with contract-style paths and no input values.

    The contract types report cross-field problems as one ``field_problems`` error carrying
    paths relative to the model; those are unfolded here so each lands on its own field.
    """
    found: list[FieldError] = []
    for item in items:
        loc: list[int | str] = list(item.get("loc", ()))
        if item.get("type") == "json_invalid":
            loc = []
        elif loc and loc[0] == "body":
            loc = loc[1:]
        elif loc and loc[0] in _SOURCES and len(loc) > 1:
            loc = [f"{loc[0]}.{loc[1]}", *loc[2:]]
        ctx = item.get("ctx") or {}
        if item.get("type") == FIELD_PROBLEMS:
            relative: list[tuple[Loc, str]] = ctx.get("problems", [])
            found.extend(
                FieldError(path=format_path([*loc, *rel]), message=msg) for rel, msg in relative
            )
        else:
            found.append(FieldError(path=format_path(loc), message=_message(item)))
    return found


def _message(item: Mapping[str, Any]) -> str:
    if item.get("type") == "json_invalid":
        return "the body is not valid JSON"
    return error_message(item)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        exc.detail,
        code=exc.code,
        reasons=exc.reasons,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if _before_authentication(exc) and not _signed_in(request):
        return problem_response(
            request,
            401,
            "a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    errors = field_errors(exc.errors())
    return problem_response(
        request, 422, "the request does not match the API's schema", errors=errors
    )


def _before_authentication(exc: RequestValidationError) -> bool:
    """Whether the body was refused before any dependency, the caller's check included, ran:
    FastAPI's JSON parser, or :func:`api.deps.refuse_unsound_json` (a key given twice, half a
    character), which runs first.

    Those two refusals would otherwise reach a caller nobody has authenticated; every other
    schema problem is reported after the caller's check (:func:`api.deps.get_session`).
    """
    return any(
        item.get("type") in ("json_invalid", KEY_REPEATED, HALF_CHARACTER) for item in exc.errors()
    )


def _signed_in(request: Request) -> bool:
    """Whether the request carries a bearer token this service signed and that is still valid.

    No database here: whether its user is still active is checked with the request's transaction,
    which broken JSON never opens; a signed, unexpired token's holder learns only that the body
    it sent is not JSON.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        read_token(token.strip(), secret=request.app.state.signing_secret)
    except InvalidToken:
        return False
    return True


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = exc.headers
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        if allowed:
            headers = {**(headers or {}), "Allow": ", ".join(sorted(allowed))}
    return problem_response(request, exc.status_code, detail, headers=headers)


def allowed_methods(request: Request) -> set[str]:
    """Every method some route of the app answers at the request's path.

    A 405 must list them all (RFC 9110, 15.5.6); Starlette names only those of the first route
    whose path matched, and this API declares each method of a path as a route of its own. A
    405 is rare, so the routes are walked when one happens.
    """
    path = request.scope["path"]
    allowed: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.path and compile_path(route.path)[0].match(path):
            allowed |= route.methods
    return allowed


# What a database that is down, locked or not answering raises: a 503, never a 500. (A pool with
# every connection busy or stuck raises TimeoutError.)
DATABASE_FAILURES: tuple[type[Exception], ...] = (DatabaseBusy, OperationalError, PoolTimeout)
RETRY_AFTER = {"Retry-After": "1"}


def log_database_failure(exc: Exception) -> None:
    """Log that the database failed, by the exception's type only: an OperationalError's
    message quotes the statement and its parameters."""
    logger.warning("database unavailable or busy: %s", type(exc).__name__)


async def _on_database_busy(request: Request, exc: Exception) -> JSONResponse:
    log_database_failure(exc)
    return problem_response(
        request, 503, "the database is busy or unavailable: try again shortly", headers=RETRY_AFTER
    )


def install(app: FastAPI) -> None:
    """Answer every handled error of ``app`` with a problem document."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    for failure in DATABASE_FAILURES:
        app.add_exception_handler(failure, _on_database_busy)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting these statuses as problem documents."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def openapi_components() -> dict[str, Any]:
    """The problem document's schemas, for ``components.schemas`` of the OpenAPI document."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    nested: dict[str, Any] = schema.pop("$defs", {})
    return {**nested, "Problem": schema}
