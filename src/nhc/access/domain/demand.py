"""A realistic stream of hub appointment requests over weeks, from each neighbourhood's need.

Contract
--------
:func:`requests` is pure and deterministic for a seed. Each hub receives, per week,
``list_size / 1000 * BASE_RATE * need`` requests, where ``need = 1 + DEPRIVATION_GRADIENT *
(5.5 - mean IMD decile of the neighbourhood)`` (more deprived neighbourhoods ask for more primary
care; deciles from the shipped geography). Requests arrive uniformly across the week; the role
follows the hub's capacity by role (:data:`~nhc.access.domain.hubs.ROLE_MIX` over slot length), so
demand and capacity are in proportion and the load is realistic (see :data:`BASE_RATE`).
Each request carries its fate: the patient later cancels (:data:`CANCEL_RATE`), does not attend
(:data:`DNA_RATE` times need), or attends. Age and Patient Need Group are not used yet: they need
the lake's person table (a later step).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from nhc.access.domain.appointments import ServiceType
from nhc.access.domain.hubs import ROLE_MIX, SLOT_MINUTES, Hub

#: Requests per 1,000 registered patients per week at average need. A calibration, not a published
#: rate: the hubs' timetables (the DES's 60 minutes per 1,000, rounded up to whole sessions) offer
#: about 4.6 slots per 1,000 a week; at 4.2 requests the county's hubs run at 75-77% utilisation
#: once the first week has filled (``nhc hubs simulate``), busier in deprived neighbourhoods.
BASE_RATE = 4.2
DEPRIVATION_GRADIENT = 0.06
CANCEL_RATE = 0.08
DNA_RATE = 0.05


class Fate(StrEnum):
    ATTENDS = "attends"
    CANCELS = "cancels"
    DOES_NOT_ATTEND = "does-not-attend"


@dataclass(frozen=True)
class AppointmentRequest:
    id: str
    at: dt.datetime
    hub_id: str
    practice_code: str
    patient_id: int
    role: ServiceType
    fate: Fate


def need(mean_decile: float) -> float:
    return 1 + DEPRIVATION_GRADIENT * (5.5 - mean_decile)


def requests(
    hubs: Sequence[Hub],
    mean_decile: Mapping[str, float],
    first: dt.date,
    weeks: int,
    *,
    seed: int = 1,
) -> list[AppointmentRequest]:
    """Every hub's requests for ``weeks`` weeks from ``first``, in time order."""
    rng = random.Random(seed)
    counts = {role: share / SLOT_MINUTES[role] for role, share in ROLE_MIX.items()}
    roles, role_weights = list(counts), list(counts.values())
    out = []
    for hub in hubs:
        factor = need(mean_decile.get(hub.neighbourhood, 5.5))
        weekly = hub.list_size / 1000 * BASE_RATE * factor
        for week in range(weeks):
            start = dt.datetime.combine(first + dt.timedelta(weeks=week), dt.time())
            for _ in range(_poisson(rng, weekly)):
                at = start + dt.timedelta(minutes=rng.randrange(7 * 24 * 60))
                fate = rng.choices(
                    list(Fate), weights=[1 - CANCEL_RATE - DNA_RATE * factor, CANCEL_RATE, DNA_RATE * factor]
                )[0]
                out.append(
                    AppointmentRequest(
                        id=f"{hub.id}-{len(out)}",
                        at=at,
                        hub_id=hub.id,
                        practice_code=rng.choice(hub.practices),
                        patient_id=rng.randrange(1, 10**9),
                        role=rng.choices(roles, weights=role_weights)[0],
                        fate=fate,
                    )
                )
    return sorted(out, key=lambda r: (r.at, r.id))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation above 30, where it is accurate to well under 1%)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
