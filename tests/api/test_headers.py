"""Headers every answer carries: API answers are never cached, nothing is sniffed or framed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.databases import sqlite_url
from tests.api.helpers import Api, referral, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The service on SQLite: headers do not depend on the database."""
    with running_api(sqlite_url(tmp_path), tmp_path / "var") as running:
        yield running


def test_answers_with_personal_data_are_never_cached(api: Api) -> None:
    case = api.ok(api.post("desk", "/api/v1/referrals", referral()), 201)["id"]
    answers = [
        api.get("desk", f"/api/v1/referrals/{case}"),
        api.get("desk", "/api/v1/referrals"),
        api.get("desk", "/api/v1/referrals/Cmissing"),  # a problem document too
        api.client.get("/api/v1/referrals"),  # and a refusal
    ]
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store", answer.request.url
        assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url


@pytest.mark.parametrize("path", ["/healthz", "/docs", "/openapi.json", "/login"])
def test_every_answer_forbids_sniffing_and_framing(api: Api, path: str) -> None:
    answer = api.client.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_static_files_keep_their_own_caching(api: Api) -> None:
    answer = api.client.get("/docs/assets/swagger-ui.css")
    assert answer.headers["cache-control"].startswith("public")
