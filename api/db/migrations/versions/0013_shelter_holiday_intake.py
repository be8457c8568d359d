"""Whether a shelter takes intakes on Dutch public holidays within its usual hours.

Intake hours repeat weekly, so on Christmas Day an office-hours shelter reads as open and the desk
is told to phone it first. A shelter that does take people in on holidays can now say so. Rows
stored before say no (false): nobody said, and phoning first is the safe side.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column, false for every shelter stored before."""
    op.add_column(
        "shelters",
        sa.Column("holiday_intake", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    """Drop the column."""
    op.drop_column("shelters", "holiday_intake")
