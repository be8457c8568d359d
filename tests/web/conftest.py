"""Fixtures of the page tests: the service with its pages, on a database of each test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.site import Site, running_site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The service with its pages on a new database, a user of every role, Monday morning."""
    with running_site(tmp_path / "var") as running:
        yield running
