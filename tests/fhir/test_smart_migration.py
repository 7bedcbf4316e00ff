"""Migration 0006 creates exactly the OAuth tables the models describe (SQLite and PostgreSQL),
and downgrades to 0005 and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.security.oauth.models  # noqa: F401  (the tables on Base)
from nhc.db import Base, Database, alembic_config

OAUTH_TABLES = {"oauth_clients", "oauth_codes", "oauth_assertions", "oauth_revoked_tokens"}


def _names(diff) -> set[str]:
    found = set()
    for item in diff if isinstance(diff, list) else [diff]:
        for part in item[1:]:
            table = getattr(part, "table", None)
            name = (
                part
                if isinstance(part, str)
                else (table.name if table is not None else getattr(part, "name", None))
            )
            if isinstance(name, str):
                found.add(name)
    return found


def test_migration_matches_the_models(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= OAUTH_TABLES
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if _names(d) & OAUTH_TABLES] == []
    db.dispose()


def test_downgrade_to_0005_and_upgrade_again(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005_navigation")
    names = set(sa.inspect(db.engine).get_table_names())
    assert not (OAUTH_TABLES & names) and "nav_services" in names
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= OAUTH_TABLES
    db.dispose()
