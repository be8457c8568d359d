"""When each shelter's free places were last reported, apart from any other edit of its record.

The desk sees that moment next to an option's free places once it is a day old; ``updated_at``
also moves when an admin edits, say, a shelter's languages, which says nothing about its places.
Rows stored before are filled from ``updated_at``, the best that is known of them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column and fill it from ``updated_at``."""
    op.add_column(
        "shelters", sa.Column("places_reported_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE shelters SET places_reported_at = updated_at")


def downgrade() -> None:
    """Drop the column."""
    op.drop_column("shelters", "places_reported_at")
