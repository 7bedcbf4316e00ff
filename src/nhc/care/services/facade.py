""":class:`CareService`: one object for the web, the CLI and the tests, whose methods are the use
cases of this package (each a function of :class:`~nhc.care.services.base.Care` and its arguments)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from nhc.care.directory import PatientDirectory, StaticDirectory
from nhc.care.services import allocation as _allocation
from nhc.care.services import caseload as _caseload
from nhc.care.services import lake_export as _lake_export
from nhc.care.services import mdt as _mdt
from nhc.care.services import plans as _plans
from nhc.care.services import staff as _staff
from nhc.care.services import tasks as _tasks
from nhc.care.services.base import Care, check_neighbourhood
from nhc.db import Database
from nhc.security.service import SecurityService

P = ParamSpec("P")
R = TypeVar("R")


def _use_case(fn: Callable[Concatenate[Care, P], R]) -> Callable[Concatenate[CareService, P], R]:
    """A method that calls the use case ``fn`` with the service's dependencies."""

    @functools.wraps(fn)
    def method(self: CareService, *args: P.args, **kwargs: P.kwargs) -> R:
        return fn(self.care, *args, **kwargs)

    return method


class CareService:
    """What the integrated neighbourhood team does, one transaction per call.

    Every read or change of a person's data is authorised (role plus a legitimate relationship:
    neighbourhood, caseload or break-glass; team membership and the team-lead flag for team
    decisions) and audited in the same transaction as the change (:mod:`nhc.care.unit_of_work`).
    ``principal=None`` means the system (the CLI): no permission check, audited as ``system``.
    The service knows nothing about HTTP: it takes plain values and returns frozen views.
    """

    def __init__(
        self,
        db: Database,
        security: SecurityService,
        directory: PatientDirectory | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        time_limit: float = 10.0,
    ) -> None:
        self.db = db
        self.security = security
        self.directory: PatientDirectory = directory if directory is not None else StaticDirectory()
        self.clock = clock or security.clock
        self.time_limit = time_limit
        self.care = Care(db, security, self.directory, self.clock, time_limit)

    def today(self) -> dt.date:
        return self.clock().date()

    @staticmethod
    def locality_of(neighbourhood: str) -> str:
        """The locality of a known neighbourhood (:class:`~nhc.care.domain.NotFoundError` if unknown)."""
        return check_neighbourhood(neighbourhood)[1]

    # staff
    add_staff = _use_case(_staff.add_staff)
    list_staff = _use_case(_staff.list_staff)
    get_staff = _use_case(_staff.get_staff)
    add_absence = _use_case(_staff.add_absence)
    update_staff = _use_case(_staff.update_staff)
    absences = _use_case(_staff.absences)
    team_access = _use_case(_staff.team_access)
    # caseload
    worklist_candidates = _use_case(_caseload.worklist_candidates)
    admission_choice = _use_case(_caseload.admission_choice)
    admit = _use_case(_caseload.admit)
    caseload = _use_case(_caseload.caseload)
    on_caseload = _use_case(_caseload.on_caseload)
    open_episode = _use_case(_caseload.open_episode)
    episode = _use_case(_caseload.episode)
    change_status = _use_case(_caseload.change_status)
    set_review = _use_case(_caseload.set_review)
    record_event = _use_case(_caseload.record_event)
    # allocation
    propose_allocation = _use_case(_allocation.propose_allocation)
    proposal = _use_case(_allocation.proposal)
    latest_proposal = _use_case(_allocation.latest_proposal)
    accept_allocation = _use_case(_allocation.accept_allocation)
    loads_after = _use_case(_allocation.loads_after)
    override_assignment = _use_case(_allocation.override_assignment)
    # MDT
    create_meeting = _use_case(_mdt.create_meeting)
    meetings = _use_case(_mdt.meetings)
    meeting = _use_case(_mdt.meeting)
    record_decision = _use_case(_mdt.record_decision)
    # care plans
    create_care_plan = _use_case(_plans.create_care_plan)
    update_care_plan = _use_case(_plans.update_care_plan)
    care_plan = _use_case(_plans.care_plan)
    plan_versions = _use_case(_plans.plan_versions)
    plan_version = _use_case(_plans.plan_version)
    shared_plan = _use_case(_plans.shared_plan)
    plan_for_episode = _use_case(_plans.plan_for_episode)
    # tasks and referrals
    create_task = _use_case(_tasks.create_task)
    update_task = _use_case(_tasks.update_task)
    board = _use_case(_tasks.board)
    # care -> lake
    export_records = _use_case(_lake_export.care_records)
