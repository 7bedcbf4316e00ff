"""The operational database: migrations on SQLite and PostgreSQL, unit of work, append-only audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from nhc.db import Database, current_revision, head_revision, upgrade
from nhc.errors import NhcError


def test_upgrade_is_idempotent_and_creates_the_tables(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    assert current_revision(db_url) == head_revision() is not None
    db = Database(db_url)
    names = set(sa.inspect(db.engine).get_table_names())
    assert {
        "users",
        "user_neighbourhoods",
        "care_relationships",
        "user_sessions",
        "sign_in_attempts",
        "break_glass",
        "audit_events",
    } <= names
    db.dispose()


def test_unit_of_work_rolls_back_on_error(db_url: str) -> None:
    from nhc.security.models import User

    db = Database(db_url)
    db.upgrade()
    with pytest.raises(RuntimeError), db.unit_of_work() as s:
        s.add(
            User(
                username="x",
                display_name="x",
                role="analyst",
                identity_provider="local",
                subject="x",
                active=True,
            )
        )
        s.flush()
        raise RuntimeError("boom")
    with db.unit_of_work() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    db.dispose()


def test_audit_table_refuses_update_and_delete_in_the_database(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO audit_events (at, username, action, outcome) "
                "VALUES (CURRENT_TIMESTAMP, 'u', 'view_patient', 'success')"
            )
        )
    for stmt in ("UPDATE audit_events SET outcome = 'tampered'", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(stmt))
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT outcome FROM audit_events")).scalars().all() == ["success"]
    db.dispose()


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(NhcError, match="cannot reach the operational database"):
        upgrade("postgresql+psycopg://nobody@127.0.0.1:1/none")
