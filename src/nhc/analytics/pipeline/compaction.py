"""Compaction: write the large insight tables whole again outside the nightly refresh.

A nightly refresh publishes the two large tables (:data:`.incremental.LARGE_TABLES`) as their base
and a delta of the people recomputed since (:mod:`nhc.lake.merge_on_read`). The delta grows a
little every night, and the night it passes :data:`.incremental.WHOLE_AGAIN_SHARE` of everyone
writes both tables whole, which takes that night over a tenth of a full run. Compaction does that
write at a quiet time instead (a weekend, as a lakehouse's maintenance job rewrites its files), so
the delta starts empty again and no night has to.

It changes no answer: each table is read merged (its base without the replaced people's rows, then
theirs) and written as a new base; every other table of the current generation is hard-linked into
the new one unchanged. The new generation and a state that matches it (nobody replaced) are
published under the refresh's lock, so a refresh never interleaves with a compaction. If the
process dies after publishing and before the state is written, the next refresh finds the
generation is not the state's and runs in full (the safe way round).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any

from nhc.analytics.pipeline.incremental import LARGE_TABLES, nobody_replaced
from nhc.analytics.pipeline.refresh_state import load_state, refresh_lock, save_state
from nhc.lake.publish import Linked, Output, Pending, current_generation, publish
from nhc.lake.store import Lake


@dataclass(frozen=True)
class Compacted:
    """What a compaction did: ``done`` false with the ``reason`` when there was nothing to do."""

    done: bool
    replaced_people: int  # people whose rows were in the delta (now in the base)
    seconds: float
    generation: str | None = None  # the generation published
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "compacted": self.done,
            "replaced_people": self.replaced_people,
            "seconds": round(self.seconds, 2),
            "generation": self.generation,
            "reason": self.reason,
        }


def compact(lake: Lake) -> Compacted:
    """Write ``lake``'s large insight tables whole (base and delta merged) as a new generation,
    with the refresh state that matches it; nothing when their delta is empty or there is no
    refresh state for the published tables (a full run or ``nhc run --incremental`` makes one)."""
    started = time.perf_counter()
    with refresh_lock(lake.root):
        state = load_state(lake.root)
        generation = current_generation(lake)
        if state is None or generation is None or generation.name != state.generation:
            why = "the insight tables have no refresh state: run `nhc run --incremental` first"
            return Compacted(False, 0, time.perf_counter() - started, reason=why)
        people = state.replaced.num_rows
        if people == 0:
            why = "the large tables have no delta: they were written whole by the last run"
            return Compacted(False, 0, time.perf_counter() - started, reason=why)
        tables: dict[str, Output] = {}
        for folder in sorted(p for p in generation.iterdir() if p.is_dir()):
            if folder.name in LARGE_TABLES:
                tables[folder.name] = Pending(lambda f=folder: Lake(f.parent).read(f.name))
            else:
                tables[folder.name] = Linked(folder)
        published = publish(lake, tables)
        evidence, replaced = nobody_replaced()
        save_state(
            lake.root,
            dataclasses.replace(state, generation=published.name, evidence=evidence, replaced=replaced),
        )
    return Compacted(True, people, time.perf_counter() - started, published.name)
