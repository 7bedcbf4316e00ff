"""Home visits of the primary care visiting service (PCVS): requests, clinicians and a day's plan.

Contract
--------
* Times are whole minutes after midnight of the plan's day (``9 * 60`` is 09:00); :func:`hhmm`
  formats them.
* A :class:`VisitRequest` needs one :class:`Skill` and has a :class:`Priority`: ``urgent`` and
  ``high`` visits must be planned (the planner reports them unplanned, with the reason, only when no
  clinician can reach them); ``routine`` ones are planned when they are worth their travel.
  Its location is a small-area centroid moved by a small random offset, so ``approximate`` is True.
* A :class:`Clinician` starts at one base and ends at another, works ``shift_start``-``shift_end``
  and, when ``break_minutes`` > 0, takes the break at the end base (handover and lunch) starting
  between ``break_earliest`` and ``break_latest``.
* A :class:`DayPlan` holds a :class:`Route` per clinician (its :class:`Stop`\\ s, each with a
  reason) and the unplanned visits with their reasons; :meth:`DayPlan.summary` gives the measures
  the benchmark compares (travel minutes and kilometres, lateness, visits planned and missed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from nhc.access.domain.errors import BadField


class Skill(StrEnum):
    GP = "gp"
    ANP = "anp"  # advanced nurse practitioner
    PARAMEDIC = "paramedic"
    COMMUNITY_NURSE = "community-nurse"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"

    @property
    def required(self) -> bool:
        return self is not Priority.ROUTINE


def hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass(frozen=True)
class Place:
    """A point on the map (WGS84 degrees); ``approximate`` when deliberately blurred."""

    latitude: float
    longitude: float
    approximate: bool = False


@dataclass(frozen=True)
class VisitRequest:
    """One home visit to plan."""

    id: str
    place: Place
    window_start: int
    window_end: int
    duration: int
    skill: Skill
    priority: Priority
    small_area: str = ""
    source: str = "new request"  # virtual ward | housebound | frail | new request

    def __post_init__(self) -> None:
        if not 0 <= self.window_start <= self.window_end <= 24 * 60:
            raise BadField("window", f"visit {self.id}: the window must be within the day", "start <= end")
        if self.duration <= 0:
            raise BadField("duration", f"visit {self.id}: the duration must be positive", "minutes > 0")


@dataclass(frozen=True)
class Clinician:
    """One member of the visiting service on the day."""

    id: str
    name: str
    skills: frozenset[Skill]
    start_base: Place
    end_base: Place
    shift_start: int
    shift_end: int
    break_minutes: int = 30
    break_earliest: int = 12 * 60
    break_latest: int = 14 * 60

    def can_do(self, visit: VisitRequest) -> bool:
        return visit.skill in self.skills


@dataclass(frozen=True)
class Stop:
    """A visit (or the break, ``visit_id`` None) in a route: arrival, start and end of service."""

    visit_id: str | None
    arrive: int
    start: int
    end: int
    travel_minutes: float
    lateness: int = 0
    reason: str = ""

    @property
    def is_break(self) -> bool:
        return self.visit_id is None


@dataclass
class Route:
    clinician_id: str
    stops: list[Stop] = field(default_factory=list)
    travel_minutes: float = 0.0
    travel_km: float = 0.0
    end: int = 0

    @property
    def visits(self) -> list[Stop]:
        return [s for s in self.stops if not s.is_break]


@dataclass
class DayPlan:
    method: str
    routes: list[Route]
    unplanned: dict[str, str]  # visit id -> reason
    seconds: float = 0.0

    def route_of(self, clinician_id: str) -> Route:
        return next(r for r in self.routes if r.clinician_id == clinician_id)

    def assignment(self) -> dict[str, str]:
        """Visit id -> clinician id."""
        return {s.visit_id: r.clinician_id for r in self.routes for s in r.visits if s.visit_id}

    def summary(self, visits: list[VisitRequest]) -> dict[str, Any]:
        by_id = {v.id: v for v in visits}
        missed = [by_id[v] for v in self.unplanned if v in by_id]
        return {
            "method": self.method,
            "visits": len(visits),
            "planned": sum(len(r.visits) for r in self.routes),
            "missed": len(missed),
            "missed_required": sum(1 for v in missed if v.priority.required),
            "travel_minutes": round(sum(r.travel_minutes for r in self.routes), 1),
            "travel_km": round(sum(r.travel_km for r in self.routes), 1),
            "lateness_minutes": sum(s.lateness for r in self.routes for s in r.stops),
            "seconds": round(self.seconds, 2),
        }

    def as_dict(self, visits: list[VisitRequest]) -> dict[str, Any]:
        """The ``nhc visits plan --json`` document."""
        return {
            "summary": self.summary(visits),
            "routes": [
                {
                    "clinician": r.clinician_id,
                    "travel_minutes": round(r.travel_minutes, 1),
                    "travel_km": round(r.travel_km, 1),
                    "stops": [
                        {
                            "visit": s.visit_id,
                            "kind": "break" if s.is_break else "visit",
                            "arrive": hhmm(s.arrive),
                            "start": hhmm(s.start),
                            "end": hhmm(s.end),
                            "lateness_minutes": s.lateness,
                            "reason": s.reason,
                        }
                        for s in r.stops
                    ],
                }
                for r in self.routes
            ],
            "unplanned": [{"visit": v, "reason": why} for v, why in sorted(self.unplanned.items())],
        }
