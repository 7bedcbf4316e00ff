"""Migration 0009 creates exactly the wellbeing measures table the model describes (SQLite and
PostgreSQL), with its one-per-referral-kind-and-timepoint rule, and downgrades to 0008 and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.navigation.referral_models  # noqa: F401
from nhc.db import Base, Database, alembic_config
from tests.navigation.test_migration import _tables

TABLE = "sp_wellbeing_measures"


def test_migration_matches_the_model(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if TABLE in _tables(d)] == []
    uniques = {u["name"]: u["column_names"] for u in sa.inspect(db.engine).get_unique_constraints(TABLE)}
    assert uniques["uq_sp_wellbeing_one"] == ["referral_id", "kind", "timepoint"]
    db.dispose()


def test_downgrade_to_0008_and_upgrade_again(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008_social_prescribing")
    names = set(sa.inspect(db.engine).get_table_names())
    assert TABLE not in names and "sp_referrals" in names
    db.upgrade()
    assert TABLE in set(sa.inspect(db.engine).get_table_names())
    db.dispose()
