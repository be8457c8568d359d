"""The service as the browser tests run it: ``create_app`` with the pages mounted, on a clock that
starts on a Monday morning (office-hours shelters take intakes) and runs at the real pace, so
holds count down while the browser watches."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from fastapi import FastAPI

from api.deps import get_now
from api.main import create_app
from api.web import mount
from tests.api.helpers import MONDAY_MORNING
from tests.web.site import SCENARIOS


def create() -> FastAPI:
    """The app for ``uvicorn --factory``."""
    app = create_app()
    mount(app, scenarios=SCENARIOS)
    started = time.monotonic()

    def now() -> datetime:
        return MONDAY_MORNING + timedelta(seconds=time.monotonic() - started)

    app.dependency_overrides[get_now] = now
    return app
