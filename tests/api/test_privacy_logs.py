"""Nothing personal in the logs, at any level, from any library.

The test runs the desk's whole path against a real uvicorn server, with every logger at DEBUG
(the service's own, uvicorn's, SQLAlchemy's, the HTTP client's, the form parser's), and then looks
for each distinctive value it sent anywhere in what was logged: messages, arguments, tracebacks.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from sqlalchemy import update

from api.db.tables import ShelterRow
from api.deps import get_now
from api.main import create_app
from tests.api.helpers import PASSWORD, USERS, add_users, settings_for

# Every logger that could see a request or a row; the root catches whatever else propagates.
LOGGERS = (
    "",
    "api",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.engine.Engine",
    "sqlalchemy.pool",
    "sqlalchemy.orm",
    "alembic",
    "httpx2",
    "httpcore2",
    "multipart",
    "python_multipart",
    "fastapi",
    "starlette",
    "psycopg",
)
# Values no log line has any business containing.
SENT = {
    "programme": "probe-programme-kx7",
    "programme after update": "probe-programme-upd",
    "avoided person": "Cprobe0000avoid01",
    "avoided person after update": "Cprobe0000avoid02",
    "latitude": "53.123457",
    "longitude": "6.654321",
    "danger zone": "Schiermonnikoog",
    "danger distance": "37.75",
    "invalid value": "probe-gender-invalid",
    "password": PASSWORD,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[str]:
    """A real uvicorn server on the test database, with every logger captured at DEBUG."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    app = create_app(settings_for(database_url, tmp_path / "var"))
    app.dependency_overrides[get_now] = lambda: datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    add_users(app.state.database, USERS)
    with app.state.database.session() as session:  # people a referral may be kept apart from
        resident = [SENT["avoided person"], SENT["avoided person after update"]]
        session.execute(
            update(ShelterRow).where(ShelterRow.id == "S001").values(residents=resident)
        )
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, log_level="debug", access_log=False
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=20)


def desk_path(client: httpx2.Client) -> None:
    """Log in, register, read, list, change, rank, hold and release: the desk's day."""
    token = client.post("/api/v1/auth/token", data={"username": "desk", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    body: dict[str, Any] = {
        "gender": "female",
        "age": 30,
        "programmes": [SENT["programme"]],
        "avoid": [SENT["avoided person"]],
        "location": {"lat": float(SENT["latitude"]), "lon": float(SENT["longitude"])},
        "danger_zones": [
            {
                "location": {"municipality": SENT["danger zone"]},
                "min_km": float(SENT["danger distance"]),
            }
        ],
    }
    created = client.post("/api/v1/referrals", json=body)
    assert created.status_code == 201, created.text
    case = created.json()["id"]
    assert client.get(f"/api/v1/referrals/{case}").status_code == 200
    assert client.get("/api/v1/referrals", params={"status": "waiting"}).status_code == 200
    change = {
        "programmes": [SENT["programme after update"]],
        "avoid": [SENT["avoided person after update"]],
    }
    assert client.patch(f"/api/v1/referrals/{case}", json=change).status_code == 200
    invalid = client.post("/api/v1/referrals", json={**body, "gender": SENT["invalid value"]})
    assert invalid.status_code == 422
    ranking = client.post(f"/api/v1/referrals/{case}/ranking")
    assert ranking.status_code == 200, ranking.text
    options = ranking.json()["options"]
    assert options, "the probe referral should fit somewhere"
    held = client.post(
        "/api/v1/holds", json={"referral_id": case, "shelter_id": options[0]["shelter"]}
    )
    assert held.status_code == 201, held.text
    assert client.post(f"/api/v1/holds/{held.json()['id']}/release").status_code == 200
    assert client.post(f"/api/v1/holds/{held.json()['id']}/release").status_code == 409


def device_logins(client: httpx2.Client) -> dict[str, str]:
    """Log in with a device token, right and wrong: the device tokens sent and received."""
    url = "/api/v1/auth/token"
    first = client.post(url, data={"username": "desk", "password": PASSWORD})
    sent = first.json()["device_token"]
    form = {"username": "desk", "password": "a wrong password", "device_token": sent}
    assert client.post(url, data=form).status_code == 401
    second = client.post(url, data=form | {"password": PASSWORD})
    assert second.status_code == 200
    return {"device token sent": sent, "device token received": second.json()["device_token"]}


def test_no_referral_value_reaches_any_log(server: str, caplog: pytest.LogCaptureFixture) -> None:
    with httpx2.Client(base_url=server, timeout=30) as client:
        desk_path(client)
        tokens = device_logins(client)
    records = caplog.records
    assert any(r.name == "api.access" for r in records), "the capture saw no access log"
    assert any(r.name.startswith("uvicorn") for r in records), "the capture missed uvicorn"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in records)
    leaked = {what: value for what, value in (SENT | tokens).items() if value in logged}
    assert not leaked, f"personal values in the logs: {leaked}"
