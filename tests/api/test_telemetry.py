"""FastAPI's own OpenTelemetry support stays off, whatever providers the process has.

FastAPI (0.142 and later) records request spans, HTTP metrics, and validation failures and
exceptions (with messages and stack traces) into the process's global OpenTelemetry providers, and
hands the request body to their processors. An operator's auto-instrumentation sets such
providers; here that would send referral data wherever its exporter points. The bare app is the
control: the same process set-up and requests do record there, so a zero for the service means
the service switched it off, not that the probe saw nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def recorded(kind: str, directory: Path) -> dict[str, int]:
    """What the probe's providers received from a ``kind`` app (see ``telemetry_probe``)."""
    finished = subprocess.run(
        [sys.executable, "-m", "tests.api.telemetry_probe", kind, str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    counts: dict[str, int] = json.loads(finished.stdout.strip().splitlines()[-1])
    return counts


def test_a_bare_fastapi_app_records_telemetry(tmp_path: Path) -> None:
    counts = recorded("bare", tmp_path)
    assert counts["spans"] > 0
    assert counts["logs"] > 0  # the validation failure
    assert counts["metric_points"] > 0


@pytest.mark.parametrize("auto_configure", ["false", "true"])
def test_the_service_records_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auto_configure: str
) -> None:
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", auto_configure)
    assert recorded("service", tmp_path) == {"spans": 0, "logs": 0, "metric_points": 0}
