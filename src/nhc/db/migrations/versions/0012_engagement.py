"""Engagement: the feedback items (scrubbed text, themes, sentiment; no identifiers).

Revision ID: 0012_engagement
Revises: 0011_plans
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_engagement"
down_revision = "0011_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eng_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("themes", sa.String(length=200), nullable=False),
        sa.Column("tags", sa.String(length=300), nullable=False),
        sa.Column("sentiment", sa.String(length=10), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=True),
        sa.Column("imd_quintile", sa.Integer(), nullable=True),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("entered_by", sa.String(length=150), nullable=True),
        sa.Column("retagged_by", sa.String(length=150), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('public_form', 'meeting_note', 'survey')", name=op.f("ck_eng_feedback_channel")
        ),
        sa.CheckConstraint(
            "sentiment IN ('positive', 'negative', 'mixed')", name=op.f("ck_eng_feedback_sentiment")
        ),
        sa.CheckConstraint(
            "imd_quintile IS NULL OR imd_quintile BETWEEN 1 AND 5", name=op.f("ck_eng_feedback_imd_quintile")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eng_feedback")),
    )
    op.create_index(op.f("ix_eng_feedback_neighbourhood"), "eng_feedback", ["neighbourhood"], unique=False)
    op.create_index(op.f("ix_eng_feedback_received"), "eng_feedback", ["received"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_eng_feedback_received"), table_name="eng_feedback")
    op.drop_index(op.f("ix_eng_feedback_neighbourhood"), table_name="eng_feedback")
    op.drop_table("eng_feedback")
