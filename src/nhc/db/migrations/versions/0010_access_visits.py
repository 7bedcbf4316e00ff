"""Access: the visiting service's stored home-visit requests (one row per request and day).

Revision ID: 0009_access_visits
Revises: 0008_social_prescribing
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_access_visits"
down_revision = "0009_sp_wellbeing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acc_visit_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("window_start", sa.Integer(), nullable=False),
        sa.Column("window_end", sa.Integer(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_visit_requests")),
    )
    op.create_index(
        op.f("ix_acc_visit_requests_visit_date"), "acc_visit_requests", ["visit_date"], unique=False
    )
    op.create_index(
        op.f("ix_acc_visit_requests_patient_id"), "acc_visit_requests", ["patient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_acc_visit_requests_patient_id"), table_name="acc_visit_requests")
    op.drop_index(op.f("ix_acc_visit_requests_visit_date"), table_name="acc_visit_requests")
    op.drop_table("acc_visit_requests")
