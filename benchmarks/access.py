"""Slot search under concurrent use: p50/p95 latency with eight weeks of the county's hub slots.

    python benchmarks/access.py --users 20 --requests 50

Publishes eight weeks of timetables for every hub of the synthetic county (about 60,000 slots) on a
throwaway SQLite database, then ``--users`` threads each run ``--requests`` slot searches through
:class:`~nhc.access.services.AccessService` (a rotation: a role at a hub, a role and channel across
the county, a role from a later start, a clinician's slots with continuity). The floor, measured in
the same run, is one primary-key read of a slot: what a round trip to the database costs.
Target from issue 18: slot search p95 < 100 ms at 20 concurrent users.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nhc.access.domain import Channel, ServiceType
from nhc.access.services import AccessService, SlotQuery
from nhc.db import Database

FIRST = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 12, 0)


def queries(hub: str, actor: str) -> list[SlotQuery]:
    return [
        SlotQuery(service_type=ServiceType.GP, hub_id=hub, limit=20),
        SlotQuery(service_type=ServiceType.PHYSIOTHERAPIST, channel=Channel.VIDEO, limit=20),
        SlotQuery(service_type=ServiceType.PRACTICE_NURSE, start_from=NOW + dt.timedelta(days=20), limit=20),
        SlotQuery(service_type=ServiceType.GP, hub_id=hub, preferred_actor=actor, limit=50),
    ]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "calls": len(ordered),
    }


def timed(fn, arg) -> float:
    start = time.perf_counter()
    fn(arg)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        db.upgrade()
        service = AccessService(db, clock=lambda: NOW)
        began = time.perf_counter()
        counts = service.publish_timetables(FIRST, 7 * args.weeks)
        publish_s = time.perf_counter() - began
        hub = service.hubs()[0].id
        first_slot, schedule = service.search(SlotQuery(service_type=ServiceType.GP, hub_id=hub, limit=1))[0]
        rotation = queries(hub, schedule.actor_id)
        floor = [timed(service.slot, first_slot.id) for _ in range(200)]
        calls = range(args.users * args.requests)
        with ThreadPoolExecutor(args.users) as pool:
            found = list(pool.map(lambda i: timed(service.search, rotation[i % len(rotation)]), calls))
        db.dispose()
    print(
        json.dumps(
            {
                "users": args.users,
                **counts,
                "publish_seconds": round(publish_s, 1),
                "floor_slot_read": percentiles(floor),
                "slot_search": percentiles(found),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
