"""MDT meetings: the agenda (deteriorated, review overdue, new admissions) and the decisions, whose
actions become tasks with an owner and a due date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nhc.care import domain as d
from nhc.care.models import AgendaItem, Episode, Meeting, Task
from nhc.care.services.base import Care, by, check_neighbourhood, loose_int, whole
from nhc.care.services.people import labelled
from nhc.care.services.views import AgendaItemView, MeetingView, TaskView, item_view, task_view
from nhc.care.unit_of_work import CareUnitOfWork, require_team
from nhc.security.roles import Principal


def create_meeting(
    care: Care,
    principal: Principal | None,
    neighbourhood: str,
    held_on: dt.date | str,
    *,
    title: str | None = None,
) -> MeetingView:
    """A meeting with its agenda: patients deteriorated (events, rising risk), reviews overdue and
    new admissions since the previous meeting (or the last 14 days)."""
    nb, _ = check_neighbourhood(neighbourhood)
    require_team(principal, nb)
    on = d.check_due(held_on, "meeting date")
    with care.uow() as uow:
        since = uow.repo.previous_meeting_day(nb, on) or on - dt.timedelta(days=d.DEFAULT_LOOKBACK_DAYS)
        entries = _agenda(care, uow, nb, since, on)
        m = Meeting(
            neighbourhood=nb,
            held_on=on,
            created_by=by(principal),
            created_at=care.clock(),
            title=d.check_text(title, "title", max_len=200, required=False) or f"{nb} MDT {on:%d %b %Y}",
        )
        uow.repo.add(m)
        for pos, (entry, ep) in enumerate(entries, 1):
            uow.session.add(
                AgendaItem(
                    meeting_id=m.id,
                    episode_id=ep.id,
                    patient_id=ep.patient_id,
                    reasons=",".join(entry.reasons),
                    detail="; ".join(entry.details),
                    position=pos,
                )
            )
        uow.audit(
            principal,
            "care_mdt_created",
            resource=f"care_mdt:{m.id}",
            detail=f"neighbourhood={nb}; items={len(entries)}",
        )
        meeting_id = m.id
    return meeting(care, principal, meeting_id)


def _agenda(
    care: Care, uow: CareUnitOfWork, nb: str, since: dt.date, on: dt.date
) -> list[tuple[d.AgendaEntry, Episode]]:
    eps = {e.id: e for e in uow.repo.episodes(nb, d.OPEN_STATUSES, by_id=True)}
    events = uow.repo.events_between(list(eps), since, on)
    entries = []
    for ep in eps.values():
        risk_now, ae_now = _current_insight(care, ep.patient_id)
        entry = d.agenda_entry(
            ep.id,
            admitted_on=ep.admitted_on,
            review_due=ep.review_due,
            reason=ep.reason,
            risk=ep.risk_at_admission,
            events=[d.Event(e.kind, e.occurred_on) for e in events.get(ep.id, [])],
            signals=d.deterioration_signals(ep.risk_at_admission, risk_now, ep.ae_at_admission, ae_now),
            since=since,
            on=on,
        )
        if entry is not None:
            entries.append(entry)
    return [(e, eps[e.episode_id]) for e in d.agenda_order(entries)]


def _current_insight(care: Care, patient_id: int) -> tuple[float | None, int | None]:
    """Today's predicted risk and A&E attendances (12 months) from the insight tables."""
    try:
        person = care.directory.lookup(patient_id)
    except Exception:  # the lake being unavailable must not stop the meeting
        return None, None
    if not person:
        return None, None
    risk = person.get("risk")
    return (float(risk) if risk is not None else None), loose_int(person.get("ae_12m"))


def meetings(care: Care, principal: Principal | None, neighbourhood: str) -> list[MeetingView]:
    nb, _ = check_neighbourhood(neighbourhood)
    require_team(principal, nb)
    with care.uow() as uow:
        return [
            MeetingView(m.id, m.neighbourhood, m.held_on, m.title, m.created_by)
            for m in uow.repo.meetings(nb)
        ]


def _item_tasks(care: Care, uow: CareUnitOfWork, item_ids: list[int]) -> dict[int, list[TaskView]]:
    names, today = uow.repo.staff_names(), care.today()
    out: dict[int, list[TaskView]] = {}
    for t in uow.repo.tasks(agenda_item_ids=item_ids):
        out.setdefault(t.agenda_item_id, []).append(task_view(t, names, today))  # type: ignore[arg-type]
    return out


def meeting(care: Care, principal: Principal | None, meeting_id: int) -> MeetingView:
    """A meeting with its agenda and the tasks each decision made (person-level: the team's own)."""
    with care.uow() as uow:
        m = uow.repo.get(Meeting, meeting_id, "MDT meeting")
        rows = uow.repo.agenda(m.id)
        tasks = _item_tasks(care, uow, [i.id for i in rows])
        items = tuple(item_view(i, tasks.get(i.id, [])) for i in rows)
        view = MeetingView(m.id, m.neighbourhood, m.held_on, m.title, m.created_by, items)
        uow.authorise_list(principal, view.neighbourhood, f"care_mdt:{meeting_id}", len(items))
    return labelled(care.directory, view)


@dataclass(frozen=True)
class Action:
    title: str
    owner_staff_id: int
    due_on: dt.date


def parse_actions(actions: Iterable[Mapping[str, object]]) -> list[Action]:
    """The decision's actions (blank rows skipped); each needs an owner and a due date."""
    out = []
    for i, a in enumerate(actions, 1):
        title = str(a.get("title") or "").strip()
        if not title:
            continue
        if not a.get("owner_staff_id"):
            raise d.InvalidCareInput(f"action {i} ({title[:40]}) needs an owner")
        if not a.get("due_on"):
            raise d.InvalidCareInput(f"action {i} ({title[:40]}) needs a due date")
        out.append(
            Action(
                d.check_text(title, f"action {i}", max_len=300),
                whole(a["owner_staff_id"], "owner"),
                d.check_due(a["due_on"], f"action {i} due date"),
            )
        )
    return out


def record_decision(
    care: Care,
    principal: Principal | None,
    item_id: int,
    decision: str,
    actions: Iterable[Mapping[str, object]] = (),
    *,
    review_due: dt.date | str | None = None,
) -> AgendaItemView:
    """Record the MDT's decision for one patient; each action becomes a task with owner and due date."""
    decision = d.check_text(decision, "the decision", max_len=4000)
    with care.uow() as uow:
        item = uow.repo.get(AgendaItem, item_id, "MDT agenda item")
        nb, pid = uow.repo.get(Meeting, item.meeting_id, "MDT meeting").neighbourhood, item.patient_id
        patient_nb = care.registered_neighbourhood(pid) or nb
        uow.authorise_write(principal, pid, patient_nb, nb, "care_mdt_decision", f"care_mdt_item:{item_id}")
        parsed = parse_actions(actions)
        due = d.check_due(review_due, "next review date") if review_due else None
        item.decision, item.decided_by, item.decided_at = decision, by(principal), care.clock()
        _add_tasks(care, uow, principal, item, nb, decision, parsed)
        if due is not None:
            # as the MDT decided, even if the patient was discharged since the agenda was made
            uow.repo.get(Episode, item.episode_id, "caseload episode").review_due = due
        uow.audit(
            principal,
            "care_mdt_decision",
            patient_id=pid,
            resource=f"care_mdt_item:{item_id}",
            detail=f"actions={len(parsed)}",
        )
        uow.repo.flush()
        return item_view(item, _item_tasks(care, uow, [item_id]).get(item_id, []))


def _add_tasks(
    care: Care, uow: CareUnitOfWork, principal: Principal | None, item: AgendaItem, nb: str, decision: str,
    actions: list[Action],
) -> None:  # fmt: skip
    names = uow.repo.staff_names()
    for a in actions:
        if a.owner_staff_id not in names:
            raise d.NotFoundError(f"there is no staff member with id {a.owner_staff_id}")
        uow.session.add(
            Task(
                kind=d.TaskKind.TASK.value,
                neighbourhood=nb,
                patient_id=item.patient_id,
                episode_id=item.episode_id,
                agenda_item_id=item.id,
                title=a.title,
                detail=f"MDT decision: {decision[:500]}",
                owner_staff_id=a.owner_staff_id,
                due_on=a.due_on,
                status=d.TaskStatus.TODO.value,
                created_by=by(principal),
                created_at=care.clock(),
                updated_at=care.clock(),
            )
        )
