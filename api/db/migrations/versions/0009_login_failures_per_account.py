"""Failed logins counted per user name too, so that many clients cannot each guess the limit.

The table holds at most a minute of failures, hashed with the pair's old key, which the throttle
no longer computes: it is made again, with the new column, rather than altered (a login may see
up to a minute of failures forgotten once, at the upgrade).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Make the table again with the user name's hash and its index."""
    op.drop_table("login_failures")
    _create(with_account=True)


def downgrade() -> None:
    """Make the table again as revision 0003 made it."""
    op.drop_table("login_failures")
    _create(with_account=False)


def _create(*, with_account: bool) -> None:
    account = [sa.Column("account", sa.String(length=64), nullable=False)] if with_account else []
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pair", sa.String(length=64), nullable=False),
        *account,
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_pair_at", "login_failures", ["pair", "at"], unique=False)
    if with_account:
        op.create_index(
            "ix_login_failures_account_at", "login_failures", ["account", "at"], unique=False
        )
    op.create_index("ix_login_failures_at", "login_failures", ["at"], unique=False)
