"""One handle on the service's database: its engine, its transactions, its schema and first data.

Every unit of work is one transaction (:meth:`Database.session`): it commits when the block ends
and rolls back when it raises, so a hold, its re-checks and its audit row are stored together or
not at all. Sessions keep their rows readable after the commit (``expire_on_commit=False``), so a
route can answer from the rows a ledger function returned without another round trip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from api.db.engine import make_engine
from api.db.mapping import shelter_columns
from api.db.tables import ShelterRow
from models.sample import sample_shelter_kinds, sample_shelters

log = logging.getLogger(__name__)

# Inside the package, so an installed service can migrate its own database.
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """Alembic's configuration for this code's migrations: the folder is all it needs (there is
    no ``alembic.ini``); a caller that runs a command sets ``attributes["connection"]``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migration_scripts() -> ScriptDirectory:
    """This code's migrations: their revisions and the newest one."""
    return ScriptDirectory.from_config(alembic_config())


# Alembic keeps the running migration in module globals: one migration per process at a time.
# Processes are kept apart by the database itself (see migrations/env.py).
_MIGRATING = threading.Lock()


def upgrade(connection: Connection) -> None:
    """Bring the schema ``connection`` works in to the newest revision. Inside a transaction the
    caller began, the migrations run in a savepoint of it and the caller commits or rolls back:
    the trigger check (:mod:`api.db.triggers`) migrates a scratch schema that way and rolls it
    back, so that it leaves nothing behind."""
    config = alembic_config()
    with _MIGRATING:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """The engine and the session factory of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def for_url(cls, url: str) -> Database:
        """A database for ``sqlite:///...`` or ``postgresql://...``, set up for its dialect."""
        return cls(make_engine(url))

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        with self._sessions.begin() as session:
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest revision (safe when several processes start at once)."""
        with self.engine.connect() as connection:
            upgrade(connection)

    def seed_if_empty(self, now: datetime | None = None) -> int:
        """Load the synthetic national network when there are no shelters yet; how many were added.

        Runs once per database, however many processes start at once: SQLite's ``BEGIN
        IMMEDIATE`` serialises the check and the insert, and on PostgreSQL the table lock does.
        """
        moment = now if now is not None else datetime.now(UTC)
        with self.session() as session:
            if self.dialect == "postgresql":
                session.execute(text("LOCK TABLE shelters IN EXCLUSIVE MODE"))
            if session.scalar(select(func.count()).select_from(ShelterRow)):
                return 0
            shelters = sample_shelters()
            kinds = sample_shelter_kinds()
            session.add_all(
                ShelterRow(
                    **shelter_columns(shelter),
                    kind=kinds.get(shelter.id),
                    updated_at=moment,
                    places_reported_at=moment,
                )
                for shelter in shelters
            )
        log.info("seeded the sample network: %d shelters", len(shelters))
        return len(shelters)

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, and in tests between databases)."""
        self.engine.dispose()
