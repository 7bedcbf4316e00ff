"""Home-visit requests the visiting service's coordinator adds for a day (stored, unlike the
synthetic day they join).

Contract
--------
* :func:`new_visit` checks a coordinator's request and returns a :class:`StoredVisit` without an id;
  a bad value raises :class:`~nhc.access.domain.errors.BadField` naming the form field. Windows lie
  within the service's day (:data:`DAY_START`-:data:`DAY_END`), start before they end and are at
  least as long as the visit; durations are one of :data:`DURATIONS`; a reason is required.
* :meth:`StoredVisit.as_visit_request` is the request the planner sees: id ``R<id>``, source
  ``new request``, its approximate place.
* :func:`ward_visit` is the day's visit to a person on the care virtual ward (:class:`WardStay`, as
  the care service lists them): id ``W<episode id>`` (stable across re-plans, no patient id),
  source ``virtual ward``, the whole service day as its window; a GP when the stay needs medical
  care, an advanced nurse practitioner for an active stay with the highest workload
  (:data:`ANP_POINTS`), else a community nurse; high priority while active, routine once stepped
  down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nhc.access.domain.errors import BadField
from nhc.access.domain.visits import Place, Priority, Skill, VisitRequest, hhmm

DAY_START, DAY_END = 8 * 60, 18 * 60
DURATIONS = (15, 20, 30, 45, 60)
REASON_MAX = 500
SKILL_LABELS = {
    Skill.GP: "GP",
    Skill.ANP: "Advanced nurse practitioner",
    Skill.PARAMEDIC: "Paramedic",
    Skill.COMMUNITY_NURSE: "Community nurse",
}
PRIORITY_LABELS = {
    Priority.URGENT: "Urgent (within 2 hours)",
    Priority.HIGH: "High (today)",
    Priority.ROUTINE: "Routine (today if it fits)",
}


@dataclass(frozen=True)
class StoredVisit:
    """One stored home-visit request."""

    id: int | None
    visit_date: dt.date
    patient_id: int
    neighbourhood: str
    place: Place
    window_start: int
    window_end: int
    duration: int
    skill: Skill
    priority: Priority
    reason: str
    created_by: str
    created: dt.datetime | None = None

    @property
    def visit_id(self) -> str:
        return f"R{self.id}"

    @property
    def window(self) -> str:
        return f"{hhmm(self.window_start)} to {hhmm(self.window_end)}"

    def as_visit_request(self) -> VisitRequest:
        return VisitRequest(
            id=self.visit_id,
            place=self.place,
            window_start=self.window_start,
            window_end=self.window_end,
            duration=self.duration,
            skill=self.skill,
            priority=self.priority,
            source="new request",
        )


#: Workload points (the care record's weekly points) from which an active stay is seen by an ANP.
ANP_POINTS = 3
WARD_DURATION = {Skill.GP: 30, Skill.ANP: 40, Skill.COMMUNITY_NURSE: 30, Skill.PARAMEDIC: 45}
WARD_WINDOW = (DAY_START, 17 * 60)


@dataclass(frozen=True)
class WardStay:
    """One open stay on the care virtual ward: what the visiting service needs to plan a visit."""

    episode_id: int
    neighbourhood: str
    needs: tuple[str, ...]
    points: int
    status: str  # "active" or "stepped_down"


def ward_visit(stay: WardStay, place: Place) -> VisitRequest:
    """The day's home visit for ``stay`` at ``place`` (approximate), per the module's contract."""
    active = stay.status == "active"
    if "medical" in stay.needs:
        skill = Skill.GP
    elif active and stay.points >= ANP_POINTS:
        skill = Skill.ANP
    else:
        skill = Skill.COMMUNITY_NURSE
    return VisitRequest(
        id=f"W{stay.episode_id}",
        place=place,
        window_start=WARD_WINDOW[0],
        window_end=WARD_WINDOW[1],
        duration=WARD_DURATION[skill],
        skill=skill,
        priority=Priority.HIGH if active else Priority.ROUTINE,
        source="virtual ward",
    )


def parse_hhmm(value: str, field: str) -> int:
    """``"09:30"`` as minutes after midnight; :class:`BadField` otherwise."""
    text = (value or "").strip()
    hours, _, minutes = text.partition(":")
    if not (
        hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60
    ):
        raise BadField(field, f"{text[:10]!r} is not a time of day", "a time such as 09:30")
    return int(hours) * 60 + int(minutes)


def new_visit(
    *,
    visit_date: dt.date,
    patient_id: int,
    neighbourhood: str,
    place: Place,
    window_start: int,
    window_end: int,
    duration: int,
    skill: Skill,
    priority: Priority,
    reason: str,
    created_by: str,
) -> StoredVisit:
    """A checked request (no id yet); :class:`BadField` names the first field that is wrong."""
    if not DAY_START <= window_start < DAY_END:
        raise BadField("window_start", "the earliest time must be within the service's day", "08:00 to 17:59")
    if not window_start < window_end <= DAY_END:
        raise BadField("window_end", "the latest time must be after the earliest and by 18:00", "up to 18:00")
    if duration not in DURATIONS:
        raise BadField("duration", f"{duration} minutes is not a visit length", [str(d) for d in DURATIONS])
    if window_end - window_start < duration:
        raise BadField("window_end", "the window is shorter than the visit", f"at least {duration} minutes")
    reason = " ".join(reason.split())
    if not reason:
        raise BadField("reason", "say why the visit is needed", "a short reason")
    if len(reason) > REASON_MAX:
        raise BadField("reason", f"the reason is longer than {REASON_MAX} characters", "a shorter reason")
    return StoredVisit(
        None, visit_date, patient_id, neighbourhood, place, window_start, window_end, duration,
        skill, priority, reason, created_by,
    )  # fmt: skip
