"""What FastAPI's own OpenTelemetry support records in a process whose global providers are set.

Run by ``test_telemetry.py`` in a process of its own (global providers can be set only once per
process): ``python -m tests.api.telemetry_probe service|bare DIRECTORY``. It sets in-memory trace,
log and metric providers, as an operator's auto-instrumentation would, sends the same two requests
(one with an invalid body, one valid) to the service or to a bare FastAPI app, and prints what was
recorded as one line of JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel

from api.main import create_app
from tests.api.helpers import settings_for


class Age(BaseModel):
    age: int


def bare_app() -> FastAPI:
    """A FastAPI app with the defaults, and the same path as the service's referral create."""
    app = FastAPI()

    @app.post("/api/v1/referrals")
    def create(body: Age) -> int:
        return body.age

    return app


def main(kind: str, directory: Path) -> None:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(tracer_provider)
    logs = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    _logs.set_logger_provider(logger_provider)
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

    if kind == "service":
        app = create_app(settings_for(f"sqlite:///{directory}/db.sqlite", directory / "var"))
    else:
        app = bare_app()
    with TestClient(app) as client:
        client.post("/api/v1/referrals", json={"age": "not a number"})
        client.get("/healthz")

    data = reader.get_metrics_data()
    points = sum(
        len(metric.data.data_points)
        for resource in (data.resource_metrics if data is not None else [])
        for scope in resource.scope_metrics
        for metric in scope.metrics
    )
    recorded = {
        "spans": len(spans.get_finished_spans()),
        "logs": len(logs.get_finished_logs()),
        "metric_points": points,
    }
    sys.stdout.write(json.dumps(recorded) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
