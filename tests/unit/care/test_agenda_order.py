"""The MDT agenda takes people who deteriorated first, then overdue reviews, then new admissions
(docs/care.md), whatever their risk (issue 20: new admissions were listed above deterioration)."""

from __future__ import annotations

import datetime as dt

from nhc.care import domain as d

ON = dt.date(2026, 4, 14)
SINCE = dt.date(2026, 4, 1)


def entry(episode_id: int, *, risk: float, **kw: object) -> d.AgendaEntry:
    args: dict = {
        "admitted_on": dt.date(2026, 3, 1),
        "review_due": dt.date(2026, 4, 30),
        "reason": "worklist",
        "risk": risk,
        "events": [],
        "signals": [],
        "since": SINCE,
        "on": ON,
    } | kw
    e = d.agenda_entry(episode_id, **args)
    assert e is not None
    return e


def test_a_deteriorated_patient_comes_before_a_riskier_new_admission() -> None:
    new = entry(1, risk=0.9, admitted_on=dt.date(2026, 4, 10))
    worse = entry(2, risk=0.1, events=[d.Event("fall", dt.date(2026, 4, 12))])
    assert [e.episode_id for e in d.agenda_order([new, worse])] == [2, 1]


def test_overdue_reviews_come_between_deterioration_and_new_admissions() -> None:
    new = entry(1, risk=0.9, admitted_on=dt.date(2026, 4, 10))
    overdue = entry(2, risk=0.2, review_due=dt.date(2026, 4, 2))
    worse = entry(3, risk=0.1, signals=["risk up from 20% to 30%"])
    assert [e.episode_id for e in d.agenda_order([new, overdue, worse])] == [3, 2, 1]


def test_a_new_admission_that_also_deteriorated_is_taken_as_deteriorated() -> None:
    both = entry(1, risk=0.1, admitted_on=dt.date(2026, 4, 10), events=[d.Event("fall", ON)])
    overdue = entry(2, risk=0.9, review_due=dt.date(2026, 4, 2))
    assert [e.episode_id for e in d.agenda_order([overdue, both])] == [1, 2]


def test_reason_labels_read_in_agenda_order() -> None:
    assert list(d.AGENDA_REASONS.values()) == ["Deteriorated", "Review overdue", "New admission"]
