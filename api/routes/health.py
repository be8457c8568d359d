"""``/healthz`` for load balancers and ``/metrics`` for Prometheus; both open, neither personal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.db.session import Database
from api.deps import get_database
from api.observe import exposition
from api.problems import ProblemError, responses
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", responses=responses(503))
def healthz(database: Annotated[Database, Depends(get_database)]) -> Health:
    """The service runs and its database answers."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise ProblemError(503, "the database does not answer") from None
    return Health(status="ok", database=database.dialect)


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """Request and solver latency histograms, in Prometheus text format."""
    body, content_type = exposition()
    return Response(content=body, media_type=content_type)
