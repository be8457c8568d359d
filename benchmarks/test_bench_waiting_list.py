"""The desk's waiting list after a raid: one view of the list with 30 held cases, in-process.

The night desk keeps the list open and refreshes it, and after a raid most of the people on it are
held. For each held case the list checks whether its hold is in doubt (the shelter closed, cut
its places, no longer fits, or takes no intake before the hold runs out). The view is timed
through the app in-process (no server, no network), on SQLite and on PostgreSQL, and the SQL
statements of one view are recorded in ``extra_info`` (``statements_per_view``).

Run with ``pytest benchmarks/test_bench_waiting_list.py``; the PostgreSQL variant needs the server
on 127.0.0.1:5432 (see ``tests/api/databases.py``) and is skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import event

from tests.api.databases import empty_database
from tests.web.site import Site, Visitor, running_site

HELD = 30
SHELTERS = 10
# Of the shelters the raid's cases are held at, this many closed afterwards.
CLOSED = 2
ROUNDS = 50


@pytest.fixture(params=["sqlite", "postgresql"])
def raided(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Site, Visitor]]:
    """The service with 30 cases held at 10 shelters, two of which closed since, and a desk
    logged in."""
    database = contextmanager(empty_database)
    with (
        database(request.param, tmp_path) as url,
        running_site(tmp_path / "var", database_url=url) as site,
    ):
        for number in range(SHELTERS):
            site.add_shelter(f"R{number:03d}", HELD)
        for number in range(HELD):
            case = site.api("desk", "POST", "/api/v1/referrals", _REFERRAL)["id"]
            hold = {"referral_id": case, "shelter_id": f"R{number % SHELTERS:03d}"}
            site.api("desk", "POST", "/api/v1/holds", hold)
        for number in range(CLOSED):
            site.api("admin", "PATCH", f"/api/v1/shelters/R{number:03d}", {"closed": True})
        yield site, site.visitor("desk")


_REFERRAL: dict[str, Any] = {
    "gender": "female",
    "age": 27,
    "location": {"municipality": "Rotterdam"},
}


def test_waiting_list_with_30_held(
    benchmark: BenchmarkFixture, raided: tuple[Site, Visitor]
) -> None:
    site, desk = raided
    page = desk.get("/desk")
    assert page.status_code == 200
    flag = "controleer de reservering"
    assert page.text.count(flag) == HELD * CLOSED // SHELTERS

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(site.database.engine, "before_cursor_execute", count)
    try:
        desk.get("/desk")
    finally:
        event.remove(site.database.engine, "before_cursor_execute", count)
    benchmark.extra_info["held"] = HELD
    benchmark.extra_info["statements_per_view"] = len(statements)
    benchmark.pedantic(  # type: ignore[no-untyped-call]  # untyped upstream
        lambda: desk.get("/desk"), rounds=ROUNDS, warmup_rounds=3
    )
