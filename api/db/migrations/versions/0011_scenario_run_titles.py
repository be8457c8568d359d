"""A scenario run's description and its name and description in other languages.

The planners' pages show a run by its scenario's name in the reader's language, also while it
runs and has no result yet. Rows stored before keep neither (null): they show the scenario's
own name, as they always did.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the columns, empty."""
    op.add_column("scenario_runs", sa.Column("description", sa.Text(), nullable=True))
    op.add_column("scenario_runs", sa.Column("translations", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    op.drop_column("scenario_runs", "translations")
    op.drop_column("scenario_runs", "description")
