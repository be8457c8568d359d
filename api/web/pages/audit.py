"""The auditor's search of the audit trail: the API's ``GET /audit``, as a form and a table,
under where the trail begins once retention purged its start (``GET /audit/beginning``).

Times are typed and shown in Amsterdam time, as everything else on the pages; the search itself
runs in UTC, as the trail is stored.

The page calls the route as a function, past the checks FastAPI makes of a request's query, so it
checks the form's values against the route's own parameter types (their bounds included) and
shows what breaks them at its field, instead of handing the database a moment or an offset it
cannot store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_type_hints
from urllib.parse import urlencode

from fastapi import Request, Response
from pydantic import TypeAdapter, ValidationError

from api.routes import audit
from api.routes.common import MOST_OFFSET
from api.web.access import Visitor, call, page_router
from api.web.forms import FieldProblem, whole_number
from api.web.state import web_state
from api.web.timing import parse_local_minute
from models.moment import FIRST_YEAR, LAST_YEAR

router = page_router()
PAGE = 100
FIELDS = ("actor", "action", "object_type", "object_id", "result", "request_id")
# The last page whose rows the API's bound on the offset still reaches.
LAST_PAGE = MOST_OFFSET // PAGE + 1
# The route's filters as it declares them, ``Query`` bounds and all.
_ROUTE = get_type_hints(audit.read_audit, include_extras=True)
_CHECKS = {name: TypeAdapter[Any](_ROUTE[name]) for name in (*FIELDS, "since", "until")}


@router.get("/audit")
def audit_page(request: Request, caller: Visitor) -> Response:
    """Rows of the audit trail matching the form, newest first, a page at a time."""
    query = request.query_params
    problems: list[FieldProblem] = []
    words = {name: query.get(name, "").strip() for name in FIELDS}
    filters = {name: _word(name, word, problems) for name, word in words.items()}
    moments = {name: _moment(name, query.get(name, ""), problems) for name in ("since", "until")}
    page = _page(query.get("page", ""), problems)
    rows = []
    if not problems:
        rows = call(
            audit.read_audit,
            request,
            caller,
            **filters,
            since=moments["since"],
            until=moments["until"],
            limit=PAGE + 1,
            offset=(page - 1) * PAGE,
        )
    context = {
        "beginning": call(audit.read_beginning, request, caller),
        "words": words,
        "since": query.get("since", ""),
        "until": query.get("until", ""),
        "rows": rows[:PAGE],
        "more": len(rows) > PAGE,
        "page": page,
        "problems": problems,
        "problem_fields": {problem.field for problem in problems},
        "searched": bool(query),
        "query": urlencode([(k, v) for k, v in query.items() if k != "page" and v]),
    }
    status = 422 if problems else 200
    return web_state(request).pages.render(request, "audit.html", context, status=status)


def _word(name: str, word: str, problems: list[FieldProblem]) -> str | None:
    """The filter ``name`` as the route takes it, None when empty or when it breaks the route's
    bounds on it (then added to ``problems``: too long, or with a control character in it)."""
    try:
        checked: str | None = _CHECKS[name].validate_python(word or None)
    except ValidationError as error:
        limits = error.errors()[0].get("ctx") or {}
        if "max_length" in limits:
            problems.append(FieldProblem(name, "too_long", str(limits["max_length"])))
        else:
            problems.append(FieldProblem(name, "printable", ""))
        return None
    return checked


def _moment(name: str, text: str, problems: list[FieldProblem]) -> datetime | None:
    """The Amsterdam wall-clock time typed into ``name``, None when empty or when it is no
    moment or lies outside the years the route takes (then added to ``problems``)."""
    if not text:
        return None
    try:
        moment = parse_local_minute(text)
    except ValueError:
        problems.append(FieldProblem(name, "moment", text))
        return None
    try:
        checked: datetime | None = _CHECKS[name].validate_python(moment)
    except ValidationError:  # a moment read with its offset can only be out of the years
        problems.append(FieldProblem(name, "years", f"{FIRST_YEAR}-{LAST_YEAR}"))
        return None
    return checked


def _page(text: str, problems: list[FieldProblem]) -> int:
    """The page number in the address (the first without one), or the first when it is no
    whole number from 1 to :data:`LAST_PAGE` (then added to ``problems``)."""
    if not text:
        return 1
    page = whole_number(text)  # as the other forms read a number: "٣" or "1_0" is none
    if page is None:
        past_the_last = text.isascii() and text.isdigit()  # digits beyond any page number
        problems.append(
            FieldProblem("page", "at_most", str(LAST_PAGE))
            if past_the_last
            else FieldProblem("page", "number", text)
        )
        return 1
    if page < 1:
        problems.append(FieldProblem("page", "at_least", "1"))
        return 1
    if page > LAST_PAGE:
        problems.append(FieldProblem("page", "at_most", str(LAST_PAGE)))
        return 1
    return page
