"""Utilisation of hub capacity, did-not-attend rate and time to the third next available appointment.

Contract
--------
All measures are pure functions over :class:`SlotRecord`\\ s (one per slot, with its holding
appointment if any), so the same code serves the dashboard, the CLI and the tests.

* **Utilisation** = booked / (booked + free), where *booked* counts slots holding an appointment
  (booked, arrived, fulfilled or no-show) and *free* counts free slots; blocked, tentative and
  erroneous slots count as neither. Grouped by hub, role, channel, weekday or hour of the slot, or
  by weekday and hour together (:func:`utilisation_grid`, the heatmap).
  By practice, the free slots of a hub are shared among its practices by list size (a free slot
  belongs to no practice), so a practice's utilisation is its bookings over its share of capacity.
* **DNA rate** = no-shows / (no-shows + arrived + fulfilled), over appointments whose slot has started.
* **Time to third next available** (the NHS's "third next available appointment" access measure):
  for each hub and role, the days from ``now`` to the start of the third free future slot; None when
  there are fewer than three.
* Weekly series are charted with :func:`nhc.outcomes.spc.spc` (the one SPC implementation).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from nhc.access.domain.appointments import AppointmentStatus, SlotStatus
from nhc.outcomes.spc import Improvement, SpcChart, SpcOptions, spc

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class SlotRecord:
    slot_id: str
    hub_id: str
    role: str
    channel: str
    start: dt.datetime
    status: SlotStatus
    appointment_status: AppointmentStatus | None = None
    practice_code: str | None = None

    @property
    def booked(self) -> bool:
        return (
            self.appointment_status is not None and self.appointment_status is not AppointmentStatus.CANCELLED
        )

    @property
    def free(self) -> bool:
        return self.status is SlotStatus.FREE and not self.booked


KEYS: dict[str, Callable[[SlotRecord], str]] = {
    "hub": lambda r: r.hub_id,
    "role": lambda r: r.role,
    "channel": lambda r: r.channel,
    "weekday": lambda r: WEEKDAYS[r.start.weekday()],
    "hour": lambda r: f"{r.start.hour:02d}:00",
}


def utilisation(records: Iterable[SlotRecord], by: str) -> dict[str, dict[str, float]]:
    """``{group: {"booked", "free", "utilisation"}}`` grouped by one of :data:`KEYS`."""
    key = KEYS[by]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        if r.booked:
            counts[key(r)][0] += 1
        elif r.free:
            counts[key(r)][1] += 1
    return {g: _ratio(b, f) for g, (b, f) in sorted(counts.items())}


def utilisation_grid(records: Iterable[SlotRecord]) -> dict[tuple[str, str], dict[str, float]]:
    """``{(weekday, hour): {"booked", "free", "utilisation"}}`` for every weekday and hour that had
    capacity (a heatmap's cells; weekdays as in :data:`WEEKDAYS`, hours ``"18:00"``)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        cell = (KEYS["weekday"](r), KEYS["hour"](r))
        if r.booked:
            counts[cell][0] += 1
        elif r.free:
            counts[cell][1] += 1
    order = {d: i for i, d in enumerate(WEEKDAYS)}
    return {
        cell: _ratio(b, f) for cell, (b, f) in sorted(counts.items(), key=lambda c: (order[c[0][0]], c[0][1]))
    }


def utilisation_by_practice(
    records: Iterable[SlotRecord], list_sizes: Mapping[str, int], practices_of: Mapping[str, tuple[str, ...]]
) -> dict[str, dict[str, float]]:
    """Bookings of each practice's patients over (those bookings + its list-size share of free slots)."""
    booked: dict[str, int] = defaultdict(int)
    free_by_hub: dict[str, int] = defaultdict(int)
    for r in records:
        if r.booked and r.practice_code:
            booked[r.practice_code] += 1
        elif r.free:
            free_by_hub[r.hub_id] += 1
    out = {}
    for hub, practices in practices_of.items():
        total = sum(list_sizes[p] for p in practices) or 1
        for p in practices:
            out[p] = _ratio(booked[p], free_by_hub[hub] * list_sizes[p] / total)
    return dict(sorted(out.items()))


def _ratio(booked: float, free: float) -> dict[str, float]:
    total = booked + free
    return {
        "booked": booked,
        "free": round(free, 2),
        "utilisation": round(booked / total, 4) if total else 0.0,
    }


def dna_counts(records: Iterable[SlotRecord], now: dt.datetime) -> tuple[int, int]:
    """(no-shows, appointments attended or not) among appointments whose slot has started."""
    seen = [
        r.appointment_status
        for r in records
        if r.start <= now
        and r.appointment_status
        in (AppointmentStatus.NOSHOW, AppointmentStatus.ARRIVED, AppointmentStatus.FULFILLED)
    ]
    return seen.count(AppointmentStatus.NOSHOW), len(seen)


def dna_rate(records: Iterable[SlotRecord], now: dt.datetime) -> float | None:
    """No-shows over attended-or-not appointments whose slot has started; None if there are none."""
    missed, seen = dna_counts(records, now)
    return round(missed / seen, 4) if seen else None


def third_next_available(
    records: Iterable[SlotRecord], now: dt.datetime
) -> dict[tuple[str, str], float | None]:
    """Days from ``now`` to the third free future slot, per (hub, role)."""
    starts: dict[tuple[str, str], list[dt.datetime]] = defaultdict(list)
    groups: set[tuple[str, str]] = set()
    for r in records:
        groups.add((r.hub_id, r.role))
        if r.free and r.start > now:
            starts[(r.hub_id, r.role)].append(r.start)
    out: dict[tuple[str, str], float | None] = {}
    for g in sorted(groups):
        found = sorted(starts[g])
        out[g] = round((found[2] - now).total_seconds() / 86400, 2) if len(found) >= 3 else None
    return out


def weekly_utilisation(records: Iterable[SlotRecord]) -> list[tuple[dt.date, float]]:
    """(Monday of the week, utilisation) for every week with capacity, in time order."""
    counts: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        monday = r.start.date() - dt.timedelta(days=r.start.weekday())
        if r.booked:
            counts[monday][0] += 1
        elif r.free:
            counts[monday][1] += 1
    return [(w, _ratio(b, f)["utilisation"]) for w, (b, f) in sorted(counts.items()) if b + f]


def weekly_spc(records: Iterable[SlotRecord], scale: float = 1.0) -> tuple[list[dt.date], SpcChart]:
    """The weekly utilisation series and its XmR chart (higher is better: capacity used), each
    week's utilisation times ``scale`` (100: percentages)."""
    series = weekly_utilisation(records)
    values = [round(u * scale, 4) for _, u in series]
    return [w for w, _ in series], spc(values, SpcOptions(improvement=Improvement.INCREASE))
