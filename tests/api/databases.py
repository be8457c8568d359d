"""Throw-away databases for tests and benchmarks: a SQLite file, or a PostgreSQL schema.

PostgreSQL runs on 127.0.0.1:5432, database ``test``, trust authentication (override with
``SAFEPLACE_TEST_POSTGRES_URL``). Each test gets its own schema in it, selected through the
connection's ``search_path``, so parallel runs and other projects' tables never meet.

When the server is down: under CI (``CI`` set) it is started with ``pg_ctlcluster`` and a failure
to start fails the run; elsewhere the PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import psycopg
import pytest
from alembic import command
from psycopg import sql
from sqlalchemy.engine import make_url

from api.db.session import Database, alembic_config

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START_SECONDS = 30


def sqlite_url(directory: Path) -> str:
    """URL of a new SQLite database file in ``directory``."""
    return f"sqlite:///{directory / 'safeplace.db'}"


def schema_at(database: Database, revision: str, *, down: bool = True) -> None:
    """Take ``database``'s schema down (or, from an empty database, up) to ``revision``, as an
    older release of the service left it: the migration tests' starting point."""
    config = alembic_config()
    with database.engine.connect() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def postgres_server_url() -> str:
    """URL of the test server's database, or a skip (or CI failure) when it is unreachable."""
    problem = _postgres_problem()
    if problem is None:
        return _server_url()
    message = f"PostgreSQL not reachable on 127.0.0.1:5432: {problem}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must run the PostgreSQL variants)", pytrace=False)
    pytest.skip(message)


def create_schema(server_url: str) -> str:
    """A new empty schema on the server; the URL that makes it the default for every connection."""
    schema = f"safeplace_test_{secrets.token_hex(6)}"
    with _admin(server_url) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def drop_schema(url: str) -> None:
    """Drop the schema that :func:`create_schema` made for ``url``, with everything in it."""
    options = make_url(url).query["options"]
    schema = str(options).removeprefix("-csearch_path=")
    with _admin(url) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


def empty_database(dialect: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``dialect`` (``sqlite`` or ``postgresql``), dropped
    afterwards; the body of every ``database_url`` fixture."""
    if dialect == "sqlite":
        yield sqlite_url(directory)
        return
    url = create_schema(postgres_server_url())
    try:
        yield url
    finally:
        drop_schema(url)


def _server_url() -> str:
    return os.environ.get("SAFEPLACE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _admin(url: str) -> psycopg.Connection[tuple[object, ...]]:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        dbname=parsed.database,
        user=parsed.username,
        password=parsed.password,
        autocommit=True,
        connect_timeout=5,
    )


@cache
def _postgres_problem() -> str | None:
    """Why the server cannot be used (None: it can), trying to start it once under CI."""
    problem = _connect_problem()
    if problem is None or not os.environ.get("CI"):
        return problem
    _start_cluster()
    deadline = time.monotonic() + START_SECONDS
    while problem is not None and time.monotonic() < deadline:
        time.sleep(0.5)
        problem = _connect_problem()
    return problem


def _connect_problem() -> str | None:
    try:
        with _admin(_server_url()) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def _start_cluster() -> None:
    """``pg_ctlcluster --skip-systemctl-redirect VERSION main start`` for the installed version."""
    versions = sorted(os.listdir("/etc/postgresql")) if Path("/etc/postgresql").is_dir() else []
    for version in versions:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
            capture_output=True,
            timeout=START_SECONDS,
        )
