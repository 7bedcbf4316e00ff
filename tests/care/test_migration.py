"""The care migration creates exactly the tables the models describe (SQLite and PostgreSQL) and
follows the current head of the revision chain."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.care.models  # noqa: F401
from nhc.db import Base, Database

CARE_TABLES = {
    "care_staff",
    "care_absences",
    "care_episodes",
    "care_assignments",
    "care_allocation_runs",
    "care_allocation_items",
    "care_events",
    "care_mdt_meetings",
    "care_mdt_items",
    "care_plans",
    "care_plan_versions",
    "care_tasks",
}


def _table_of(diff) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else None
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if name and hasattr(part, "columns"):
            return name
    return item[2] if len(item) > 2 and isinstance(item[2], str) else None


def test_migration_matches_the_models(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= CARE_TABLES
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    care_diffs = [d for d in diffs if (_table_of(d) or "") in CARE_TABLES]
    assert care_diffs == []
    db.dispose()


def test_care_migration_downgrades_and_upgrades_again(db_url: str) -> None:
    from alembic import command

    from nhc.db import alembic_config

    db = Database(db_url)
    db.upgrade()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001_security")
    names = set(sa.inspect(db.engine).get_table_names())
    assert not (CARE_TABLES & names) and "users" in names
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= CARE_TABLES
    db.dispose()
