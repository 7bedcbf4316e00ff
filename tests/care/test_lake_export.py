"""Care → lake: the team's records reach the lake as coded facts (``care_records``), audited."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from sqlalchemy import select

from nhc.care.services import CareService
from nhc.lake.tables import CARE_RECORDS
from nhc.security.models import AuditEvent
from tests.care.conftest import NB, Team

PLAN = {
    "what_matters": "Staying at home",
    "goals": ["No falls"],
    "actions": [{"action": "Falls assessment", "owner": "Physio", "due": "2026-04-10"}],
    "review_date": "2026-05-01",
}


def _rows(table: pa.Table) -> dict[str, dict]:
    return {r["source_id"]: r for r in table.to_pylist()}


def test_an_empty_caseload_exports_an_empty_table_with_the_lake_schema(care: CareService, team: Team) -> None:
    table = care.export_records()
    assert table.num_rows == 0 and table.schema == CARE_RECORDS.arrow


def test_a_discharged_virtual_ward_stay_is_exported_with_its_dates_and_outcome(
    care: CareService, team: Team, clock
) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    clock.advance(days=9)
    care.change_status(team.lead, ep.id, "discharged", outcome="admission_avoided")
    row = _rows(care.export_records())[f"episode-{ep.id}"]
    assert row["patient_id"] == 101 and row["record_type"] == "virtual_ward"
    assert row["code_system"] == "urn:nhc:care-record" and row["code"] == "virtual-ward-stay"
    assert (row["start_date"], row["end_date"]) == (dt.date(2026, 4, 1), dt.date(2026, 4, 10))
    assert row["outcome"] == "admission_avoided" and row["neighbourhood"] == NB


def test_an_open_stay_has_no_end_date(care: CareService, team: Team) -> None:
    ep = care.admit(team.lead, 102, worklist="care_home")
    row = _rows(care.export_records())[f"episode-{ep.id}"]
    assert row["end_date"] is None and row["outcome"] is None


def test_a_care_plan_is_dated_by_its_first_save_not_its_last(care: CareService, team: Team, clock) -> None:
    ep = care.admit(team.lead, 101, worklist="high_risk")
    plan = care.create_care_plan(team.lead, ep.id, **PLAN)
    clock.advance(days=5)
    care.update_care_plan(team.lead, plan.id, 1, **{**PLAN, "goals": ["Walk to the park"]})
    row = _rows(care.export_records())[f"plan-{plan.id}"]
    assert row["record_type"] == "care_plan" and row["start_date"] == dt.date(2026, 4, 1)
    assert row["end_date"] is None


def test_only_decided_mdt_items_are_reviews_coded_in_snomed(care: CareService, team: Team) -> None:
    care.admit(team.lead, 101, worklist="high_risk")
    care.admit(team.lead, 103, worklist="high_risk")
    meeting = care.create_meeting(team.lead, NB, "2026-04-01")
    decided = meeting.items[0]
    care.record_decision(team.lead, decided.id, "continue", [])
    reviews = [r for r in care.export_records().to_pylist() if r["record_type"] == "mdt_review"]
    assert [(r["patient_id"], r["code_system"], r["code"]) for r in reviews] == [
        (decided.patient_id, "http://snomed.info/sct", "142597007")
    ]
    assert reviews[0]["start_date"] == dt.date(2026, 4, 1)


def test_the_export_is_audited_with_how_many_records_left(care: CareService, team: Team) -> None:
    care.admit(team.lead, 101, worklist="high_risk")
    care.export_records()
    with care.db.sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "care.export_lake")).one()
    assert event.username == "system" and event.detail == "1 records of 1 people exported to the lake"
