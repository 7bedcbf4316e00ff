"""Access: hubs, schedules, slots and appointments, with the database rule that no slot holds two
appointments (a partial unique index over the appointments that hold their slot).

Revision ID: 0007_access
Revises: 0006_oauth_clients
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_access"
down_revision = "0006_oauth_clients"
branch_labels = None
depends_on = None

HOLDING = "status IN ('booked', 'arrived', 'fulfilled', 'noshow')"


def upgrade() -> None:
    op.create_table(
        "acc_hubs",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("locality", sa.String(length=100), nullable=False),
        sa.Column("host_practice", sa.String(length=10), nullable=False),
        sa.Column("practices", sa.Text(), nullable=False),
        sa.Column("list_size", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_hubs")),
    )
    op.create_index(op.f("ix_acc_hubs_neighbourhood"), "acc_hubs", ["neighbourhood"], unique=False)
    op.create_table(
        "acc_schedules",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("hub_id", sa.String(length=120), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=120), nullable=False),
        sa.Column("actor_name", sa.String(length=300), nullable=False),
        sa.Column("service_type", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["acc_hubs.id"], name=op.f("fk_acc_schedules_hub_id_acc_hubs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_schedules")),
    )
    op.create_index(op.f("ix_acc_schedules_actor_id"), "acc_schedules", ["actor_id"], unique=False)
    op.create_index(op.f("ix_acc_schedules_hub_id"), "acc_schedules", ["hub_id"], unique=False)
    op.create_table(
        "acc_slots",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("schedule_id", sa.String(length=120), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("service_type", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["acc_schedules.id"],
            name=op.f("fk_acc_slots_schedule_id_acc_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_slots")),
    )
    op.create_index("ix_acc_slots_schedule_start", "acc_slots", ["schedule_id", "start"], unique=False)
    op.create_index("ix_acc_slots_status_start", "acc_slots", ["status", "start"], unique=False)
    op.create_index(
        "ix_acc_slots_role_status_start", "acc_slots", ["service_type", "status", "start"], unique=False
    )
    op.create_table(
        "acc_appointments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("slot_id", sa.String(length=120), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("practice_code", sa.String(length=10), nullable=False),
        sa.Column("booking_organisation", sa.String(length=200), nullable=False),
        sa.Column("booked_by", sa.String(length=150), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancellation_reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["acc_slots.id"],
            name=op.f("fk_acc_appointments_slot_id_acc_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_appointments")),
    )
    op.create_index(op.f("ix_acc_appointments_patient_id"), "acc_appointments", ["patient_id"], unique=False)
    op.create_index(
        "uq_acc_appointments_one_holding_per_slot",
        "acc_appointments",
        ["slot_id"],
        unique=True,
        sqlite_where=sa.text(HOLDING),
        postgresql_where=sa.text(HOLDING),
    )


def downgrade() -> None:
    op.drop_index("uq_acc_appointments_one_holding_per_slot", table_name="acc_appointments")
    op.drop_index(op.f("ix_acc_appointments_patient_id"), table_name="acc_appointments")
    op.drop_table("acc_appointments")
    op.drop_index("ix_acc_slots_role_status_start", table_name="acc_slots")
    op.drop_index("ix_acc_slots_status_start", table_name="acc_slots")
    op.drop_index("ix_acc_slots_schedule_start", table_name="acc_slots")
    op.drop_table("acc_slots")
    op.drop_index(op.f("ix_acc_schedules_hub_id"), table_name="acc_schedules")
    op.drop_index(op.f("ix_acc_schedules_actor_id"), table_name="acc_schedules")
    op.drop_table("acc_schedules")
    op.drop_index(op.f("ix_acc_hubs_neighbourhood"), table_name="acc_hubs")
    op.drop_table("acc_hubs")
