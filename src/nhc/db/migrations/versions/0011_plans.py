"""Plans: agreed versions of each neighbourhood's priorities and their rows.

Revision ID: 0011_plans
Revises: 0010_access_visits
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_plans"
down_revision = "0010_access_visits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("agreed_by", sa.String(length=300), nullable=False),
        sa.Column("agreed_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint("neighbourhood", "number", name=op.f("uq_plan_versions_neighbourhood")),
    )
    op.create_index(op.f("ix_plan_versions_neighbourhood"), "plan_versions", ["neighbourhood"], unique=False)
    op.create_table(
        "plan_priorities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("how", sa.Text(), nullable=False),
        sa.Column("when_text", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("themes", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["plan_versions.id"],
            name=op.f("fk_plan_priorities_version_id_plan_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_priorities")),
        sa.UniqueConstraint("version_id", "position", name=op.f("uq_plan_priorities_version_id")),
    )
    op.create_index(op.f("ix_plan_priorities_version_id"), "plan_priorities", ["version_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_priorities_version_id"), table_name="plan_priorities")
    op.drop_table("plan_priorities")
    op.drop_index(op.f("ix_plan_versions_neighbourhood"), table_name="plan_versions")
    op.drop_table("plan_versions")
