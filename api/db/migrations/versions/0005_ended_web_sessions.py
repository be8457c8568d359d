"""Browser sessions ended by logging out, so that a copied cookie opens no page afterwards.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of ended sessions and its index on expiry."""
    op.create_table(
        "ended_web_sessions",
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sid_hash", name=op.f("pk_ended_web_sessions")),
    )
    op.create_index("ix_ended_web_sessions_until", "ended_web_sessions", ["until"], unique=False)


def downgrade() -> None:
    """Drop the table (its index goes with it)."""
    op.drop_table("ended_web_sessions")
