"""Social prescribing outcomes: ONS4 and SWEMWBS measures on a referral (baseline and follow-up),
at most one per referral, kind and timepoint (a unique constraint).

Revision ID: 0009_sp_wellbeing
Revises: 0008_social_prescribing
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_sp_wellbeing"
down_revision = "0008_social_prescribing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sp_wellbeing_measures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("timepoint", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.String(length=100), nullable=False),
        sa.Column("raw_score", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["sp_referrals.id"],
            name=op.f("fk_sp_wellbeing_measures_referral_id_sp_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_wellbeing_measures")),
        sa.UniqueConstraint("referral_id", "kind", "timepoint", name="uq_sp_wellbeing_one"),
    )
    op.create_index(
        op.f("ix_sp_wellbeing_measures_referral_id"), "sp_wellbeing_measures", ["referral_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sp_wellbeing_measures_referral_id"), table_name="sp_wellbeing_measures")
    op.drop_table("sp_wellbeing_measures")
