"""Audit guard: SQLite refuses ``INSERT OR REPLACE`` (and ``REPLACE``) over an existing audit line.

SQLite carries out ``OR REPLACE`` by deleting the conflicting row, and that delete fires no DELETE
trigger unless ``recursive_triggers`` is on, so 0001's append-only triggers let a row be overwritten.
A BEFORE INSERT trigger that aborts when a row with the new id already exists closes that for every
connection, whatever its pragmas (the ``sqlite3`` shell included). A plain INSERT of an existing id
fails on the primary key anyway; a new row (id NULL or unused) is unaffected.

PostgreSQL needs nothing: it has no REPLACE, and ``INSERT ... ON CONFLICT (id) DO UPDATE`` runs the
row UPDATE triggers, which 0001 already makes refuse.

Revision ID: 0003_audit_guard
Revises: 0002_care
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0003_audit_guard"
down_revision = "0002_care"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events "
            "WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: REPLACE refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_replace")
