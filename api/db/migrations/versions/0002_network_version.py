"""The network version: one counter that every change to the shelters table bumps.

Each worker caches the shelter network it compiled for rankings and checks it against this
counter on every request (one single-row read). Triggers, not the service's own code, bump it, so
no writer can change a shelter without the caches noticing: an admin's update, staff reporting
places, a script or a hand-made fix in the database alike. On PostgreSQL one statement-level
trigger covers insert, update, delete and truncate; SQLite has only row-level triggers.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE network_version SET version = version + 1"

SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER shelters_{event.lower()}_bump AFTER {event} ON shelters BEGIN {BUMP}; END"
    for event in ("INSERT", "UPDATE", "DELETE")
)
POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION network_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN {BUMP}; RETURN NULL; END $$",
    "CREATE TRIGGER shelters_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON shelters "
    "FOR EACH STATEMENT EXECUTE FUNCTION network_version_bump()",
)


def upgrade() -> None:
    """Create the counter's table with its one row, then the triggers on the shelters."""
    op.create_table(
        "network_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_network_version_one_row"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_version")),
    )
    op.execute("INSERT INTO network_version (id, version) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    """Drop the triggers and the counter."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER shelters_bump ON shelters")
        op.execute("DROP FUNCTION network_version_bump()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER shelters_{event}_bump")
    op.drop_table("network_version")
