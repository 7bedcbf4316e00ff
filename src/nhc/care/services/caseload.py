"""The caseload (virtual ward): candidates from worklists, admission, the list, one episode, status
changes (step down, discharge), reviews and recorded events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from nhc.care import domain as d
from nhc.care.directory import locality_of
from nhc.care.models import CareEvent, Episode, Task
from nhc.care.services.base import (
    RELATIONSHIP_AFTER_DISCHARGE,
    Care,
    by,
    check_neighbourhood,
    loose_int,
    optional_whole,
)
from nhc.care.services.people import labelled, person_label
from nhc.care.services.views import (
    EpisodeDetail,
    EpisodeView,
    EventView,
    PersonLabel,
    assignment_view,
    episode_view,
    event_view,
    task_view,
)
from nhc.care.unit_of_work import CareUnitOfWork
from nhc.identifiers import InvalidIdentifier, parse_patient_id
from nhc.security.roles import Principal

Person = dict[str, Any]  # a row of the patient directory (the insight tables)


@dataclass(frozen=True)
class Admission:
    """A checked request to admit one person."""

    patient_id: int
    person: Person
    source: str
    worklist: str | None
    referral_id: int | None
    reason: str
    needs: frozenset[str]
    points: int
    review_in_days: int


@dataclass(frozen=True)
class AdmissionChoice:
    """What the admission form offers for one person: who they are, where they are registered, the
    worklists they are on (name → reasons), the suggested skills and points, and their open
    episode if they are already on the caseload."""

    patient_id: int
    person: PersonLabel | None
    neighbourhood: str
    worklists: dict[str, str]
    suggested_needs: tuple[str, ...]
    suggested_points: int
    open_episode_id: int | None


def admission_choice(care: Care, principal: Principal | None, patient_id: int | str) -> AdmissionChoice:
    """PERSON-LEVEL: the admission form for one person (a read of the person: authorised, audited)."""
    pid = _patient_id(patient_id)
    person = _lookup(care, principal, pid)
    nb = person["neighbourhood"]
    with care.uow() as uow:
        # The form is offered only to those who may admit: the person's own team (clinical roles).
        uow.authorise_write(principal, pid, nb, nb, "care_admit_form", f"patient:{pid}")
        open_id = uow.repo.open_episode_id(pid)
    return AdmissionChoice(
        pid,
        person_label(person, pid),
        nb,
        dict(sorted((person.get("worklists") or {}).items())),
        tuple(sorted(d.suggest_needs(person))),
        d.default_points(person.get("risk"), person.get("band")),
        open_id,
    )


def worklist_candidates(
    care: Care, principal: Principal | None, neighbourhood: str, worklist: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """PERSON-LEVEL: people on the neighbourhood's worklists who are not on the caseload yet."""
    nb, _ = check_neighbourhood(neighbourhood)
    rows = care.directory.worklist(nb, worklist)
    with care.uow() as uow:
        open_ids = uow.repo.open_patient_ids(nb)
        rows = [r for r in rows if r["patient_id"] not in open_ids][:limit]
        uow.authorise_list(principal, nb, f"care:worklist:{worklist or 'all'}", len(rows))
    return [
        {**r, "person": person_label(care.directory.lookup(r["patient_id"]), r["patient_id"])} for r in rows
    ]


def on_caseload(care: Care, principal: Principal | None, neighbourhood: str) -> dict[int, int]:
    """PERSON-LEVEL (a team list): who is on the neighbourhood's caseload, as patient id → open
    episode id, so a worklist can say who is already looked after."""
    nb, _ = check_neighbourhood(neighbourhood)
    with care.uow() as uow:
        found = uow.repo.open_episode_ids(nb)
        uow.authorise_list(principal, nb, "care:caseload:ids", len(found))
    return found


def open_episode(care: Care, principal: Principal | None, patient_id: int) -> int | None:
    """The person's open caseload episode id, if any (a read of the person: authorised, audited)."""
    pid = _patient_id(patient_id)
    with care.uow() as uow:
        uow.authorise_read(
            principal, pid, care.registered_neighbourhood(pid), "care_view_episode", f"patient:{pid}"
        )
        return uow.repo.open_episode_id(pid)


def _patient_id(patient_id: int | str) -> int:
    try:
        return parse_patient_id(patient_id)
    except InvalidIdentifier as exc:
        raise d.InvalidCareInput(f"a patient id is a whole number: {exc.message}") from None


def _lookup(care: Care, principal: Principal | None, pid: int) -> Person:
    person = care.directory.lookup(pid)
    if person is None:
        if principal is not None:  # a miss is audited (and refused to non-clinical roles)
            care.security.authorise_patient_read(
                principal, pid, None, action="care_admit", resource=f"patient:{pid}", found=False
            )
        raise d.UnknownPatient(pid)
    return person


def _admission_reason(
    pid: int, person: Person, source: str, worklist: str | None, referral_id: int | None, reason: str | None
) -> str:
    """The reason given, or the worklist's own reason for listing the person."""
    if source == "worklist":
        lists = person.get("worklists") or {}
        if not worklist:
            raise d.InvalidCareInput("say which worklist the person was found on")
        if worklist not in lists:
            raise d.InvalidCareInput(
                f"person {pid} is not on the {worklist!r} worklist",
                hint=f"their worklists: {', '.join(sorted(lists)) or 'none'}",
            )
        reason = (reason or "").strip() or lists[worklist]
    elif referral_id is None:
        raise d.InvalidCareInput("an admission by referral needs the referral")
    return d.check_text(reason, "reason for admission", max_len=2000)


def _workload(
    person: Person, needs: str | Iterable[str] | None, points: int | str | None, review_in_days: int
) -> tuple[frozenset[str], int]:
    need_set = d.parse_skills(needs) if needs else d.suggest_needs(person)
    pts = optional_whole(points, "points")
    pts = d.default_points(person.get("risk"), person.get("band")) if pts is None else pts
    if not 1 <= pts <= 20:
        raise d.InvalidCareInput(f"workload points must be 1-20 (got {pts})")
    if not 1 <= int(review_in_days) <= 90:
        raise d.InvalidCareInput("the first review must be within 1-90 days")
    return need_set, pts


def admit(
    care: Care,
    principal: Principal | None,
    patient_id: int | str,
    *,
    source: str = "worklist",
    reason: str | None = None,
    worklist: str | None = None,
    referral_id: int | None = None,
    needs: str | Iterable[str] | None = None,
    points: int | str | None = None,
    review_in_days: int = d.DEFAULT_REVIEW_DAYS,
) -> EpisodeView:
    """Admit a person to the virtual ward, from a worklist or a referral, with reason and risk."""
    pid = _patient_id(patient_id)
    if source not in d.SOURCES:
        raise d.InvalidCareInput(f"unknown admission source {source!r}", hint="worklist or referral")
    person = _lookup(care, principal, pid)
    nb = person["neighbourhood"]
    try:
        with care.uow() as uow:
            uow.authorise_write(principal, pid, nb, nb, "care_admit", f"patient:{pid}")
            text = _admission_reason(pid, person, source, worklist, referral_id, reason)
            need_set, pts = _workload(person, needs, points, review_in_days)
            req = Admission(
                pid, person, source, worklist, referral_id, text, need_set, pts, int(review_in_days)
            )
            return _insert_episode(care, uow, principal, req)
    except d.ConflictError as exc:
        care.conflict(principal, "care_admit", pid, f"patient:{pid}", exc.message)
        raise
    except IntegrityError:  # a simultaneous admission won: the database's unique index decides
        message = f"person {pid} is already on the caseload (admitted at the same moment by someone else)"
        care.conflict(principal, "care_admit", pid, f"patient:{pid}", message)
        raise d.ConflictError(message, hint="open their existing episode instead") from None


def _accept_referral(
    care: Care, uow: CareUnitOfWork, principal: Principal | None, req: Admission
) -> Task | None:
    if req.referral_id is None:
        return None
    ref = uow.repo.get(Task, req.referral_id, "referral")
    if ref.accept_for_admission(req.patient_id, req.person["neighbourhood"], care.clock()):
        uow.audit(
            principal,
            "care_referral_updated",
            patient_id=req.patient_id,
            resource=f"care_task:{req.referral_id}",
            detail="status=accepted; by admission",
        )
    return ref


def _insert_episode(
    care: Care, uow: CareUnitOfWork, principal: Principal | None, req: Admission
) -> EpisodeView:
    existing = uow.repo.open_episode_id(req.patient_id)
    if existing:
        raise d.ConflictError(f"person {req.patient_id} is already on the caseload (episode {existing})")
    referral = _accept_referral(care, uow, principal, req)
    risk, today, nb = req.person.get("risk"), care.today(), req.person["neighbourhood"]
    ep = Episode(
        patient_id=req.patient_id,
        neighbourhood=nb,
        locality=req.person.get("locality") or locality_of(nb) or "",
        source=req.source,
        worklist=req.worklist if req.source == "worklist" else None,
        referral_id=req.referral_id,
        reason=req.reason,
        risk_at_admission=float(risk) if risk is not None else None,
        band_at_admission=req.person.get("band"),
        ae_at_admission=loose_int(req.person.get("ae_12m")),
        needs=d.join_skills(req.needs),
        points=req.points,
        status=d.ACTIVE.value,
        admitted_on=today,
        review_due=today + dt.timedelta(days=req.review_in_days),
        admitted_by=by(principal),
    )
    uow.repo.add(ep)
    if referral is not None:
        referral.episode_id = ep.id
    uow.audit(
        principal,
        "care_admitted",
        patient_id=req.patient_id,
        resource=f"care_episode:{ep.id}",
        detail=f"source={req.source}; worklist={req.worklist or ''}; risk={risk}",
    )
    return episode_view(ep, uow.repo.staff_names(), today)


def caseload(
    care: Care, principal: Principal | None, neighbourhood: str, *, status: str = "open"
) -> list[EpisodeView]:
    """The neighbourhood's open episodes (or those in one ``status``), by admission date."""
    nb, _ = check_neighbourhood(neighbourhood)
    if status != "open" and status not in d.EPISODE_STATUSES:
        raise d.InvalidCareInput(f"unknown status {status!r}")
    statuses = d.OPEN_STATUSES if status == "open" else (status,)
    with care.uow() as uow:
        names, today = uow.repo.staff_names(), care.today()
        views = [episode_view(e, names, today) for e in uow.repo.episodes(nb, statuses)]
        uow.authorise_list(principal, nb, f"care:caseload:{status}", len(views))
    return labelled(care.directory, views)


def episode(care: Care, principal: Principal | None, episode_id: int) -> EpisodeDetail:
    """One episode with its clinicians (history), events, care plan and tasks."""
    with care.uow() as uow:
        ep = uow.repo.get(Episode, episode_id, "caseload episode")
        uow.authorise_read(
            principal, ep.patient_id, ep.neighbourhood, "care_view_episode", f"care_episode:{episode_id}"
        )
        names, today = uow.repo.staff_names(), care.today()
        detail = EpisodeDetail(
            episode_view(ep, names, today),
            tuple(assignment_view(a, names) for a in uow.repo.assignments(episode_id)),
            tuple(event_view(e) for e in uow.repo.events(episode_id)),
            uow.repo.current_plan_id(episode_id),
            tuple(task_view(t, names, today) for t in uow.repo.tasks(episode_id=episode_id)),
        )
    return labelled(care.directory, detail)


def _writable_episode(
    uow: CareUnitOfWork, principal: Principal | None, episode_id: int, action: str
) -> Episode:
    """The episode, once the user may change it (its team, and a relationship with the patient)."""
    ep = uow.repo.get(Episode, episode_id, "caseload episode")
    nb = ep.neighbourhood
    uow.authorise_write(principal, ep.patient_id, nb, nb, action, f"care_episode:{episode_id}")
    return ep


def change_status(
    care: Care,
    principal: Principal | None,
    episode_id: int,
    status: str,
    *,
    outcome: str | None = None,
    expected_version: int | None = None,
) -> EpisodeView:
    """Step down, step back up or discharge (with an outcome)."""
    what = f"caseload episode {episode_id}"
    try:
        with care.uow() as uow:
            ep = _writable_episode(uow, principal, episode_id, "care_change_status")
            d.check_version(ep.version, expected_version, what)
            ep.change_status(status, outcome=outcome, today=care.today())
            if status == d.DISCHARGED:
                _end_care(care, uow, ep)
            uow.repo.flush()  # UPDATE ... WHERE version = expected: another writer makes this fail
            detail = f"status={status}; outcome={outcome or ''}"
            uow.audit(
                principal,
                "care_status_changed",
                patient_id=ep.patient_id,
                resource=f"care_episode:{ep.id}",
                detail=detail,
            )
            return episode_view(ep, uow.repo.staff_names(), care.today())
    except StaleDataError:
        raise d.StaleVersion(what, expected_version or 0, care.current_version(Episode, episode_id)) from None


def _end_care(care: Care, uow: CareUnitOfWork, ep: Episode) -> None:
    """On discharge the clinician's assignment ends now, and their access a while later."""
    now = care.clock()
    for a in uow.repo.open_assignments(ep.id):
        a.ended_at = now
    uow.repo.end_relationships(ep.patient_id, now + RELATIONSHIP_AFTER_DISCHARGE)


def set_review(
    care: Care, principal: Principal | None, episode_id: int, review_due: dt.date | str
) -> EpisodeView:
    due = d.check_due(review_due, "review date")
    with care.uow() as uow:
        ep = _writable_episode(uow, principal, episode_id, "care_set_review")
        ep.set_review(due)
        uow.audit(
            principal,
            "care_review_set",
            patient_id=ep.patient_id,
            resource=f"care_episode:{ep.id}",
            detail=f"review_due={due}",
        )
        uow.repo.flush()
        return episode_view(ep, uow.repo.staff_names(), care.today())


def record_event(
    care: Care,
    principal: Principal | None,
    episode_id: int,
    kind: str,
    occurred_on: dt.date | str | None = None,
    detail: str = "",
) -> EventView:
    """Record something that happened (A&E attendance, admission, fall...): it puts the patient on
    the next MDT agenda as deteriorated."""
    if kind not in d.DETERIORATION_EVENTS:
        raise d.InvalidCareInput(
            f"unknown event {kind!r}", hint=f"one of: {', '.join(d.DETERIORATION_EVENTS)}"
        )
    on = d.check_due(occurred_on, "date") if occurred_on else care.today()
    with care.uow() as uow:
        ep = _writable_episode(uow, principal, episode_id, "care_record_event")
        ev = CareEvent(
            episode_id=episode_id,
            patient_id=ep.patient_id,
            kind=kind,
            occurred_on=on,
            detail=d.check_text(detail, "detail", required=False),
            recorded_by=by(principal),
            recorded_at=care.clock(),
        )
        uow.repo.add(ev)
        uow.audit(
            principal,
            "care_event_recorded",
            patient_id=ep.patient_id,
            resource=f"care_episode:{episode_id}",
            detail=kind,
        )
        return event_view(ev)
