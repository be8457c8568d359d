"""The auditor's search of the audit trail: the API's ``GET /audit``, as a form and a table,
under where the trail begins once retention purged its start (``GET /audit/beginning``).

Times are typed and shown in Amsterdam time, as everything else on the pages; the search itself
runs in UTC, as the trail is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response

from api.routes import audit
from api.web.access import Visitor, call, page_router
from api.web.state import web_state
from api.web.timing import parse_local_minute

router = page_router()
PAGE = 100
FIELDS = ("actor", "action", "object_type", "object_id", "result", "request_id")
# The API's bound on every filter word.
LONGEST = 64


@router.get("/audit")
def audit_page(request: Request, caller: Visitor) -> Response:
    """Rows of the audit trail matching the form, newest first, a page at a time."""
    query = request.query_params
    words = {name: query.get(name, "").strip() for name in FIELDS}
    problems = [name for name, word in words.items() if len(word) > LONGEST]
    moments: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        try:
            moments[name] = _moment(query.get(name, ""))
        except ValueError:
            problems.append(name)
    page = max(_whole(query.get("page", "1")), 1)
    filters: dict[str, Any] = {name: word or None for name, word in words.items()}
    rows = []
    if not problems:
        rows = call(
            audit.read_audit,
            request,
            caller,
            **filters,
            since=moments.get("since"),
            until=moments.get("until"),
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
        "searched": bool(query),
        "query": urlencode([(k, v) for k, v in query.items() if k != "page" and v]),
    }
    status = 422 if problems else 200
    return web_state(request).pages.render(request, "audit.html", context, status=status)


def _moment(text: str) -> datetime | None:
    """An Amsterdam wall-clock time, None when empty (ValueError when it cannot be read)."""
    if not text:
        return None
    return parse_local_minute(text)


def _whole(text: str) -> int:
    """A page number from the address; anything else is the first page."""
    try:
        return int(text)
    except ValueError:
        return 1
