"""A device generation per user, so that the server's operator can end a user's device tokens
alone (a desk computer lost or stolen) without a new password or role, which would end the
user's sessions too.

Users stored before start at 0, and a device token issued before carries no device generation:
at 0 it is checked as it always was, so the upgrade ends no device token.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column, 0 for every user stored before."""
    op.add_column(
        "users",
        sa.Column("device_generation", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    """Drop the column."""
    op.drop_column("users", "device_generation")
