"""A login generation per user, so that a change to a user's access ends their earlier logins.

Tokens and web sessions are signed and stateless; without this a user deactivated and activated
again found every token and session cookie of before working again. Users stored before start at
0, as do the tokens and cookies issued before (they carry no generation): those stay valid until
the user's access next changes.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column, 0 for every user stored before."""
    op.add_column(
        "users",
        sa.Column("login_generation", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    """Drop the column."""
    op.drop_column("users", "login_generation")
