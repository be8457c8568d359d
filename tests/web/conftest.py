"""Fixtures of the page tests: the service with its pages, on a database of each test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.web.browser import CHROMIUM, LAUNCH_ARGS, require_chromium
from tests.web.site import Site, running_site


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """The service with its pages on a new database, a user of every role, Monday morning."""
    with running_site(tmp_path / "var") as running:
        yield running


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the browser tests of one module."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()
