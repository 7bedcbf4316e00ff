"""Social prescribing storage: referrals, notices and wellbeing measures to and from rows, inside
the caller's session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nhc.navigation.domain.errors import NotFound
from nhc.navigation.domain.referral import Notice, Referral, Source, Status
from nhc.navigation.domain.wellbeing import Kind, Measure, Timepoint
from nhc.navigation.referral_models import NoticeRow, ReferralRow, WellbeingRow

_FIELDS = (
    "patient_id",
    "service_id",
    "service_name",
    "referred_by",
    "created_at",
    "reason",
    "what_matters",
    "responded_at",
    "responded_by",
    "decline_reason",
    "for_capacity",
    "ended_at",
    "outcome",
)


def _referral(row: ReferralRow) -> Referral:
    values = {f: getattr(row, f) for f in _FIELDS}
    return Referral(**values, source=Source(row.source), status=Status(row.status), id=row.id)


def _write(row: ReferralRow, referral: Referral) -> None:
    for f in _FIELDS:
        setattr(row, f, getattr(referral, f))
    row.source, row.status = referral.source.value, referral.status.value
    row.snomed_code, row.due_by = referral.snomed_code, referral.due_by


def add(session: Session, referral: Referral) -> Referral:
    """Insert ``referral``; the database refuses a second open one for the person and service."""
    row = ReferralRow()
    _write(row, referral)
    session.add(row)
    session.flush()
    referral.id = row.id
    return referral


def get(session: Session, referral_id: int) -> Referral:
    """The referral, its row locked for the rest of the transaction (NotFound if there is none)."""
    row = session.scalars(select(ReferralRow).where(ReferralRow.id == referral_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"there is no referral {referral_id}")
    return _referral(row)


def save(session: Session, referral: Referral) -> None:
    row = session.get(ReferralRow, referral.id)
    if row is None:
        raise NotFound(f"there is no referral {referral.id}")
    _write(row, referral)


def overdue(session: Session, now: dt.datetime) -> list[Referral]:
    """Sent referrals past their answer-by time, oldest first, locked (skipping locked ones, so two
    clocks running at once never decline the same referral twice)."""
    query = (
        select(ReferralRow)
        .where(ReferralRow.status == Status.SENT.value, ReferralRow.due_by < now)
        .order_by(ReferralRow.due_by, ReferralRow.id)
        .with_for_update(skip_locked=True)
    )
    return [_referral(r) for r in session.scalars(query)]


def for_services(session: Session, service_ids: Iterable[str], statuses: Iterable[Status]) -> list[Referral]:
    query = (
        select(ReferralRow)
        .where(
            ReferralRow.service_id.in_(list(service_ids)),
            ReferralRow.status.in_([s.value for s in statuses]),
        )
        .order_by(ReferralRow.created_at, ReferralRow.id)
    )
    return [_referral(r) for r in session.scalars(query)]


def every_referral(session: Session) -> list[Referral]:
    """Every referral ever made, oldest first (for the export to the lake)."""
    return [_referral(r) for r in session.scalars(select(ReferralRow).order_by(ReferralRow.id))]


def capacity_declines_since(session: Session, service_id: str, since: dt.datetime) -> int:
    query = select(ReferralRow.id).where(
        ReferralRow.service_id == service_id,
        ReferralRow.for_capacity.is_(True),
        ReferralRow.responded_at >= since,
    )
    return len(session.scalars(query).all())


def add_notice(session: Session, referral_id: int, notice: Notice, at: dt.datetime) -> None:
    session.add(
        NoticeRow(
            referral_id=referral_id,
            recipient=notice.recipient,
            kind=notice.kind,
            text=notice.text,
            created_at=at,
        )
    )


def notices(session: Session, recipient: str) -> list[dict[str, object]]:
    """The recipient's notices, newest first."""
    query = (
        select(NoticeRow)
        .where(NoticeRow.recipient == recipient)
        .order_by(NoticeRow.created_at.desc(), NoticeRow.id.desc())
    )
    return [
        {"referral_id": n.referral_id, "kind": n.kind, "text": n.text, "at": n.created_at}
        for n in session.scalars(query)
    ]


def add_measure(session: Session, m: Measure) -> Measure:
    """Insert ``m``; the database refuses a second one of its kind and timepoint on the referral."""
    row = WellbeingRow(
        referral_id=m.referral_id,
        kind=m.kind.value,
        timepoint=m.timepoint.value,
        answers=",".join(str(a) for a in m.answers),
        raw_score=m.raw_score,
        score=m.score,
        taken_at=m.taken_at,
        recorded_by=m.recorded_by,
    )
    session.add(row)
    session.flush()
    return Measure(m.referral_id, m.kind, m.timepoint, m.answers, m.taken_at, m.recorded_by, row.id)


def _measure(row: WellbeingRow) -> Measure:
    answers = tuple(int(a) for a in row.answers.split(",") if a)
    return Measure(row.referral_id, Kind(row.kind), Timepoint(row.timepoint), answers, row.taken_at, row.recorded_by, row.id)  # fmt: skip


def measures(session: Session, referral_ids: Iterable[int] | None = None) -> list[Measure]:
    """The measures of ``referral_ids`` (every referral's when None), by referral, kind, time."""
    query = select(WellbeingRow).order_by(WellbeingRow.referral_id, WellbeingRow.kind, WellbeingRow.taken_at)
    if referral_ids is not None:
        query = query.where(WellbeingRow.referral_id.in_(list(referral_ids)))
    return [_measure(r) for r in session.scalars(query)]
