"""Parameter types and documented error responses shared by the resource modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from api.problems import responses
from api.schemas import PRINTABLE

Id = Annotated[
    str, Path(min_length=1, max_length=64, pattern=PRINTABLE, description="A pseudonymous id.")
]
# The most rows a listing skips (a larger offset only makes the database step over rows for
# nothing, and past SQLite's integers fails); the auditor's page turns no further either.
MOST_OFFSET = 1_000_000
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=MOST_OFFSET, description="Rows to skip.")]
FilterId = Annotated[str | None, Query(min_length=1, max_length=64, pattern=PRINTABLE)]

# What every authenticated route can answer besides its success.
AUTHENTICATED = responses(401, 403, 422)
# ... and a route on one object, or one that reads a body (400: a body that is no UTF-8 JSON).
ON_OBJECT = responses(401, 403, 404, 422)
CHANGING = responses(400, 401, 403, 404, 409, 413, 422)
