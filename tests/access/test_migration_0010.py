"""Migration 0010 creates the stored visit requests exactly as the model describes (SQLite and
PostgreSQL), downgrades to 0009 without touching the other access tables' rows, and upgrades again."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import nhc.access.models  # noqa: F401
from nhc.access.domain.visit_requests import new_visit
from nhc.access.domain.visits import Place, Priority, Skill
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.db import Base, Database, alembic_config
from tests.access.test_migration import _names

TABLE = "acc_visit_requests"


def _visit(patient_id: int = 7):
    return new_visit(
        visit_date=dt.date(2026, 3, 2), patient_id=patient_id, neighbourhood="Headington",
        place=Place(51.76, -1.21, approximate=True), window_start=600, window_end=720, duration=30,
        skill=Skill.GP, priority=Priority.URGENT, reason="fall", created_by="nav",
    )  # fmt: skip


def test_0010_matches_the_model_and_stores_a_request(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if TABLE in _names(d)] == []
    with AccessUnitOfWork(db) as uow:
        stored = uow.repo.add_visit_request(_visit())
    with AccessUnitOfWork(db) as uow:
        (back,) = uow.repo.visit_requests(dt.date(2026, 3, 2))
        assert uow.repo.visit_requests(dt.date(2026, 3, 3)) == []
    assert back.id == stored.id and back.patient_id == 7 and back.skill is Skill.GP
    assert (back.window_start, back.window_end, back.place.approximate) == (600, 720, True)
    db.dispose()


def test_downgrade_to_0009_keeps_the_other_access_tables_and_upgrades_again(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade()
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO acc_hubs (id, name, neighbourhood, locality, host_practice, practices, list_size,"
            " latitude, longitude) VALUES ('h', 'H hub', 'Headington', 'Oxford City', 'K1', 'K1', 1000, 51.7, -1.2)"
        ))  # fmt: skip
    cfg = alembic_config(db_url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009_sp_wellbeing")
    tables = set(sa.inspect(db.engine).get_table_names())
    assert TABLE not in tables and "acc_hubs" in tables
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM acc_hubs")).scalar() == 1
    db.upgrade()
    assert TABLE in set(sa.inspect(db.engine).get_table_names())
    db.dispose()
