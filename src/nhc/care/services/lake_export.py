"""Care → lake: the team's records as coded facts for analytics (``care_records``).

One use case, run by the system (the CLI or a scheduled job), never by a user: it reads every
virtual-ward episode, current care plan and decided MDT review in one transaction and writes one
audit line saying how many records of how many people left the operational store for the lake. The
lake is NHC's own analytics store (already person-level, pseudonymous keys), so this is a move
between two of NHC's stores, not a disclosure; pages still see the lake only through disclosure
control and :class:`~nhc.insights.access.PatientAccess`.

Codes: an MDT review is SNOMED CT 142597007 "Multidisciplinary case conference" (in the shipped
``multidisciplinary-team`` codelist); NHC ships no verified SNOMED concept for a virtual-ward stay or a
personalised care plan, so those carry NHC's local code system (:data:`~nhc.lake.tables.operational.LOCAL`).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import func, select

from nhc.care.models import AgendaItem, CarePlan, CarePlanVersion, Episode, Meeting
from nhc.care.services.base import Care
from nhc.lake.tables.operational import CARE_RECORDS, LOCAL, SNOMED

MDT_REVIEW_CODE = "142597007"  # Multidisciplinary case conference (SNOMED CT)
VIRTUAL_WARD_CODE = "virtual-ward-stay"
CARE_PLAN_CODE = "personalised-care-plan"


def _row(**values: Any) -> dict[str, Any]:
    return {c: values.get(c) for c in CARE_RECORDS.column_names}


def _episodes(session: Any) -> list[dict[str, Any]]:
    return [
        _row(
            patient_id=e.patient_id,
            record_type="virtual_ward",
            code_system=LOCAL,
            code=VIRTUAL_WARD_CODE,
            start_date=e.admitted_on,
            end_date=e.discharged_on,
            outcome=e.outcome,
            neighbourhood=e.neighbourhood,
            source_id=f"episode-{e.id}",
        )
        for e in session.scalars(select(Episode).order_by(Episode.id))
    ]


def _plans(session: Any) -> list[dict[str, Any]]:
    """Every care plan (current or ended), dated by its first save (version 1)."""
    first_saved = dict(
        session.execute(
            select(CarePlanVersion.plan_id, func.min(CarePlanVersion.saved_at)).group_by(
                CarePlanVersion.plan_id
            )
        ).all()
    )
    return [
        _row(
            patient_id=p.patient_id,
            record_type="care_plan",
            code_system=LOCAL,
            code=CARE_PLAN_CODE,
            start_date=first_saved.get(p.id, p.updated_at).date(),
            end_date=None if p.status == "active" else p.updated_at.date(),
            outcome=None if p.status == "active" else p.status,
            neighbourhood=p.neighbourhood,
            source_id=f"plan-{p.id}",
        )
        for p in session.scalars(select(CarePlan).order_by(CarePlan.id))
    ]


def _reviews(session: Any) -> list[dict[str, Any]]:
    """MDT agenda items with a decision: the person was reviewed on the meeting's day."""
    query = (
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.decision.is_not(None))
        .order_by(AgendaItem.id)
    )
    return [
        _row(
            patient_id=item.patient_id,
            record_type="mdt_review",
            code_system=SNOMED,
            code=MDT_REVIEW_CODE,
            start_date=meeting.held_on,
            end_date=meeting.held_on,
            outcome=None,
            neighbourhood=meeting.neighbourhood,
            source_id=f"mdt-item-{item.id}",
        )
        for item, meeting in session.execute(query)
    ]


def care_records(care: Care) -> pa.Table:
    """Every episode, care plan and decided MDT review as ``care_records`` rows, audited once."""
    with care.uow() as uow:
        rows = [*_episodes(uow.session), *_plans(uow.session), *_reviews(uow.session)]
        people = len({r["patient_id"] for r in rows})
        uow.audit(
            None,
            "care.export_lake",
            resource="care_records",
            detail=f"{len(rows)} records of {people} people exported to the lake",
        )
    return pa.Table.from_pylist(rows, schema=CARE_RECORDS.arrow)
