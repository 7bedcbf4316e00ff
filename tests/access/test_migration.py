"""Migration 0007 creates exactly the access tables the models describe (SQLite and PostgreSQL),
and downgrades to 0005 and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.access.models  # noqa: F401
from nhc.db import Base, Database, alembic_config

ACCESS_TABLES = {"acc_hubs", "acc_schedules", "acc_slots", "acc_appointments"}


def _names(diff) -> set[str]:
    found = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:]:
            table = getattr(part, "table", None)
            name = table.name if table is not None else getattr(part, "name", None)
            if isinstance(part, str):
                name = part
            if isinstance(name, str):
                found.add(name)
    return found


def test_migration_matches_the_models(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= ACCESS_TABLES
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if _names(d) & ACCESS_TABLES] == []
    db.dispose()


def test_downgrade_below_access_and_upgrade_again(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006_oauth_clients")
    assert not set(sa.inspect(db.engine).get_table_names()) & ACCESS_TABLES
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= ACCESS_TABLES
    db.dispose()
