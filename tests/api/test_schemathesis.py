"""The whole OpenAPI document against the app, in-process: no 5xx, and every response as
documented (status, content type, body schema).

Each operation is called as a role allowed to use it (the desk where it may), so the generated
requests reach the code behind the role check; schemathesis generates valid and invalid requests,
a bounded number per operation, on SQLite and on PostgreSQL.

The schema is loaded with ``schemathesis.openapi.from_asgi`` inside a fixture and each operation's
strategy is driven by Hypothesis here, rather than through ``schemathesis.pytest.from_fixture``:
that lazy loader reads ``request.node._nodeid``, which pytest 9 no longer has.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.api.helpers import ACCESS, bearer, running_api

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
# Who calls an operation: the first of these that may.
PREFERENCE = ("desk", "admin", "shelter", "planner", "auditor")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Every documented operation (``/metrics`` speaks Prometheus, not JSON, and is not in the document).
OPERATIONS = sorted(key for key in ACCESS if key[1] != "/metrics")


# The document as the first app served it in this process. It depends on the code alone, not on
# the database or the settings; ``from_asgi`` would start and stop each app once more to fetch it.
_DOCUMENT: list[dict[str, Any]] = []


@pytest.fixture
def app_schema(database_url: str, tmp_path: Path) -> Iterator[OpenApiSchema]:
    # No scenario files: a generated name must never start a real simulation in the background.
    with running_api(database_url, tmp_path / "var", scenarios_dir=tmp_path / "none") as api:
        if not _DOCUMENT:
            _DOCUMENT.append(api.ok(api.client.get("/openapi.json")))
        schema = schemathesis.openapi.from_dict(copy.deepcopy(_DOCUMENT[0]))
        schema.app = api.app  # the operations are called on this app, in-process
        yield schema


def caller(method: str, path: str) -> str:
    """The user to call an operation as."""
    allowed = ACCESS[(method, path)]
    return next(role for role in PREFERENCE if not allowed or role in allowed)


def test_the_document_lists_every_operation(app_schema: OpenApiSchema) -> None:
    paths = app_schema.raw_schema["paths"]
    documented = {(method.upper(), path) for path, item in paths.items() for method in item}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_as_documented(
    app_schema: OpenApiSchema, method: str, path: str
) -> None:
    operation = app_schema[path][method]
    headers = bearer(caller(method, path))
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: Case[Any]) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_documented()
