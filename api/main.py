"""The HTTP service: ``create_app`` builds it, run by ``safeplace serve``. Anyone starting uvicorn
on it by hand (``uvicorn api.main:create_app --factory --no-access-log``) must turn uvicorn's
access log off as ``serve`` does: it would write every request's raw path, case ids included.

The factory prepares the database before it returns (creates ``var/``, migrates, seeds the
synthetic national network into an empty database), so a worker process never accepts a request
against a half-made schema; with several workers each runs the same idempotent steps.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.telemetry import TelemetryConfig
from sqlalchemy import func, select

from api import problems
from api.db.session import Database
from api.db.tables import UserRow
from api.deps import refuse_unsound_json
from api.docs import mount as mount_docs
from api.lanes import RankingLane
from api.logs import protect
from api.middleware import BodyLimit, Guard, RequestId, route_templates
from api.network_cache import NetworkCache
from api.observe import Observe
from api.ratelimit import LoginThrottle
from api.routes import (
    audit,
    auth,
    capacity,
    health,
    holds,
    placements,
    plans,
    referrals,
    scenario_runs,
    shelters,
    stays,
)
from api.scenario_runner import RunRegistry
from api.settings import Settings, get_settings
from api.web import mount as mount_web
from api.writer_turns import request_sessions, writer_turns

logger = logging.getLogger(__name__)

# Threads for blocking work (every route and dependency touching the database runs in one, but
# a ranking may run on the event loop instead, see api.lanes). A
# request holds at most one at a time; a request whose transaction is under way must always find
# one free, or it could wait for ever behind requests waiting for its transaction to end. So there
# are more threads than requests a worker admits at once (``safeplace serve`` admits
# ``MAX_CONCURRENT_REQUESTS``); anyio's default of 40 is too few for 50 desks on one worker.
THREADS = 256
MAX_CONCURRENT_REQUESTS = 200

# FastAPI's own OpenTelemetry support, all of it off. It records into whatever global providers
# the process has (an operator's auto-instrumentation sets them, or its OTEL_* variables once
# FASTAPI_OTEL_AUTO_CONFIGURE is set): spans with request paths, and validation failures and
# exceptions with their messages, stack traces and the request body, which here is a referral's
# special-category data, to be shipped wherever the exporter points. The service's own
# observability (/metrics, logs) is built to carry nothing personal (api.observe, api.logs).
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}

TITLE = "Safeplace"
VERSION = "1"
DESCRIPTION = (
    "Placement of victims of human trafficking in shelter places in the Netherlands. "
    "All data in this installation is synthetic. Errors are RFC 9457 problem documents."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for ``settings`` (default: from the ``SAFEPLACE_*`` environment)."""
    settings = settings if settings is not None else get_settings()
    protect()
    database = prepare(settings)
    _hint_first_user(database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = THREADS
        _freeze_start_up()
        yield
        gc.unfreeze()
        database.dispose()

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served by api.docs from the service's own files instead of FastAPI's CDN page.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        telemetry=NO_TELEMETRY,
    )
    app.state.settings = settings
    app.state.database = database
    turns = writer_turns(database.engine)
    app.state.sessions = request_sessions(database.engine, turns)
    app.state.signing_secret = settings.signing_secret()
    app.state.throttle = LoginThrottle(
        database, settings.login_attempts_per_minute, secret=app.state.signing_secret
    )
    app.state.network_cache = NetworkCache()
    app.state.ranking_lane = RankingLane(app.state.sessions, turns)

    problems.install(app)
    # Added innermost first: RequestId wraps everything, BodyLimit sits right around the app.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(Guard)
    app.add_middleware(Observe)
    app.add_middleware(RequestId)

    # Straight onto the app, not through an ``/api/v1`` router of their own: every level of
    # included routers is one more round of route matching for every request.
    routers = (
        auth,
        shelters,
        referrals,
        holds,
        placements,
        plans,
        capacity,
        stays,
        audit,
        scenario_runs,
    )
    for module in routers:
        app.include_router(
            module.router, prefix="/api/v1", dependencies=[Depends(refuse_unsound_json)]
        )
    app.include_router(health.router)
    mount_docs(app)
    # One registry of background scenario runs, shared by the API and the planner pages.
    app.state.scenario_runs = RunRegistry(database)
    mount_web(app, scenarios=settings.scenarios_dir)
    app.state.route_templates = route_templates(app.routes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _freeze_start_up() -> None:
    """Keep what starting made (modules, the app, its routes) out of the garbage collector's
    full collections for as long as the app runs.

    Those objects live as long as the process, yet every full collection walked all of them:
    under load that stopped a worker, and every request in it, for 60-100 ms a few times a
    minute, most of the ranking route's p99. Frozen, a full collection walks only what was made
    since; the app's shutdown unfreezes them, so an app that is stopped (as tests do, many per
    process) can still be collected. (No collection first: it would cost every start, of every
    test's app too, a tenth of a second, to free what little garbage starting leaves.)
    """
    gc.freeze()


def prepare(settings: Settings) -> Database:
    """Create ``var/``, migrate, and seed the sample network into an empty database."""
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    database = Database.for_url(settings.database_url)
    database.migrate()
    if settings.seed_sample_network:
        database.seed_if_empty()
    return database


def _hint_first_user(database: Database) -> None:
    """Say how to create the first user while there is none (nobody can log in before)."""
    with database.session() as session:
        users = session.scalar(select(func.count()).select_from(UserRow)) or 0
    if users == 0:
        logger.warning(
            "no users yet: create the first one with "
            "'safeplace users add NAME --role admin' (the password is asked for)"
        )


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with the problem document's schema every error refers to."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            problems.openapi_components()
        )
        app.openapi_schema = schema
    return app.openapi_schema
