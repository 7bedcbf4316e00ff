"""Use cases of the visiting service's coordinator: add a home-visit request for a day (stored), see
the day's plan, and re-plan when requests arrive.

Contract
--------
* A day is the synthetic day for its date (:func:`nhc.access.services.visits.synthetic_day`, shaped
  by :class:`DayShape`) plus the requests stored for that date plus, when a ``ward`` is given, one
  visit to each person on the care virtual ward in the service's neighbourhoods
  (:func:`~nhc.access.domain.visit_requests.ward_visit`, at their neighbourhood's centre moved up to
  400 m and marked approximate, source ``virtual ward``). ``ward(neighbourhoods)`` is read at each
  plan (the composition root reads it through the care service, never its tables); a stay admitted
  since the last plan joins a re-plan as a new request.
* :meth:`Visiting.add` needs a signed-in ``principal`` with a legitimate relationship with the
  person (the one decision, through :meth:`~nhc.access.unit_of_work.AccessUnitOfWork.authorise`);
  the decision, the new row and its audit line are one transaction. The location is the centre of
  the person's neighbourhood moved up to 400 m and marked approximate (no addresses here).
* :meth:`Visiting.requests` lists a day's stored requests, each with whether ``principal`` may see
  who it is for: one decision per person, each audited, in one transaction (a refusal hides the
  person, it does not hide the request from the plan).
* :meth:`Visiting.board` is the last plan made for the day (made on first sight). A plan is kept in
  this process, not in the database: it is cheap to make again and depends only on the day.
  :meth:`Visiting.replan` makes a new plan from minute ``at``: stops that started by then are kept
  (:func:`nhc.access.routing.replan.replan`); requests added since the last plan are included.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from nhc.access.domain.errors import BadField
from nhc.access.domain.visit_requests import StoredVisit, WardStay, new_visit, ward_visit
from nhc.access.domain.visits import Clinician, DayPlan, Place, Priority, Skill, VisitRequest
from nhc.access.routing import solver
from nhc.access.routing.replan import replan
from nhc.access.routing.synth import jitter
from nhc.access.routing.travel import TravelSettings
from nhc.access.services.base import Access
from nhc.access.services.visits import DayRequest, synthetic_day
from nhc.reference import geography
from nhc.security.roles import Principal


@dataclass(frozen=True)
class DayShape:
    """How big the synthetic part of each day is, and how long the optimiser may take."""

    visits: int = 150
    clinicians: int = 12
    locality: str = "Oxford City"
    seconds: float = 3.0
    travel: TravelSettings = field(default_factory=TravelSettings)

    def request(self, day: dt.date) -> DayRequest:
        return DayRequest(day, self.visits, self.clinicians, self.locality, self.seconds, self.travel)


@dataclass(frozen=True)
class Board:
    """A day's plan as the coordinator sees it."""

    day: dt.date
    visits: list[VisitRequest]
    clinicians: list[Clinician]
    plan: DayPlan
    planned_at: dt.datetime
    included: frozenset[str]  # ids of the stored requests (and virtual ward visits) the plan knows
    replanned_from: int | None = None
    kept: int = 0


@dataclass(frozen=True)
class RequestForm:
    """What the coordinator typed (already parsed into types; :func:`new_visit` checks the rules)."""

    visit_date: dt.date
    patient_id: int
    neighbourhood: str
    window_start: int
    window_end: int
    duration: int
    skill: Skill
    priority: Priority
    reason: str


@cache
def centres(locality: str) -> dict[str, tuple[float, float]]:
    """Population-weighted centre of each neighbourhood of ``locality`` (shipped geography)."""
    sums: dict[str, list[float]] = {}
    for a in geography.small_areas().to_pylist():
        if a["locality"] == locality:
            s = sums.setdefault(a["neighbourhood"], [0.0, 0.0, 0.0])
            s[0] += a["latitude"] * a["population"]
            s[1] += a["longitude"] * a["population"]
            s[2] += a["population"]
    return {nb: (la / p, lo / p) for nb, (la, lo, p) in sorted(sums.items()) if p}


class Visiting:
    """The coordinator's use cases over the access database and an in-process plan per day."""

    def __init__(
        self,
        access: Access,
        shape: DayShape | None = None,
        ward: Callable[[Sequence[str]], list[WardStay]] | None = None,
    ) -> None:
        self.access = access
        self.shape = shape or DayShape()
        self.ward = ward
        self._boards: dict[dt.date, Board] = {}
        self._lock = threading.Lock()

    def neighbourhoods(self) -> list[str]:
        return list(centres(self.shape.locality))

    def add(self, form: RequestForm, principal: Principal) -> StoredVisit:
        """Store a request for ``form.patient_id`` (authorised and audited with the row)."""
        centre = centres(self.shape.locality).get(form.neighbourhood)
        if centre is None:
            raise BadField("neighbourhood", "is not served by this visiting service", self.neighbourhoods())
        rng = random.Random(f"{form.visit_date}:{form.patient_id}:{form.window_start}")
        visit = new_visit(
            **{k: getattr(form, k) for k in RequestForm.__dataclass_fields__},
            place=jitter(Place(*centre), rng),
            created_by=principal.username,
        )
        registered = self.access.neighbourhood_of(form.patient_id) if self.access.neighbourhood_of else None
        with self.access.uow() as uow:
            resource = f"visit-day:{form.visit_date.isoformat()}"
            uow.authorise(
                principal, form.patient_id, registered or form.neighbourhood, "visit_request", resource
            )
            stored = uow.repo.add_visit_request(
                visit if visit.created else _stamped(visit, self.access.now())
            )
            uow.audit(principal, "visit_request", patient_id=form.patient_id, resource=f"visit:{stored.id}")
        return stored

    def requests(self, day: dt.date, principal: Principal) -> list[tuple[StoredVisit, bool]]:
        """The day's stored requests and, for each, whether ``principal`` may see who it is for."""
        out = []
        with self.access.uow() as uow:
            for visit in uow.repo.visit_requests(day):
                registered = (
                    self.access.neighbourhood_of(visit.patient_id) if self.access.neighbourhood_of else None
                )
                allowed = uow.allowed(
                    principal,
                    visit.patient_id,
                    registered or visit.neighbourhood,
                    "visit_view",
                    f"visit:{visit.id}",
                )
                out.append((visit, allowed))
        return out

    def ward_visits(self, day: dt.date) -> list[VisitRequest]:
        """The day's visit to each person on the virtual ward in the service's neighbourhoods."""
        if self.ward is None:
            return []
        found = centres(self.shape.locality)
        out = []
        for stay in sorted(self.ward(list(found)), key=lambda s: s.episode_id):
            centre = found.get(stay.neighbourhood)
            if centre is not None:
                rng = random.Random(f"{day}:ward:{stay.episode_id}")
                out.append(ward_visit(stay, jitter(Place(*centre), rng)))
        return out

    def board(self, day: dt.date) -> Board:
        """The last plan made for ``day``; the first look makes one."""
        with self._lock:
            found = self._boards.get(day)
        return found if found is not None else self.replan(day, None)

    def replan(self, day: dt.date, at: int | None) -> Board:
        """Plan ``day`` again with every stored request; from minute ``at`` (stops started by then
        are kept) or, with ``at`` None or no earlier plan, from the start of the day."""
        request = self.shape.request(day)
        visits, clinicians = synthetic_day(request)
        with self.access.uow() as uow:
            stored = [v.as_visit_request() for v in uow.repo.visit_requests(day)]
        stored += self.ward_visits(day)
        with self._lock:
            previous = self._boards.get(day)
        if previous is None or at is None:
            plan = solver.plan(
                [*visits, *stored], clinicians, request.travel, seconds=request.seconds, seed=1
            )
            kept = 0
        else:
            new = [v for v in stored if v.id not in previous.included]
            plan = replan(
                previous.plan,
                previous.visits,
                clinicians,
                new,
                at=at,
                settings=request.travel,
                seconds=request.seconds,
            )
            kept = sum(1 for r in previous.plan.routes for s in r.stops if s.start <= at)
        board = Board(
            day,
            [*visits, *stored],
            clinicians,
            plan,
            self.access.now(),
            frozenset(v.id for v in stored),
            at,
            kept,
        )
        with self._lock:
            self._boards[day] = board
        return board


def _stamped(visit: StoredVisit, now: dt.datetime) -> StoredVisit:
    return StoredVisit(**{**vars(visit), "created": now})
