"""``/docs``: the interactive API documentation, served by the service alone (works offline)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.docs import ASSETS, ASSETS_URL
from tests.api.databases import sqlite_url
from tests.api.helpers import Api, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The service on SQLite: the pages do not depend on the database."""
    with running_api(sqlite_url(tmp_path), tmp_path / "var") as running:
        yield running


def test_the_docs_page_loads_nothing_from_another_origin(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    loaded = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert f"{ASSETS_URL}/swagger-ui-bundle.js" in loaded
    assert f"{ASSETS_URL}/swagger-ui.css" in loaded
    assert "/openapi.json" in loaded
    assert [url for url in loaded if "//" in url] == []


def test_every_asset_is_served_with_its_type(api: Api) -> None:
    for name, media_type in ASSETS.items():
        response = api.client.get(f"{ASSETS_URL}/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"].startswith(media_type), name
        assert "max-age" in response.headers["cache-control"], name
        assert len(response.content) > 500, name
    assert b"SwaggerUIBundle" in api.client.get(f"{ASSETS_URL}/swagger-ui-bundle.js").content


def test_only_the_listed_assets_and_no_cdn_pages_are_served(api: Api) -> None:
    assert api.client.get(f"{ASSETS_URL}/__init__.py").status_code == 404
    assert api.client.get("/redoc").status_code == 404
    assert api.client.get("/docs/oauth2-redirect").status_code == 200


def test_the_docs_pages_may_load_from_this_service_only(api: Api) -> None:
    for path in ("/docs", "/docs/oauth2-redirect"):
        policy = api.client.get(path).headers["content-security-policy"]
        assert "default-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
