"""Migration 0005 creates exactly the navigation tables the models describe (SQLite and PostgreSQL),
and downgrades to 0004 and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.navigation.models  # noqa: F401
from nhc.db import Base, Database, alembic_config

NAV_TABLES = {
    "nav_organizations",
    "nav_locations",
    "nav_services",
    "nav_service_at_locations",
    "nav_schedules",
    "nav_taxonomy_terms",
    "nav_service_taxonomy",
    "nav_contacts",
    "nav_costs",
    "nav_service_areas",
    "nav_eligibility",
    "nav_decisions",
}


def _tables(diff) -> set[str]:
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
    assert set(sa.inspect(db.engine).get_table_names()) >= NAV_TABLES
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if _tables(d) & NAV_TABLES] == []
    db.dispose()


def test_downgrade_to_0004_and_upgrade_again(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_care_uniqueness")
    names = set(sa.inspect(db.engine).get_table_names())
    assert not (NAV_TABLES & names) and "care_episodes" in names
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= NAV_TABLES
    db.dispose()
