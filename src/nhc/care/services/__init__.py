"""The care use cases, one module per family over a unit of work (:mod:`nhc.care.unit_of_work`):
:mod:`.staff` (staff, absences), :mod:`.caseload` (admission, the caseload, status changes,
discharge, events), :mod:`.allocation` (propose, accept, override, re-balance), :mod:`.mdt`
(agenda, decisions), :mod:`.plans` (care plans), :mod:`.tasks` (tasks, referrals, the board);
:mod:`.views` holds what they return, and :class:`CareService` (:mod:`.facade`) gathers them for
the web, the CLI and the tests."""

from nhc.care.services.facade import CareService
from nhc.care.services.views import (
    AbsenceView,
    AgendaItemView,
    AssignmentView,
    EpisodeDetail,
    EpisodeView,
    EventView,
    MeetingView,
    PlanVersionView,
    PlanView,
    ProposalItem,
    ProposalView,
    StaffView,
    TaskView,
    TeamAccess,
)

__all__ = [
    "AbsenceView",
    "AgendaItemView",
    "AssignmentView",
    "CareService",
    "EpisodeDetail",
    "EpisodeView",
    "EventView",
    "MeetingView",
    "PlanVersionView",
    "PlanView",
    "ProposalItem",
    "ProposalView",
    "StaffView",
    "TaskView",
    "TeamAccess",
]
