"""Migration 0008 creates exactly the social prescribing tables the models describe (SQLite and
PostgreSQL), with the one-open-referral index, and downgrades to 0007 and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.navigation.referral_models  # noqa: F401
from nhc.db import Base, Database, alembic_config
from nhc.navigation.domain.referral import OPEN
from nhc.navigation.referral_models import OPEN_SQL
from tests.navigation.test_migration import _tables

SP_TABLES = {"sp_referrals", "sp_notices"}


def test_migration_matches_the_models(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= SP_TABLES
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if _tables(d) & SP_TABLES] == []
    indexes = {i["name"]: i for i in sa.inspect(db.engine).get_indexes("sp_referrals")}
    assert indexes["uq_sp_referrals_one_open"]["unique"]
    db.dispose()


def test_downgrade_to_0007_and_upgrade_again(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007_access")
    names = set(sa.inspect(db.engine).get_table_names())
    assert not (SP_TABLES & names) and "acc_appointments" in names
    db.upgrade()
    assert set(sa.inspect(db.engine).get_table_names()) >= SP_TABLES
    db.dispose()


def test_the_open_statuses_in_sql_match_the_domain() -> None:
    listed = {part.strip(" '") for part in OPEN_SQL.removeprefix("status IN (").removesuffix(")").split(",")}
    assert listed == {s.value for s in OPEN}
