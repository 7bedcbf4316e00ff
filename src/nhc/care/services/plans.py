"""Personalised care plans: create, revise (optimistic locking, one version row per save), read,
history, and the patient's read by a secret link."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from nhc.care import domain as d
from nhc.care.models import CarePlan, CarePlanVersion, Episode
from nhc.care.services.base import Care, by, whole
from nhc.care.services.people import labelled
from nhc.care.services.views import PlanVersionView, PlanView, plan_version_view, plan_view
from nhc.care.unit_of_work import CareUnitOfWork
from nhc.security.roles import Principal

Goals = str | Iterable[object] | None
Actions = Iterable[d.plans.ActionInput] | None


def _saved(care: Care, uow: CareUnitOfWork, principal: Principal | None, plan: CarePlan) -> PlanView:
    """After a save: the version row (the plan's history) and the audit line, in the same transaction."""
    uow.session.add(
        CarePlanVersion(
            plan_id=plan.id,
            version=plan.version,
            content=json.dumps(plan.snapshot()),
            saved_by=by(principal),
            saved_at=care.clock(),
        )
    )
    detail = f"version={plan.version}"
    uow.audit(
        principal,
        "care_plan_saved",
        patient_id=plan.patient_id,
        resource=f"care_plan:{plan.id}",
        detail=detail,
    )
    uow.repo.flush()
    return plan_view(plan)


def create_care_plan(
    care: Care,
    principal: Principal | None,
    episode_id: int,
    *,
    what_matters: str,
    goals: Goals,
    actions: Actions = (),
    review_date: dt.date | str,
    shared_with_patient: bool = False,
) -> PlanView:
    """The first plan of an episode (one current plan each, guaranteed by the database)."""
    pid = 0
    resource = f"care_episode:{episode_id}"
    try:
        with care.uow() as uow:
            ep = uow.repo.get(Episode, episode_id, "caseload episode")
            pid, nb = ep.patient_id, ep.neighbourhood
            uow.authorise_write(principal, pid, nb, nb, "care_plan_create", resource)
            content = d.PlanContent.parse(what_matters, goals, actions, review_date, shared_with_patient)
            existing = uow.repo.current_plan_id(episode_id)
            if existing:
                raise d.ConflictError(
                    f"episode {episode_id} already has care plan {existing}", hint="edit that plan instead"
                )
            plan = CarePlan(patient_id=pid, episode_id=episode_id, neighbourhood=nb)
            plan.write(content, by(principal), care.clock())
            uow.repo.add(plan)
            return _saved(care, uow, principal, plan)
    except d.ConflictError as exc:
        care.conflict(principal, "care_plan_create", pid, resource, exc.message)
        raise
    except IntegrityError:  # a simultaneous first save won: the database's unique index decides
        message = f"episode {episode_id} already has a care plan (saved at the same moment by someone else)"
        care.conflict(principal, "care_plan_create", pid, resource, message)
        raise d.ConflictError(message, hint="open that plan and edit it instead") from None


def update_care_plan(
    care: Care,
    principal: Principal | None,
    plan_id: int,
    expected_version: int | str | None,
    *,
    what_matters: str,
    goals: Goals,
    actions: Actions = (),
    review_date: dt.date | str,
    shared_with_patient: bool = False,
) -> PlanView:
    """Save a new version. ``expected_version`` is the version the editor started from: if someone
    saved since, :class:`StaleVersion` names the current version and nothing is written."""
    if expected_version in (None, ""):
        raise d.InvalidCareInput("say which version of the care plan you edited", hint="send its version")
    expected = whole(expected_version, "version")
    try:
        with care.uow() as uow:
            plan = uow.repo.get(CarePlan, plan_id, "care plan")
            nb = plan.neighbourhood
            uow.authorise_write(
                principal, plan.patient_id, nb, nb, "care_plan_update", f"care_plan:{plan_id}"
            )
            content = d.PlanContent.parse(what_matters, goals, actions, review_date, shared_with_patient)
            plan.revise(expected, content, by(principal), care.clock())
            uow.repo.flush()  # UPDATE ... WHERE version = expected: another writer makes this fail
            return _saved(care, uow, principal, plan)
    except (StaleDataError, IntegrityError):
        raise d.StaleVersion(
            f"care plan {plan_id}", expected, care.current_version(CarePlan, plan_id)
        ) from None


def _readable_plan(
    uow: CareUnitOfWork, principal: Principal | None, plan_id: int, action: str, resource: str
) -> CarePlan:
    plan = uow.repo.get(CarePlan, plan_id, "care plan")
    uow.authorise_read(principal, plan.patient_id, plan.neighbourhood, action, resource)
    return plan


def care_plan(care: Care, principal: Principal | None, plan_id: int) -> PlanView:
    with care.uow() as uow:
        view = plan_view(_readable_plan(uow, principal, plan_id, "care_plan_view", f"care_plan:{plan_id}"))
    return labelled(care.directory, view)


def plan_versions(care: Care, principal: Principal | None, plan_id: int) -> list[PlanVersionView]:
    with care.uow() as uow:
        _readable_plan(uow, principal, plan_id, "care_plan_history", f"care_plan:{plan_id}")
        return [plan_version_view(v) for v in uow.repo.plan_versions(plan_id)]


def plan_version(care: Care, principal: Principal | None, plan_id: int, version: int) -> PlanVersionView:
    with care.uow() as uow:
        _readable_plan(uow, principal, plan_id, "care_plan_history", f"care_plan:{plan_id}:v{version}")
        v = uow.repo.plan_version(plan_id, version)
        if v is None:
            raise d.NotFoundError(f"care plan {plan_id} has no version {version}")
        return plan_version_view(v)


def shared_plan(care: Care, token: str) -> PlanView:
    """The patient-facing read of a plan shared with the patient (by its secret link)."""
    if not token or len(token) > 64:
        raise d.NotFoundError("this care plan link is not valid")
    with care.uow() as uow:
        plan = uow.repo.shared_plan(token)
        if plan is None:
            raise d.NotFoundError("this care plan link is not valid or is no longer shared")
        uow.audit(
            None,
            "care_plan_patient_view",
            patient_id=plan.patient_id,
            resource=f"care_plan:{plan.id}",
            username="patient-link",
        )
        return plan_view(plan)


def plan_for_episode(care: Care, principal: Principal | None, episode_id: int) -> PlanView | None:
    with care.uow() as uow:
        plan_id = uow.repo.current_plan_id(episode_id)
    return care_plan(care, principal, plan_id) if plan_id else None
