"""The web interface: server-rendered pages for the desk, shelter staff, planners, auditors and
the admin.

``mount(app)`` adds the pages and their static files to the service's app. The pages are thin:
every read, search and change goes through the API's own route functions (roles, audit rows,
ledger and all), so the browser and the HTTP API can never disagree about what is allowed or what
happened. Dutch by default, English on request; no build step and nothing loaded from elsewhere.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.middleware import route_templates
from api.scenario_runner import RunRegistry
from api.settings import Settings
from api.web.access import page_router, serve_missing_pages
from api.web.pages import (
    account,
    audit,
    board,
    desk,
    network,
    plan,
    planner,
    referral,
    referral_edit,
    shelter,
)
from api.web.render import STATIC_PREFIX, Pages
from api.web.runs import RunBook
from api.web.session import SessionCodec
from api.web.state import WebState

STATIC = Path(__file__).with_name("static")
# Where shipped scenario files are, relative to the working directory, as ``var/`` is.
SCENARIOS = Path("scenarios")


def mount(app: FastAPI, *, scenarios: Path = SCENARIOS) -> None:
    """Add the pages to ``app`` (made by :func:`api.main.create_app`); a second call does
    nothing.

    The planner pages share the app's scenario-run registry (``app.state.scenario_runs``) with
    the API when there is one, and make it otherwise.
    """
    if getattr(app.state, "web", None) is not None:
        return
    settings: Settings = app.state.settings
    registry = getattr(app.state, "scenario_runs", None)
    if not isinstance(registry, RunRegistry):
        registry = RunRegistry(app.state.database)
        app.state.scenario_runs = registry
    codec = SessionCodec(app.state.signing_secret, timedelta(minutes=settings.token_minutes))
    app.state.web = WebState(
        codec=codec,
        pages=Pages(codec),
        runs=RunBook(registry),
        scenarios=scenarios,
        uploads=settings.var_dir / "scenario-uploads",
    )
    pages = page_router()
    for module in (
        account,
        desk,
        referral,
        referral_edit,
        plan,
        board,
        shelter,
        network,
        planner,
        audit,
    ):
        pages.include_router(module.router)
    app.include_router(pages)
    serve_missing_pages(app)
    app.mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=STATIC), name="web-static")
    # Logs and metrics name routes by template; the table was made before the pages existed.
    app.state.route_templates = route_templates(app.routes)
