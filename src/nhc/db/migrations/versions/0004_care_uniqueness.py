"""Care: uniqueness guaranteed by the database, not by check-then-insert — at most one open
virtual-ward episode per patient, and one current care plan per episode (partial unique indexes,
on SQLite and PostgreSQL alike).

Databases written before this revision may already hold duplicates made by simultaneous requests.
They are resolved the way the pages already showed them: the earliest open episode (and the
earliest plan of an episode) is kept; each later duplicate episode is discharged and each later
duplicate plan marked ``superseded`` — nothing is deleted — and an audit line names every record
closed and the one kept.

Revision ID: 0004_care_uniqueness
Revises: 0003_audit_guard
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004_care_uniqueness"
down_revision = "0003_audit_guard"
branch_labels = None
depends_on = None

OPEN = "status IN ('active', 'stepped_down')"
CURRENT = "status = 'active'"


def _audit(conn: sa.Connection, action: str, patient_id: int, resource: str, detail: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO audit_events (at, username, action, patient_id, resource, outcome, detail) "
            "VALUES (:at, 'system', :action, :pid, :resource, 'success', :detail)"
        ),
        {
            "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "action": action,
            "pid": patient_id,
            "resource": resource,
            "detail": detail,
        },
    )


def _close_duplicate_episodes(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(f"SELECT id, patient_id FROM care_episodes WHERE {OPEN} ORDER BY patient_id, id")
    ).all()
    kept: dict[int, int] = {}
    for episode_id, patient_id in rows:
        if patient_id not in kept:
            kept[patient_id] = episode_id
            continue
        conn.execute(
            sa.text("UPDATE care_episodes SET status = 'discharged' WHERE id = :id"), {"id": episode_id}
        )
        _audit(
            conn,
            "care_duplicate_closed",
            patient_id,
            f"care_episode:{episode_id}",
            f"a second open episode for the same person; episode {kept[patient_id]} is kept",
        )


def _supersede_duplicate_plans(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(
            f"SELECT id, episode_id, patient_id FROM care_plans WHERE {CURRENT} AND episode_id IS NOT NULL "
            "ORDER BY episode_id, id"
        )
    ).all()
    kept: dict[int, int] = {}
    for plan_id, episode_id, patient_id in rows:
        if episode_id not in kept:
            kept[episode_id] = plan_id
            continue
        conn.execute(sa.text("UPDATE care_plans SET status = 'superseded' WHERE id = :id"), {"id": plan_id})
        _audit(
            conn,
            "care_duplicate_closed",
            patient_id,
            f"care_plan:{plan_id}",
            f"a second current plan for episode {episode_id}; plan {kept[episode_id]} is kept",
        )


def upgrade() -> None:
    conn = op.get_bind()
    _close_duplicate_episodes(conn)
    _supersede_duplicate_plans(conn)
    op.create_index(
        "uq_care_episodes_one_open_per_patient",
        "care_episodes",
        ["patient_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        "uq_care_plans_one_current_per_episode",
        "care_plans",
        ["episode_id"],
        unique=True,
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )


def downgrade() -> None:
    op.drop_index("uq_care_plans_one_current_per_episode", table_name="care_plans")
    op.drop_index("uq_care_episodes_one_open_per_patient", table_name="care_episodes")
