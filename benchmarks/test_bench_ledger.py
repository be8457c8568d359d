"""Holds per second: how fast the ledger takes a place, alone and with desks competing.

``test_hold`` times one hold (its own transaction: locks, the live free places, the hard rules,
the insert, the commit) on SQLite and on PostgreSQL; holds per second are ``1 / mean``.
``test_holds_from_concurrent_desks`` lets eight threads hold places at once, each in its own
session, and reports ``holds_per_second`` in ``extra_info``. Places are spread over 100 shelters of
20 places, about the size of real ones: what a hold reads grows with the people at its shelter.

Run with ``pytest benchmarks/test_bench_ledger.py``; the PostgreSQL variants need the server on
127.0.0.1:5432 (see ``tests/api/databases.py``) and are skipped without it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from sqlalchemy import update

from api import ledger
from api.db.session import Database
from api.db.tables import ReferralRow
from tests.api.databases import create_schema, drop_schema, postgres_server_url, sqlite_url
from tests.api.rows import add_referral, add_shelter, shelter, victim

NOW = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
SHELTERS = 100
PLACES = 20
REFERRALS = 1_600
DESKS = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database with 100 shelters of 20 places and many waiting referrals."""
    url = (
        sqlite_url(tmp_path) if request.param == "sqlite" else create_schema(postgres_server_url())
    )
    database = Database.for_url(url)
    try:
        database.migrate()
        database.seed_if_empty(now=NOW)
        with database.session() as session:
            for number in range(SHELTERS):
                add_shelter(session, shelter(f"B{number:03d}", PLACES), NOW)
            for number in range(REFERRALS):
                add_referral(session, victim(f"R{number:05d}"), NOW)
        yield database
    finally:
        database.dispose()
        if request.param == "postgresql":
            drop_schema(url)


def _hold(database: Database, number: int) -> str:
    """Hold a place for referral ``number`` at the shelter whose turn it is."""
    with database.session() as session:
        return ledger.create_hold(
            session, f"R{number:05d}", f"B{number % SHELTERS:03d}", now=NOW, minutes=90
        ).id


def _taken(database: Database) -> int:
    with database.session() as session:
        return sum(s.occupied for s in ledger.live_network(session, NOW) if s.id.startswith("B"))


def test_hold(benchmark: BenchmarkFixture, ledger_database: Database) -> None:
    cases = iter(range(REFERRALS))
    benchmark.pedantic(  # type: ignore[no-untyped-call]  # untyped upstream
        lambda: _hold(ledger_database, next(cases)), rounds=1_000, warmup_rounds=20
    )
    assert _taken(ledger_database) == 1_020


def test_holds_from_concurrent_desks(
    benchmark: BenchmarkFixture, ledger_database: Database
) -> None:
    cases = iter(range(REFERRALS))
    lock = threading.Lock()

    def desk() -> int:
        made = 0
        while True:
            with lock:
                number = next(cases, None)
            if number is None:
                return made
            _hold(ledger_database, number)
            made += 1

    def burst() -> float:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=DESKS) as desks:
            made = sum(desks.map(lambda _: desk(), range(DESKS)))
        assert made == REFERRALS
        return made / (time.perf_counter() - start)

    rate: float = benchmark.pedantic(burst, rounds=1, iterations=1)  # type: ignore[no-untyped-call]
    benchmark.extra_info["holds_per_second"] = round(rate, 1)
    benchmark.extra_info["desks"] = DESKS


def test_waiting_referral_with_many_placed(
    benchmark: BenchmarkFixture, ledger_database: Database
) -> None:
    """What a ranking reads of its referral when 600 people are placed, a third of whom avoid
    someone (one of them this referral): the avoid lists are narrowed in the database."""
    with ledger_database.session() as session:
        for number in range(600):
            avoid = [f"R{number % 50:05d}", f"X{number}"] if number % 3 == 0 else []
            add_referral(session, victim(f"P{number:04d}", avoid=avoid), NOW)
        session.execute(
            update(ReferralRow).where(ReferralRow.id.like("P%")).values(status="placed")
        )
    with ledger_database.session() as session:
        found = benchmark(ledger.waiting_victim, session, "R00000")
    assert sorted(found.avoid) == [f"P{number:04d}" for number in range(0, 600, 150)]
