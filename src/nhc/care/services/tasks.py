"""Tasks and referrals: create (on the team's own board), move along their statuses, the team board."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm.exc import StaleDataError

from nhc.care import domain as d
from nhc.care.models import Episode, Task
from nhc.care.services.base import Care, by, check_neighbourhood, optional_whole
from nhc.care.services.people import labelled
from nhc.care.services.views import TaskView, task_view
from nhc.care.unit_of_work import CareUnitOfWork
from nhc.security.roles import Principal


def _check_kind(kind: str, owner: int | None, from_service: str | None, to_service: str | None) -> None:
    if kind not in d.TASK_KINDS:
        raise d.InvalidCareInput(f"unknown kind {kind!r}", hint="task or referral")
    if kind == d.TaskKind.TASK and owner is None:
        raise d.InvalidCareInput("a task needs an owner")
    d.check_service(from_service, "from service")
    d.check_service(to_service, "to service")
    if kind == d.TaskKind.REFERRAL and not to_service:
        raise d.InvalidCareInput("a referral needs the service it is to")


def _patient(
    care: Care, uow: CareUnitOfWork, nb: str, patient_id: int | None, episode_id: int | None
) -> tuple[int | None, str | None]:
    """(patient id, where the patient is registered) of a task about someone, or (None, None)."""
    if episode_id is not None:
        ep = uow.repo.get(Episode, episode_id, "caseload episode")
        if patient_id is not None and patient_id != ep.patient_id:
            raise d.InvalidCareInput(f"episode {episode_id} is for another person")
        if ep.neighbourhood != nb:
            raise d.InvalidCareInput(f"episode {episode_id} belongs to the {ep.neighbourhood} team, not {nb}")
        return ep.patient_id, ep.neighbourhood
    if patient_id is not None:
        person = care.directory.lookup(patient_id)
        if person is None:
            raise d.UnknownPatient(patient_id)
        return patient_id, person["neighbourhood"]
    return None, None


def create_task(
    care: Care,
    principal: Principal | None,
    neighbourhood: str,
    title: str,
    due_on: dt.date | str,
    *,
    kind: str = "task",
    owner_staff_id: int | str | None = None,
    patient_id: int | str | None = None,
    episode_id: int | str | None = None,
    detail: str = "",
    from_service: str | None = None,
    to_service: str | None = None,
) -> TaskView:
    """A task for a team member, or a referral to a service, on the team's own board."""
    nb, _ = check_neighbourhood(neighbourhood)
    if kind not in d.TASK_KINDS:
        raise d.InvalidCareInput(f"unknown kind {kind!r}", hint="task or referral")
    title = d.check_text(title, "title", max_len=300)
    due = d.check_due(due_on)
    owner = optional_whole(owner_staff_id, "owner")
    _check_kind(kind, owner, from_service, to_service)
    ep_id, pid = optional_whole(episode_id, "episode"), optional_whole(patient_id, "patient id")
    with care.uow() as uow:
        pid, patient_nb = _patient(care, uow, nb, pid, ep_id)
        uow.authorise_write(principal, pid, patient_nb, nb, "care_task_create", f"patient:{pid}")
        names = uow.repo.staff_names()
        if owner is not None and owner not in names:
            raise d.NotFoundError(f"there is no staff member with id {owner}")
        t = Task(
            kind=kind,
            neighbourhood=nb,
            patient_id=pid,
            episode_id=ep_id,
            title=title,
            detail=d.check_text(detail, "detail", max_len=4000, required=False),
            from_service=from_service,
            to_service=to_service,
            owner_staff_id=owner,
            due_on=due,
            status=d.initial_status(kind),
            created_by=by(principal),
            created_at=care.clock(),
            updated_at=care.clock(),
        )
        uow.repo.add(t)
        detail = f"to={to_service or ''}; owner={owner or ''}"
        uow.audit(
            principal, f"care_{kind}_created", patient_id=pid, resource=f"care_task:{t.id}", detail=detail
        )
        return task_view(t, names, care.today())


def update_task(
    care: Care,
    principal: Principal | None,
    task_id: int,
    status: str,
    *,
    expected_version: int | str | None = None,
) -> TaskView:
    """Move a task or referral to another status of its kind (optimistic locking when a version is sent)."""
    expected: int | None = None
    try:
        with care.uow() as uow:
            t = uow.repo.get(Task, task_id, "task")
            d.check_task_status(t.kind, status)
            # the patient's own registration (or their episode's team), never the task's team
            ep = uow.session.get(Episode, t.episode_id) if t.episode_id is not None else None
            patient_nb = ep.neighbourhood if ep is not None else None
            if t.patient_id is not None and patient_nb is None:
                patient_nb = care.registered_neighbourhood(t.patient_id)
            uow.authorise_write(
                principal,
                t.patient_id,
                patient_nb,
                t.neighbourhood,
                "care_task_update",
                f"care_task:{task_id}",
            )
            expected = optional_whole(expected_version, "version")
            d.check_version(t.version, expected, f"task {task_id}")
            t.move_to(status, care.clock())
            uow.repo.flush()
            detail = f"status={status}"
            uow.audit(
                principal,
                "care_task_updated",
                patient_id=t.patient_id,
                resource=f"care_task:{task_id}",
                detail=detail,
            )
            return task_view(t, uow.repo.staff_names(), care.today())
    except StaleDataError:
        raise d.StaleVersion(f"task {task_id}", expected or 0, care.current_version(Task, task_id)) from None


def board(
    care: Care,
    principal: Principal | None,
    neighbourhood: str,
    *,
    owner_staff_id: int | None = None,
    kind: str | None = None,
) -> dict[str, list[TaskView]]:
    """The team board: tasks and referrals grouped by status (in workflow order)."""
    nb, _ = check_neighbourhood(neighbourhood)
    with care.uow() as uow:
        names, today = uow.repo.staff_names(), care.today()
        rows = uow.repo.tasks(neighbourhood=nb, owner_staff_id=owner_staff_id, kind=kind)
        tasks = [task_view(t, names, today) for t in rows]
        uow.authorise_list(principal, nb, "care:board", len(tasks))
    tasks = labelled(care.directory, tasks)
    order = list(d.TASK_STATUSES) + [k for k in d.REFERRAL_STATUSES if k not in d.TASK_STATUSES]
    out: dict[str, list[TaskView]] = {k: [] for k in order}
    for t in tasks:
        out.setdefault(t.status, []).append(t)
    return out
