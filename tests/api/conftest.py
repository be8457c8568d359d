"""Database fixtures for every API test, each test on SQLite and on PostgreSQL.

- ``database_url``: the URL (``str``) of a new, empty database of its own, parametrised with the
  ids ``sqlite`` (a file in the test's temporary directory) and ``postgresql`` (a new schema on
  127.0.0.1:5432, database ``test``; skipped with the reason when the server is unreachable,
  except under CI, see :mod:`tests.api.databases`). Dropped after the test.
- ``database``: a :class:`api.db.session.Database` on ``database_url``, migrated to the newest
  revision and seeded with the sample network; disposed after the test.
- ``sqlite_file``: the same on an embedded SQLite file only, with its URL, for what needs a file
  (backups, restores).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.db.session import Database
from tests.api.databases import empty_database, sqlite_url

SEEDED_AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on each dialect."""
    yield from empty_database(request.param, tmp_path)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The service's database, migrated and holding the sample network."""
    db = Database.for_url(database_url)
    try:
        db.migrate()
        db.seed_if_empty(now=SEEDED_AT)
        yield db
    finally:
        db.dispose()


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[str, Database]]:
    """The service's database as an embedded SQLite file, migrated and holding the sample
    network, and its URL."""
    url = sqlite_url(tmp_path / "live")
    db = Database.for_url(url)
    try:
        db.migrate()
        db.seed_if_empty(now=SEEDED_AT)
        yield url, db
    finally:
        db.dispose()
