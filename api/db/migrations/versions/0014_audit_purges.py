"""The audit trail gets a retention period: records of what each purge removed, and a delete
trigger that lets a purge remove the start of the trail and nothing else.

Before, the database refused every DELETE on ``audit``. Now it refuses one of a row after the
greatest ``through`` in ``audit_purges``: rows can only go once a purge record covers them, and
that record is bound into the chain by the purge's own audit row (``api.audit_purge``). The
records are append-only like the trail (UPDATE, DELETE and, on PostgreSQL, TRUNCATE refused).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As in 0001: the tests and the service recognise the refusal by these words.
APPEND_ONLY = "audit rows are append-only"
NOT_PURGED = "SELECT coalesce(max(through), 0) FROM audit_purges"

SQLITE_UP = (
    "DROP TRIGGER audit_no_delete",
    f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit WHEN OLD.seq > ({NOT_PURGED}) "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER audit_purges_no_update BEFORE UPDATE ON audit_purges "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER audit_purges_no_delete BEFORE DELETE ON audit_purges "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER audit_no_delete",
    f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
POSTGRESQL_UP = (
    "CREATE FUNCTION audit_purged_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN IF OLD.seq > ({NOT_PURGED}) THEN "
    f"RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege'; "
    "END IF; RETURN OLD; END $$",
    "DROP TRIGGER audit_no_delete ON audit",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "FOR EACH ROW EXECUTE FUNCTION audit_purged_only()",
    "CREATE TRIGGER audit_purges_no_update BEFORE UPDATE ON audit_purges "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_purges_no_delete BEFORE DELETE ON audit_purges "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "CREATE TRIGGER audit_purges_no_truncate BEFORE TRUNCATE ON audit_purges "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()",
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER audit_no_delete ON audit",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()",
    "DROP FUNCTION audit_purged_only()",
)


def upgrade() -> None:
    """Create the purge records, then let the delete trigger consult them."""
    op.create_table(
        "audit_purges",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
        sa.Column("through", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(length=64), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_purges")),
        sa.UniqueConstraint("through", name=op.f("uq_audit_purges_through")),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_UP if postgresql else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    """Refuse every DELETE on the trail again, and drop the records (their triggers go too)."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWN if postgresql else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("audit_purges")
