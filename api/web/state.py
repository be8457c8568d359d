"""What the pages share within one app: the session codec, the templates and the planner's runs.

Kept on ``app.state.web``, set once by :func:`api.web.mount`, so that two apps in one process (as
in the tests) never share sessions or runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from api.web.render import Pages
from api.web.runs import RunBook
from api.web.session import SessionCodec


@dataclass(frozen=True)
class WebState:
    """Everything a page needs besides the request and the API's own state."""

    codec: SessionCodec
    pages: Pages
    runs: RunBook
    scenarios: Path
    uploads: Path


def web_state(request: Request) -> WebState:
    """The web state of the app serving ``request``."""
    state: WebState = request.app.state.web
    return state
