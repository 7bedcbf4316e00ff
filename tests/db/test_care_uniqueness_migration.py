"""Revision 0004: a database that already holds duplicates made by simultaneous requests upgrades
cleanly — the earliest open episode and plan are kept, later duplicates closed (never deleted) and
each closure audited — and from then on the database refuses new duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from nhc.db import Database

EPISODE = {
    "neighbourhood": "Headington",
    "locality": "Oxford City",
    "source": "worklist",
    "reason": "risk",
    "needs": "nursing",
    "points": 3,
    "admitted_on": dt.date(2026, 4, 1),
    "review_due": dt.date(2026, 4, 8),
    "admitted_by": "lead",
    "version": 1,
}


def _insert(conn: sa.Connection, table: str, **values) -> int:
    cols = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    return conn.execute(
        sa.text(f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING id"), values
    ).scalar()


def _plan(conn: sa.Connection, episode_id: int) -> int:
    return _insert(
        conn,
        "care_plans",
        patient_id=7,
        episode_id=episode_id,
        neighbourhood="Headington",
        what_matters="home",
        goals="[]",
        actions="[]",
        review_date=dt.date(2026, 5, 1),
        shared_with_patient=False,
        status="active",
        version=1,
        updated_by="lead",
        updated_at=dt.datetime(2026, 4, 1),
    )


def test_existing_duplicates_are_closed_and_audited_then_refused(db_url: str) -> None:
    db = Database(db_url)
    db.upgrade("0003_audit_guard")
    with db.engine.begin() as conn:
        first = _insert(conn, "care_episodes", patient_id=7, status="active", **EPISODE)
        second = _insert(conn, "care_episodes", patient_id=7, status="stepped_down", **EPISODE)
        plans = [_plan(conn, first), _plan(conn, first), _plan(conn, first)]
    db.upgrade()
    with db.engine.begin() as conn:
        status = dict(conn.execute(sa.text("SELECT id, status FROM care_episodes")).all())
        plan_status = dict(conn.execute(sa.text("SELECT id, status FROM care_plans")).all())
        audit = conn.execute(
            sa.text("SELECT resource FROM audit_events WHERE action = 'care_duplicate_closed' ORDER BY id")
        ).scalars()
        assert status == {first: "active", second: "discharged"}
        assert plan_status == {plans[0]: "active", plans[1]: "superseded", plans[2]: "superseded"}
        assert list(audit) == [f"care_episode:{second}", f"care_plan:{plans[1]}", f"care_plan:{plans[2]}"]
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        _insert(conn, "care_episodes", patient_id=7, status="active", **EPISODE)
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        _plan(conn, first)
    with db.engine.begin() as conn:  # a discharged episode does not count: the person can come back
        _insert(conn, "care_episodes", patient_id=7, status="discharged", **EPISODE)
    db.dispose()
