"""Headless Chromium from Debian's package, driven by Playwright, against a real server.

The server is uvicorn in its own process on a free port of 127.0.0.1 with a SQLite database of
its own. Without ``/usr/bin/chromium`` the browser tests are skipped with a message saying so,
except when ``CI`` is set: there a missing browser is a failure, never a silent skip.
Screenshots go to ``var/screenshots/`` (test artefacts); with ``SAFEPLACE_DOCS_SCREENSHOTS=1``
the README's ones (one per main page) under ``docs/screenshots/`` are refreshed too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Page, ViewportSize

from api.db.session import Database
from tests.api.helpers import USERS, add_users
from tests.api.server import Server

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
# The screenshots the README shows: one of each main page.
README_SHOTS = frozenset(
    {
        "desk-waiting-list",
        "desk-ranking",
        "desk-nothing-fits",
        "capacity-board",
        "shelter",
        "planner-report",
        "admin-shelters",
    }
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
SECRET = "browser-test-signing-secret-of-enough-length"
START_SECONDS = 60.0


def require_chromium() -> None:
    """Skip (or, under CI, fail) when Debian's Chromium is not installed."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium package for the browser tests"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serving(var_dir: Path) -> Iterator[str]:
    """A running server with every test user; its base URL."""
    var_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{var_dir / 'safeplace.db'}"
    database = Database.for_url(url)
    database.migrate()
    database.seed_if_empty()
    add_users(database, USERS)
    database.dispose()
    port = _free_port()
    env = os.environ | {
        "SAFEPLACE_DATABASE_URL": url,
        "SAFEPLACE_JWT_SECRET": SECRET,
        "SAFEPLACE_SEED_SAMPLE_NETWORK": "true",
        "SAFEPLACE_VAR_DIR": str(var_dir),
        "PYTHONPATH": str(ROOT),
    }
    log = var_dir / "server.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.web.served:create",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_up(server)
        yield server.url
    finally:
        server.stop()


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot of the page as a test artefact (and for the README when asked)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target))
    if name in README_SHOTS and os.environ.get("SAFEPLACE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, DOCS / target.name)


def _free_port() -> int:
    """A port nobody listens on now, so parallel runs do not collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(server: Server) -> None:
    """Return once the server answers; its log in the error if it died or never did."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(server.log.read_text(errors="replace"))
        try:
            if httpx2.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer: {server.log.read_text(errors='replace')}")
