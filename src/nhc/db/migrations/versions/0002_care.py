"""Care: integrated neighbourhood team — staff and absences, virtual-ward episodes and their assignments,
allocation proposals, recorded events, MDT meetings and agenda, versioned care plans, tasks and referrals.

Revision ID: 0002_care
Revises: 0001_security
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_care"
down_revision = "0001_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_allocation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("solver_status", sa.String(length=32), nullable=False),
        sa.Column("objective", sa.Integer(), nullable=False),
        sa.Column("bound", sa.Float(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=150), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_allocation_runs")),
    )
    with op.batch_alter_table("care_allocation_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_allocation_runs_neighbourhood"), ["neighbourhood"], unique=False
        )

    op.create_table(
        "care_mdt_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_mdt_meetings")),
    )
    with op.batch_alter_table("care_mdt_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_mdt_meetings_neighbourhood"), ["neighbourhood"], unique=False
        )

    op.create_table(
        "care_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("skills", sa.String(length=500), nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("locality", sa.String(length=100), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("working_pattern", sa.String(length=200), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_care_staff_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_staff")),
    )
    with op.batch_alter_table("care_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_staff_neighbourhood"), ["neighbourhood"], unique=False)

    op.create_table(
        "care_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.String(length=150), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["care_staff.id"],
            name=op.f("fk_care_absences_staff_id_care_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_absences")),
    )
    with op.batch_alter_table("care_absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_absences_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "care_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("locality", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("worklist", sa.String(length=100), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("risk_at_admission", sa.Float(), nullable=True),
        sa.Column("band_at_admission", sa.String(length=32), nullable=True),
        sa.Column("ae_at_admission", sa.Integer(), nullable=True),
        sa.Column("needs", sa.String(length=500), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=False),
        sa.Column("discharged_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("admitted_by", sa.String(length=150), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["care_staff.id"],
            name=op.f("fk_care_episodes_staff_id_care_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_episodes")),
    )
    with op.batch_alter_table("care_episodes", schema=None) as batch_op:
        batch_op.create_index("ix_care_episodes_nb_status", ["neighbourhood", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_episodes_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "care_allocation_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("previous_staff_id", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["care_episodes.id"],
            name=op.f("fk_care_allocation_items_episode_id_care_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["care_allocation_runs.id"],
            name=op.f("fk_care_allocation_items_run_id_care_allocation_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["care_staff.id"],
            name=op.f("fk_care_allocation_items_staff_id_care_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_allocation_items")),
    )
    with op.batch_alter_table("care_allocation_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_allocation_items_run_id"), ["run_id"], unique=False)

    op.create_table(
        "care_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=150), nullable=False),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["care_episodes.id"],
            name=op.f("fk_care_assignments_episode_id_care_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["care_staff.id"],
            name=op.f("fk_care_assignments_staff_id_care_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_assignments")),
    )
    with op.batch_alter_table("care_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_assignments_episode_id"), ["episode_id"], unique=False)

    op.create_table(
        "care_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=150), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["care_episodes.id"],
            name=op.f("fk_care_events_episode_id_care_episodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_events")),
    )
    with op.batch_alter_table("care_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_events_episode_id"), ["episode_id"], unique=False)

    op.create_table(
        "care_mdt_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("reasons", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=150), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["care_episodes.id"],
            name=op.f("fk_care_mdt_items_episode_id_care_episodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["care_mdt_meetings.id"],
            name=op.f("fk_care_mdt_items_meeting_id_care_mdt_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_mdt_items")),
    )
    with op.batch_alter_table("care_mdt_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_mdt_items_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("what_matters", sa.Text(), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("shared_with_patient", sa.Boolean(), nullable=False),
        sa.Column("share_token", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=150), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["care_episodes.id"],
            name=op.f("fk_care_plans_episode_id_care_episodes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
        sa.UniqueConstraint("share_token", name=op.f("uq_care_plans_share_token")),
    )
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plans_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "care_plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=150), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["care_plans.id"],
            name=op.f("fk_care_plan_versions_plan_id_care_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_versions")),
        sa.UniqueConstraint("plan_id", "version", name="uq_care_plan_versions_plan_version"),
    )
    with op.batch_alter_table("care_plan_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plan_versions_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "care_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("neighbourhood", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.BigInteger(), nullable=True),
        sa.Column("episode_id", sa.Integer(), nullable=True),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("from_service", sa.String(length=64), nullable=True),
        sa.Column("to_service", sa.String(length=64), nullable=True),
        sa.Column("owner_staff_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["care_mdt_items.id"],
            name=op.f("fk_care_tasks_agenda_item_id_care_mdt_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["care_episodes.id"],
            name=op.f("fk_care_tasks_episode_id_care_episodes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_staff_id"],
            ["care_staff.id"],
            name=op.f("fk_care_tasks_owner_staff_id_care_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_tasks")),
    )
    with op.batch_alter_table("care_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_care_tasks_nb_status", ["neighbourhood", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_tasks_patient_id"), ["patient_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("care_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_tasks_patient_id"))
        batch_op.drop_index("ix_care_tasks_nb_status")

    op.drop_table("care_tasks")
    with op.batch_alter_table("care_plan_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plan_versions_plan_id"))

    op.drop_table("care_plan_versions")
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plans_patient_id"))

    op.drop_table("care_plans")
    with op.batch_alter_table("care_mdt_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_mdt_items_meeting_id"))

    op.drop_table("care_mdt_items")
    with op.batch_alter_table("care_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_events_episode_id"))

    op.drop_table("care_events")
    with op.batch_alter_table("care_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_assignments_episode_id"))

    op.drop_table("care_assignments")
    with op.batch_alter_table("care_allocation_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_allocation_items_run_id"))

    op.drop_table("care_allocation_items")
    with op.batch_alter_table("care_episodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_episodes_patient_id"))
        batch_op.drop_index("ix_care_episodes_nb_status")

    op.drop_table("care_episodes")
    with op.batch_alter_table("care_absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_absences_staff_id"))

    op.drop_table("care_absences")
    with op.batch_alter_table("care_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_staff_neighbourhood"))

    op.drop_table("care_staff")
    with op.batch_alter_table("care_mdt_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_mdt_meetings_neighbourhood"))

    op.drop_table("care_mdt_meetings")
    with op.batch_alter_table("care_allocation_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_allocation_runs_neighbourhood"))

    op.drop_table("care_allocation_runs")
