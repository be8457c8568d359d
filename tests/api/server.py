"""The real service in its own processes: ``uvicorn api.main:create_app --factory`` with workers.

Concurrency and durability tests need what an in-process client cannot give: several worker
processes sharing one database, and a server that can be killed with SIGKILL. The server runs in
its own process group, so a kill reaches the workers too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2

from api import accounts
from api.db.session import Database

SECRET = "test-signing-secret-of-enough-length-for-hs256"
PASSWORD = "a long test password"
DESK = "desk"
START_SECONDS = 60.0


@dataclass
class Server:
    """A running service: its base URL and its process group."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL the server and its workers: no shutdown, no flushing, as in a power cut."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Shut down gracefully (SIGTERM), killing it if it takes too long."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def add_desk_user(database: Database) -> None:
    """The desk user the tests log in as."""
    with database.session() as session:
        accounts.add_user(
            session, name=DESK, role="desk", shelter_id=None, password=PASSWORD, now=_now()
        )


def start(
    database_url: str,
    var_dir: Path,
    *,
    workers: int = 2,
    through_serve: bool = False,
    environment: Mapping[str, str] | None = None,
) -> Server:
    """Start the service on a free port of 127.0.0.1 and wait until it answers: with uvicorn's
    own command line, or ``through_serve`` as ``safeplace serve`` starts it (which sets up what
    several workers share, such as their metrics); ``environment`` adds to the server's."""
    var_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = os.environ | {
        "SAFEPLACE_DATABASE_URL": database_url,
        "SAFEPLACE_JWT_SECRET": SECRET,
        "SAFEPLACE_SEED_SAMPLE_NETWORK": "true",
        "SAFEPLACE_VAR_DIR": str(var_dir),
        **(environment or {}),
    }
    log = var_dir / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            _command(port, workers, through_serve),
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    _wait_until_up(server)
    return server


def _command(port: int, workers: int, through_serve: bool) -> list[str]:
    if through_serve:
        return [
            sys.executable,
            "-c",
            f"from api.cli_service import serve; serve(port={port}, workers={workers})",
        ]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
    ]


@contextmanager
def running(
    database_url: str,
    var_dir: Path,
    *,
    workers: int = 2,
    through_serve: bool = False,
    environment: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """A started server, stopped at the end of the block whatever happens."""
    server = start(
        database_url, var_dir, workers=workers, through_serve=through_serve, environment=environment
    )
    try:
        yield server
    finally:
        server.stop()


def token(server: Server, name: str = DESK, password: str = PASSWORD) -> str:
    """A bearer token from the server's own login (OAuth2 password flow)."""
    response = httpx2.post(
        f"{server.url}/api/v1/auth/token",
        data={"username": name, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    access: str = response.json()["access_token"]
    return access


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited: {server.log.read_text(errors='replace')}")
        try:
            if httpx2.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"the server did not answer: {server.log.read_text(errors='replace')}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _now() -> datetime:
    return datetime.now(UTC)
