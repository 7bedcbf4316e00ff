"""Access hubs and their 7-day timetables: which sessions a hub runs, who staffs them, and the slots.

Contract
--------
* One :class:`Hub` per neighbourhood, hosted at one of its practices; any patient registered with a
  practice of the hub's neighbourhood can be booked (:meth:`Hub.check_eligible`, else
  :class:`NotEligible`).
* :data:`SCHEME` is the weekly session pattern of the 7-day access scheme: weekday evenings
  18:30-20:00 and Saturdays 09:00-17:00, the Network Contract DES enhanced access hours (NHS England,
  "Network Contract DES: enhanced access", 2022), plus Sunday mornings 10:00-13:00 (the county's
  seven-day offer).
* Capacity follows the same DES: at least 60 minutes of appointments per 1,000 registered patients
  per week (:data:`MINUTES_PER_1000`), split between the roles by :data:`ROLE_MIX` and rounded up
  to whole sessions (:func:`staffing`).
* :func:`timetable` is pure and deterministic: the same hubs and dates give the same schedules and
  slots, with readable ids (``<schedule>-<YYYYMMDDHHMM>``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from nhc.access.domain.appointments import ActorKind, Channel, Schedule, ServiceType, Slot
from nhc.access.domain.errors import NotEligible

#: Weekly sessions (weekday: Monday 0, opens, closes) of the 7-day access scheme.
SCHEME: tuple[tuple[int, dt.time, dt.time], ...] = (
    *((d, dt.time(18, 30), dt.time(20, 0)) for d in range(5)),
    (5, dt.time(9, 0), dt.time(17, 0)),
    (6, dt.time(10, 0), dt.time(13, 0)),
)
MINUTES_PER_1000 = 60
#: Share of a hub's weekly minutes by role, and each role's appointment length in minutes.
ROLE_MIX: dict[ServiceType, float] = {
    ServiceType.GP: 0.5,
    ServiceType.PRACTICE_NURSE: 0.2,
    ServiceType.PHYSIOTHERAPIST: 0.1,
    ServiceType.CLINICAL_PHARMACIST: 0.1,
    ServiceType.MENTAL_HEALTH_PRACTITIONER: 0.1,
}
SLOT_MINUTES: dict[ServiceType, int] = {
    ServiceType.GP: 15,
    ServiceType.PRACTICE_NURSE: 15,
    ServiceType.PHYSIOTHERAPIST: 20,
    ServiceType.CLINICAL_PHARMACIST: 20,
    ServiceType.MENTAL_HEALTH_PRACTITIONER: 30,
}
#: Every tenth slot by video, three in ten by telephone, the rest in person (a repeating pattern).
CHANNEL_PATTERN: tuple[Channel, ...] = (
    Channel.IN_PERSON,
    Channel.TELEPHONE,
    Channel.IN_PERSON,
    Channel.IN_PERSON,
    Channel.TELEPHONE,
    Channel.IN_PERSON,
    Channel.VIDEO,
    Channel.IN_PERSON,
    Channel.TELEPHONE,
    Channel.IN_PERSON,
)


@dataclass(frozen=True)
class Hub:
    """An extended-hours hub serving one neighbourhood's practices."""

    id: str
    name: str
    neighbourhood: str
    locality: str
    host_practice: str
    practices: tuple[str, ...]
    list_size: int
    latitude: float
    longitude: float

    def check_eligible(self, practice_code: str) -> None:
        """Raise :class:`NotEligible` unless ``practice_code`` is one of the hub's practices."""
        if practice_code not in self.practices:
            raise NotEligible(
                f"practice {practice_code} is not in {self.neighbourhood}; {self.name} books patients of "
                f"{', '.join(self.practices)}",
                hint="book at the hub of the patient's own neighbourhood",
            )

    @property
    def weekly_minutes(self) -> int:
        return math.ceil(self.list_size * MINUTES_PER_1000 / 1000)


def hub_id(neighbourhood: str) -> str:
    """A readable, stable id: ``hub-`` and the neighbourhood's name in kebab case."""
    return "hub-" + "-".join("".join(c for c in neighbourhood.lower() if c.isalnum() or c == " ").split())


def hubs_from_practices(rows: Iterable[dict]) -> list[Hub]:
    """One hub per neighbourhood from practice rows (``practice_code, neighbourhood, locality,
    list_size, latitude, longitude``); hosted at the neighbourhood's largest practice."""
    by_nb: dict[str, list[dict]] = {}
    for row in rows:
        by_nb.setdefault(row["neighbourhood"], []).append(row)
    hubs = []
    for nb, members in by_nb.items():
        host = max(members, key=lambda r: (r["list_size"], r["practice_code"]))
        hubs.append(
            Hub(
                id=hub_id(nb),
                name=f"{nb} access hub",
                neighbourhood=nb,
                locality=host["locality"],
                host_practice=host["practice_code"],
                practices=tuple(sorted(r["practice_code"] for r in members)),
                list_size=sum(r["list_size"] for r in members),
                latitude=host["latitude"],
                longitude=host["longitude"],
            )
        )
    return sorted(hubs, key=lambda h: h.id)


#: The order sessions are handed out in (indices into :data:`SCHEME`: Saturday, then Monday to
#: Friday evenings, then Sunday). Each role starts ``ROLE_OFFSET`` further along, so the roles
#: spread over the whole week instead of all crowding onto the first days.
SESSION_ORDER = (5, 0, 1, 2, 3, 4, 6)
ROLE_OFFSET = 2


@dataclass(frozen=True)
class Rota:
    """A schedule and the sessions of :data:`SCHEME` (indices) its clinician works each week."""

    schedule: Schedule
    sessions: tuple[int, ...]


def _minutes(session: int) -> int:
    _, opens, closes = SCHEME[session]
    return (dt.datetime.combine(dt.date.min, closes) - dt.datetime.combine(dt.date.min, opens)).seconds // 60


def staffing(hub: Hub) -> list[Rota]:
    """The hub's clinicians and their sessions: each role's share of :attr:`Hub.weekly_minutes`,
    rounded up to whole sessions, handed out session by session in :data:`SESSION_ORDER`
    (a second clinician of the role once the first works every session)."""
    rotas = []
    for k, (role, share) in enumerate(ROLE_MIX.items()):
        remaining = math.ceil(hub.weekly_minutes * share)
        order = [SESSION_ORDER[(i + k * ROLE_OFFSET) % len(SESSION_ORDER)] for i in range(len(SESSION_ORDER))]
        n = 0
        while remaining > 0:
            n += 1
            sessions = []
            for session in order:
                if remaining <= 0:
                    break
                sessions.append(session)
                remaining -= _minutes(session)
            sid = f"{hub.id}-{role.value}-{n}"
            schedule = Schedule(
                id=sid,
                hub_id=hub.id,
                actor_kind=ActorKind.PRACTITIONER,
                actor_id=sid,
                actor_name=f"{role.label} {n}, {hub.name}",
                service_type=role,
            )
            rotas.append(Rota(schedule, tuple(sorted(sessions))))
    return rotas


def timetable(rotas: Sequence[Rota], first: dt.date, days: int) -> list[Slot]:
    """The slots of ``rotas`` on their sessions from ``first`` for ``days`` days."""
    slots = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        for rota in rotas:
            for session in rota.sessions:
                weekday, opens, closes = SCHEME[session]
                if weekday == day.weekday():
                    slots.extend(_session_slots(rota.schedule, day, opens, closes))
    return slots


def _session_slots(schedule: Schedule, day: dt.date, opens: dt.time, closes: dt.time) -> list[Slot]:
    length = dt.timedelta(minutes=SLOT_MINUTES[schedule.service_type])
    start, end = dt.datetime.combine(day, opens), dt.datetime.combine(day, closes)
    out, n = [], 0
    while start + length <= end:
        out.append(
            Slot(
                id=f"{schedule.id}-{start:%Y%m%d%H%M}",
                schedule_id=schedule.id,
                start=start,
                end=start + length,
                service_type=schedule.service_type,
                channel=CHANNEL_PATTERN[n % len(CHANNEL_PATTERN)],
            )
        )
        start, n = start + length, n + 1
    return out


class Session(StrEnum):
    """When in the week a slot falls: the two parts of the 7-day access scheme, or neither."""

    EVENING = "evening"
    WEEKEND = "weekend"
    DAYTIME = "daytime"


#: A weekday slot starting at or after this time is an evening slot.
EVENING_FROM = dt.time(17, 0)


def session_of(start: dt.datetime) -> Session:
    """``weekend`` on Saturday and Sunday, ``evening`` from 17:00 on a weekday, else ``daytime``."""
    if start.weekday() >= 5:
        return Session.WEEKEND
    return Session.EVENING if start.time() >= EVENING_FROM else Session.DAYTIME
