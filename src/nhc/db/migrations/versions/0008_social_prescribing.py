"""Social prescribing: referrals to directory services and the notices back to referrers, with the
database rule that a person has at most one open referral to a service (a partial unique index).

Revision ID: 0008_social_prescribing
Revises: 0007_access
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_social_prescribing"
down_revision = "0007_access"
branch_labels = None
depends_on = None

OPEN = "status IN ('sent', 'accepted')"


def upgrade() -> None:
    op.create_table(
        "sp_referrals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=120), nullable=False),
        sa.Column("service_name", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("snomed_code", sa.String(length=20), nullable=False),
        sa.Column("referred_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("what_matters", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_by", sa.DateTime(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("responded_by", sa.String(length=100), nullable=True),
        sa.Column("decline_reason", sa.String(length=500), nullable=False),
        sa.Column("for_capacity", sa.Boolean(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_referrals")),
    )
    for column in ("patient_id", "service_id", "status", "due_by"):
        op.create_index(op.f(f"ix_sp_referrals_{column}"), "sp_referrals", [column], unique=False)
    op.create_index(
        "uq_sp_referrals_one_open",
        "sp_referrals",
        ["patient_id", "service_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_table(
        "sp_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["sp_referrals.id"],
            name=op.f("fk_sp_notices_referral_id_sp_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_notices")),
    )
    op.create_index(op.f("ix_sp_notices_referral_id"), "sp_notices", ["referral_id"], unique=False)
    op.create_index(op.f("ix_sp_notices_recipient"), "sp_notices", ["recipient"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sp_notices_recipient"), table_name="sp_notices")
    op.drop_index(op.f("ix_sp_notices_referral_id"), table_name="sp_notices")
    op.drop_table("sp_notices")
    op.drop_index("uq_sp_referrals_one_open", table_name="sp_referrals")
    for column in ("patient_id", "service_id", "status", "due_by"):
        op.drop_index(op.f(f"ix_sp_referrals_{column}"), table_name="sp_referrals")
    op.drop_table("sp_referrals")
