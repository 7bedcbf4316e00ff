"""Use cases: play a stream of appointment requests against the hubs' slots (booking, cancelling,
attending or not), and report utilisation, DNA rate, time to third next available and the weekly
SPC chart.

:func:`simulate` books each request, at its own time, into the earliest free slot of its role at its
hub (through :func:`nhc.access.services.booking.book`, the same use case a navigator calls);
requests that find no slot are counted as unmet. A request whose fate is to cancel cancels halfway
between booking and the slot; at ``until``, every started appointment is marked fulfilled or
no-show by its fate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from nhc.access.domain import AccessAreaError, SlotStatus
from nhc.access.domain.demand import AppointmentRequest, Fate
from nhc.access.domain.utilisation import (
    dna_rate,
    third_next_available,
    utilisation,
    utilisation_by_practice,
    weekly_spc,
)
from nhc.access.services import booking
from nhc.access.services.base import Access
from nhc.access.services.booking import BookingRequest, SlotQuery
from nhc.access.unit_of_work import AccessUnitOfWork
from nhc.db import Database
from nhc.reference import geography


def mean_deciles() -> dict[str, float]:
    """Population-weighted mean IMD decile of each neighbourhood (shipped geography)."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for area in geography.small_areas().to_pylist():
        t = totals[area["neighbourhood"]]
        t[0] += area["imd_decile"] * area["population"]
        t[1] += area["population"]
    return {nb: s / p for nb, (s, p) in totals.items() if p}


def simulate(db: Database, stream: Sequence[AppointmentRequest], *, until: dt.datetime) -> dict[str, int]:
    """Book, cancel and attend ``stream`` in time order; returns counts by outcome."""
    counts = {"requests": len(stream), "booked": 0, "unmet": 0, "cancelled": 0}
    fates: dict[str, Fate] = {}
    cancels: list[tuple[dt.datetime, str]] = []
    for request in stream:
        _cancel_due(db, cancels, request.at, counts)
        access = Access(db, clock=lambda at=request.at: at)
        query = SlotQuery(service_type=request.role, hub_id=request.hub_id, start_from=request.at, limit=1)
        found = booking.search(access, query)
        if not found or found[0][0].start >= until:
            counts["unmet"] += 1
            continue
        slot = found[0][0]
        try:
            appointment = booking.book(
                access,
                BookingRequest(slot.id, request.patient_id, request.practice_code, request.practice_code),
            )
        except AccessAreaError:
            counts["unmet"] += 1
            continue
        counts["booked"] += 1
        fates[appointment.id] = request.fate
        if request.fate is Fate.CANCELS:
            cancels.append((request.at + (slot.start - request.at) / 2, appointment.id))
    _cancel_due(db, cancels, until, counts)
    _attend(db, fates, until)
    return counts


def _cancel_due(db: Database, cancels: list, now: dt.datetime, counts: dict[str, int]) -> None:
    cancels.sort()
    while cancels and cancels[0][0] <= now:
        when, appointment_id = cancels.pop(0)
        booking.cancel(Access(db, clock=lambda at=when: at), appointment_id, reason="patient cancelled")
        counts["cancelled"] += 1


def _attend(db: Database, fates: dict[str, Fate], until: dt.datetime) -> None:
    with AccessUnitOfWork(db) as uow:
        for appointment, slot in uow.repo.appointments_between(dt.datetime.min, until):
            fate = fates.get(appointment.id)
            if fate is None or appointment.status.value != "booked":
                continue
            if fate is Fate.DOES_NOT_ATTEND:
                appointment.no_show(slot, now=until)
            else:
                appointment.arrive()
                appointment.fulfil()
            uow.repo.save_appointment(appointment)


def report(db: Database, start: dt.datetime, end: dt.datetime, *, now: dt.datetime) -> dict[str, Any]:
    """Utilisation by hub, role, channel, weekday, hour and practice; DNA rate; third next
    available; the weekly utilisation series with its SPC chart."""
    with AccessUnitOfWork(db) as uow:
        records = uow.repo.slot_records(start, end)
        hubs = uow.repo.hubs()
    sizes = {r["practice_code"]: r["list_size"] for r in geography.practices().to_pylist()}
    weeks, chart = weekly_spc(records) if records else ([], None)
    return {
        "slots": len(records),
        "blocked": sum(1 for r in records if r.status is SlotStatus.BUSY_UNAVAILABLE),
        **{f"by_{k}": utilisation(records, k) for k in ("hub", "role", "channel", "weekday", "hour")},
        "by_practice": utilisation_by_practice(
            records,
            {p: sizes.get(p, 1) for h in hubs for p in h.practices},
            {h.id: h.practices for h in hubs},
        ),
        "dna_rate": dna_rate(records, now),
        "third_next_available_days": {
            f"{hub}/{role}": days for (hub, role), days in third_next_available(records, now).items()
        },
        "weekly": [
            {"week": w.isoformat(), "utilisation": p.value, "spc": p.type.value}
            for w, p in zip(weeks, chart.points if chart else [], strict=True)
        ],
    }
