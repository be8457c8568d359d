"""What kind of place a shelter is (COSM, multi-problem, women's, men's, youth, emergency beds).

The desk choosing a place must see that an option is an emergency bed, meant for a few nights,
rather than a placement. Rows stored before keep no kind (null): nobody said, and an id tells
nothing reliable.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column, empty."""
    op.add_column("shelters", sa.Column("kind", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    op.drop_column("shelters", "kind")
