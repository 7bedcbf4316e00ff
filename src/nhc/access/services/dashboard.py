"""Use case: the hub utilisation dashboard for a period -- an aggregate of slots, no people.

Contract
--------
:func:`dashboard` reads every slot starting in ``[start, end)`` once (one unit of work) and returns
a :class:`Dashboard`: utilisation (booked / (booked + free)) by hub, practice, role, channel and
weekday-by-hour, the did-not-attend counts over appointments that have taken place by now, and
the weekly utilisation series (as percentages) with its SPC chart (:func:`nhc.outcomes.spc.spc`,
through :func:`~nhc.access.domain.utilisation.weekly_spc`). Time to the third next available appointment
is measured from now over the slots published in the next :data:`AHEAD` (whatever the period), per
hub and role. Practices' shares of free slots use the shipped list sizes. The measures are the
domain's (:mod:`nhc.access.domain.utilisation`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from nhc.access.domain import Hub
from nhc.access.domain.utilisation import (
    dna_counts,
    third_next_available,
    utilisation,
    utilisation_by_practice,
    utilisation_grid,
    weekly_spc,
)
from nhc.access.services.base import Access
from nhc.outcomes.spc import SpcChart
from nhc.reference import geography

#: How far ahead the third next available appointment is looked for.
AHEAD = dt.timedelta(weeks=12)
Use = dict[str, float]


@dataclass(frozen=True)
class Dashboard:
    """How the hubs' capacity was used in ``[start, end)`` (see the module's contract)."""

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    hubs: dict[str, Hub]
    practice_names: dict[str, str]
    by_hub: dict[str, Use]
    by_practice: dict[str, Use]
    by_role: dict[str, Use]
    by_channel: dict[str, Use]
    grid: dict[tuple[str, str], Use]
    missed: int
    happened: int
    third_next: dict[tuple[str, str], float | None]
    weeks: list[dt.date] = field(default_factory=list)
    #: The weekly share booked, in percent, and its SPC chart (``None``: no week offered a slot).
    chart: SpcChart | None = None

    @property
    def dna_rate(self) -> float | None:
        return self.missed / self.happened if self.happened else None

    def hub_of_practice(self, practice: str) -> Hub | None:
        return next((h for h in self.hubs.values() if practice in h.practices), None)


def dashboard(access: Access, start: dt.datetime, end: dt.datetime) -> Dashboard:
    """The dashboard for slots starting in ``[start, end)``, as of ``access.now()``."""
    now = access.now()
    with access.uow() as uow:
        records = uow.repo.slot_records(start, end)
        ahead = uow.repo.slot_records(now, now + AHEAD)
        hubs = {h.id: h for h in uow.repo.hubs()}
    practices = {r["practice_code"]: r for r in geography.practices().to_pylist()}
    sizes = {p: int(practices.get(p, {}).get("list_size") or 1) for h in hubs.values() for p in h.practices}
    weeks, chart = weekly_spc(records, 100) if any(r.booked or r.free for r in records) else ([], None)
    missed, happened = dna_counts(records, now)
    return Dashboard(
        start=start,
        end=end,
        now=now,
        hubs=hubs,
        practice_names={p: str(practices.get(p, {}).get("name") or p) for p in sizes},
        by_hub=utilisation(records, "hub"),
        by_practice=utilisation_by_practice(records, sizes, {h.id: h.practices for h in hubs.values()}),
        by_role=utilisation(records, "role"),
        by_channel=utilisation(records, "channel"),
        grid=utilisation_grid(records),
        missed=missed,
        happened=happened,
        third_next=third_next_available(ahead, now),
        weeks=weeks,
        chart=chart,
    )
