"""SMART on FHIR refresh tokens: stored hashed, rotated on each use, revoked by family on reuse.

Revision ID: 0013_oauth_refresh
Revises: 0012_engagement
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_oauth_refresh"
down_revision = "0012_engagement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oauth_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_oauth_refresh_tokens")),
    )
    op.create_index(op.f("ix_oauth_refresh_tokens_family"), "oauth_refresh_tokens", ["family"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_oauth_refresh_tokens_family"), table_name="oauth_refresh_tokens")
    op.drop_table("oauth_refresh_tokens")
