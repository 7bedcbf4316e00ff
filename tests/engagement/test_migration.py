"""Migration 0012 creates the feedback table exactly as the model describes (SQLite and PostgreSQL),
its checks refuse an unknown channel, and it downgrades (to 0011) and upgrades again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.engagement.models  # noqa: F401
from nhc.db import Base, Database, alembic_config
from tests.access.test_migration import _names

TABLE = "eng_feedback"
ROW = (
    "INSERT INTO eng_feedback (neighbourhood, channel, text, themes, tags, sentiment, received, created) "
    "VALUES ('Witney', :channel, 'x', '', '', 'mixed', '2026-03-02', '2026-03-02 10:00:00')"
)


def test_0012_matches_the_model_and_checks_the_channel(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if TABLE in _names(d)] == []
    with db.engine.begin() as conn:
        conn.execute(sa.text(ROW), {"channel": "survey"})
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(sa.text(ROW), {"channel": "letter"})
    db.dispose()


def test_downgrade_below_0012_and_upgrade_again(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0011_plans")
    assert TABLE not in set(sa.inspect(db.engine).get_table_names())
    db.upgrade()
    assert TABLE in set(sa.inspect(db.engine).get_table_names())
    db.dispose()
