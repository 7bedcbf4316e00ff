"""The MDT agenda: why a patient on the caseload is discussed (new, deteriorated, review overdue)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

#: Why a patient is discussed, in the order the agenda takes them (docs/care.md): people who
#: deteriorated first, then overdue reviews, then new admissions.
AGENDA_REASONS = {
    "deteriorated": "Deteriorated",
    "overdue_review": "Review overdue",
    "new_admission": "New admission",
}
AGENDA_PRIORITY = tuple(AGENDA_REASONS)
#: A rise in predicted risk of at least this much since admission puts the patient on the agenda.
RISK_RISE = 0.05
#: Recorded events that mean a patient deteriorated.
DETERIORATION_EVENTS = {
    "emergency_attendance": "Emergency (A&E) attendance",
    "emergency_admission": "Emergency admission",
    "deterioration": "Deterioration reported",
    "fall": "Fall",
}
DEFAULT_LOOKBACK_DAYS = 14


def deterioration_signals(
    risk_then: float | None, risk_now: float | None, ae_then: int | None, ae_now: int | None
) -> list[str]:
    """What the insight tables say changed since admission: a rise in predicted risk of at least
    :data:`RISK_RISE`, or more A&E attendances in the last 12 months than at admission."""
    out = []
    if risk_then is not None and risk_now is not None and risk_now - risk_then >= RISK_RISE:
        out.append(f"risk up from {risk_then:.0%} to {risk_now:.0%}")
    if ae_then is not None and ae_now is not None and ae_now > ae_then:
        n = ae_now - ae_then
        out.append(f"{n} new A&E attendance{'s' if n > 1 else ''} in the insight tables")
    return out


@dataclass(frozen=True)
class Event:
    """A recorded event, as the agenda needs it."""

    kind: str
    occurred_on: dt.date


@dataclass(frozen=True)
class AgendaEntry:
    """Why one episode is on the agenda; ``order`` is the position of its most urgent reason in
    :data:`AGENDA_PRIORITY` (0 = deteriorated)."""

    episode_id: int
    reasons: tuple[str, ...]
    details: tuple[str, ...]
    order: int
    risk: float


def agenda_entry(
    episode_id: int,
    *,
    admitted_on: dt.date,
    review_due: dt.date,
    reason: str,
    risk: float | None,
    events: Sequence[Event],
    signals: Sequence[str],
    since: dt.date,
    on: dt.date,
) -> AgendaEntry | None:
    """The agenda entry for one open episode at a meeting ``on`` (events and admissions counted after
    ``since``, the previous meeting), or None when there is nothing to discuss."""
    reasons: list[str] = []
    details: list[str] = []
    if events or signals:
        reasons.append("deteriorated")
        details += [f"{DETERIORATION_EVENTS[e.kind]} on {e.occurred_on:%d %b}" for e in events]
        details += signals
    if review_due < on:
        reasons.append("overdue_review")
        details.append(f"review was due {review_due:%d %b}")
    if since < admitted_on <= on:
        reasons.append("new_admission")
        details.append(f"admitted {admitted_on:%d %b}: {reason[:200]}")
    if not reasons:
        return None
    order = min(AGENDA_PRIORITY.index(r) for r in reasons)
    return AgendaEntry(episode_id, tuple(reasons), tuple(details), order, risk or 0.0)


def agenda_order(entries: Sequence[AgendaEntry]) -> list[AgendaEntry]:
    """Deteriorated first, then overdue reviews, then new admissions; higher risk first; then by id."""
    return sorted(entries, key=lambda e: (e.order, -e.risk, e.episode_id))
