"""Where a referral stays while it has no place, and the unsuitable nights kept after a purge.

Every waiting or held referral stored before gets one open stay of kind ``unknown`` from its
registration, so that each such referral has exactly one open stay, as the service keeps it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The kinds of stay as this revision knows them (a later revision may add kinds).
KINDS = (
    "unknown",
    "police",
    "hotel",
    "homeless_shelter",
    "rough_sleeping",
    "acquaintances",
    "home",
    "care",
)


def upgrade() -> None:
    """Create the stays table, open an unknown stay for every referral without a place, and add
    the statistics column."""
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    op.create_table(
        "referral_stays",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"kind IN ({kinds})", name="ck_referral_stays_kind"),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name="ck_referral_stays_order"
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_stays_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_stays")),
    )
    op.create_index("ix_referral_stays_referral", "referral_stays", ["referral_id"])
    op.create_index(
        "ux_referral_stays_open",
        "referral_stays",
        ["referral_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.execute(
        "INSERT INTO referral_stays (referral_id, kind, started_at) "
        "SELECT id, 'unknown', created_at FROM referrals WHERE status IN ('waiting', 'held')"
    )
    op.add_column(
        "referral_stats",
        sa.Column("unsuitable_nights", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    """Drop the column and the table (its indexes go with it)."""
    op.drop_column("referral_stats", "unsuitable_nights")
    op.drop_table("referral_stays")
