"""The migrations build exactly the schema of ``api/db/tables.py``, on both databases, once."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from api.db.session import Database, migration_scripts
from api.db.tables import Base
from models.sample import sample_shelters
from tests.api.databases import schema_at


def _differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrations_produce_the_metadata_of_the_tables(database_url: str) -> None:
    database = Database.for_url(database_url)
    try:
        database.migrate()
        assert _differences(database) == []
        assert _revision(database) == migration_scripts().get_current_head()
    finally:
        database.dispose()


def test_migrating_again_changes_nothing(database: Database) -> None:
    database.migrate()
    assert _differences(database) == []
    assert database.seed_if_empty() == 0


def test_processes_starting_together_migrate_and_seed_once(database_url: str) -> None:
    start_up = (
        "from api.db.session import Database; import sys; db = Database.for_url(sys.argv[1]); "
    )
    start_up += "db.migrate(); print(db.seed_if_empty())"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", start_up, database_url], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    seeded = sorted(int(process.communicate(timeout=60)[0]) for process in processes)
    assert [process.returncode for process in processes] == [0, 0]
    assert seeded == [0, len(sample_shelters())]
    database = Database.for_url(database_url)
    try:
        assert _differences(database) == []
    finally:
        database.dispose()


def test_downgrade_removes_everything_and_upgrade_restores_it(database: Database) -> None:
    schema_at(database, "base")
    assert set(inspect(database.engine).get_table_names()) == {"alembic_version"}
    database.migrate()
    assert _differences(database) == []
