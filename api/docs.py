"""The interactive API documentation at ``/docs``, served entirely by the service itself.

FastAPI's own ``/docs`` page loads Swagger UI from a public CDN, so on a placement desk's network
without internet access it stayed blank. The Swagger UI files come instead from the
``fastapi-swagger`` package, which ships the current Swagger UI release, and are served from
``/docs/assets/``: the page works offline and loads nothing from another origin. (``/redoc``,
which would need a CDN too, is not offered.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_URL = "/docs/assets"
# File name in the package -> media type; nothing else of the package is served.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
# The files change only when the package is upgraded, which restarts the service.
CACHE_CONTROL = "public, max-age=86400"
# Swagger UI's page starts itself with an inline script and styles; everything else it loads,
# and every call it makes, stays on this service.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def mount(app: FastAPI) -> None:
    """Add ``/docs``, its OAuth2 redirect page and its assets to ``app`` (created with
    ``docs_url=None`` so that FastAPI's CDN page is not there as well)."""
    folder = resources.files("fastapi_swagger").joinpath("resources")
    for name, media_type in ASSETS.items():
        app.add_route(
            f"{ASSETS_URL}/{name}",
            _asset(folder.joinpath(name).read_bytes(), media_type),
            include_in_schema=False,
        )

    async def swagger_ui(_request: Request) -> HTMLResponse:
        return _confined(
            get_swagger_ui_html(
                openapi_url=app.openapi_url or "/openapi.json",
                title=f"{app.title} - API",
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
                oauth2_redirect_url=OAUTH2_REDIRECT_URL,
                # No spec validation by swagger.io's online validator either.
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    async def oauth2_redirect(_request: Request) -> HTMLResponse:
        return _confined(get_swagger_ui_oauth2_redirect_html())

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)


def _confined(page: HTMLResponse) -> HTMLResponse:
    """``page`` with the documentation's content policy (no other origin, no framing)."""
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page


def _asset(content: bytes, media_type: str) -> Callable[[Request], Awaitable[Response]]:
    """A handler answering with one file, read once at start-up."""

    async def serve(_request: Request) -> Response:
        return Response(content, media_type=media_type, headers={"Cache-Control": CACHE_CONTROL})

    return serve
