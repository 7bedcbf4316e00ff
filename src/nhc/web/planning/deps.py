"""Where the planning pages get their service from, and the care side's staff in post.

The planning area never imports the care area (they are sibling areas); this web edge reads the care
record's teams through :class:`~nhc.care.services.CareService` (read-only, the system's own read: only
roles and working patterns leave it, summed by role) and hands them to the planning service as
:class:`~nhc.planning.staff.StaffInPost`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import FastAPI, Request

from nhc.care.services import CareService
from nhc.planning.service import PlanningService
from nhc.planning.staff import StaffInPost, from_team

_made = threading.Lock()
SOURCE = "care record (neighbourhood teams)"


def care_staff(care: CareService | None) -> Callable[[], StaffInPost | None]:
    """Staff in post by planning role from the care record's teams; ``None`` when it has none (or
    there is no care record), so the scenario file's figures are used."""

    def read() -> StaffInPost | None:
        if care is None:
            return None
        members = [(s.role, s.working_pattern) for s in care.list_staff()]
        return from_team(members, care.clock(), SOURCE)

    return read


def make_service(app: FastAPI) -> PlanningService:
    """The planning service over the app's settings and the care record's staff."""
    return PlanningService(app.state.settings, staff=care_staff(getattr(app.state, "care", None)))


def planning_service(request: Request) -> PlanningService:
    """``app.state.planning``, made once on first use."""
    state = request.app.state
    with _made:
        if getattr(state, "planning", None) is None:
            state.planning = make_service(request.app)
        return state.planning
