"""The nightly refresh's population-wide tables, and their publication as they are built
(:mod:`.incremental`).

The centiles and worklists are ranked over everyone's kept facts; the cube's cells and the run
summary's counts are last night's, changed by the day's people only; the insights and evidence are
everyone's kept rows. Each table is written as soon as it exists, by the publication's writers,
while the engine builds the next (:class:`nhc.lake.publish.Pending`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from nhc.analytics.pipeline import outputs as o
from nhc.analytics.pipeline.prepared import Build, Prepared, fetch_all
from nhc.analytics.pipeline.quality import quality_totals
from nhc.analytics.pipeline.refresh_state import encoded, replaced
from nhc.analytics.pipeline.run import OUTPUT_TABLES, Published, drop_loaded
from nhc.analytics.rules.cube import DIMENSIONS, changed_counts
from nhc.lake.merge_on_read import merged_files
from nhc.lake.publish import Pending, WithDelta, publish

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from nhc.analytics.rules.risk import RiskModel
    from nhc.lake.engine import Engine


def facts(model: RiskModel, as_of: dt.date) -> dict[str, Any]:
    """What a refresh's SQL depends on besides its code and tables (:func:`~.prepared.key_of`)."""
    return {"as_of": as_of.isoformat(), "model": model.as_dict()}


class Everyone:
    """What the population-wide tables are built from: everyone's facts with risk and data-quality
    counts as the last refresh ``kept`` them; the day's people (``ids``), their facts as kept
    (``before``) and as recomputed (``after``, in the kept columns and types) and their quality
    counts now (``new_quality``); and everyone counted before the day, for the cube (``cells``) and
    for the run summary (``counted``).

    Everyone's facts and counts now (:attr:`people`, :attr:`quality`: the kept with the day's
    people replaced) are made once, by whichever thread first asks: the engine never waits for
    them, as it reads the kept facts and the day's people's and replaces them in its query."""

    def __init__(
        self,
        kept: pa.Table,
        ids: pa.Array,
        after: pa.Table,
        kept_quality: pa.Table,
        new_quality: pa.Table,
        cells: pa.Table,
        counted: pa.Table,
    ) -> None:
        self.kept, self.ids, self.cells, self.counted = kept, ids, cells, counted
        self.after = encoded(after.select(kept.column_names)).cast(kept.schema)
        self.before = kept.filter(pc.is_in(kept.column("patient_id"), value_set=ids))
        self._people = Pending(lambda: replaced(kept, self.after, ids))
        self._quality = Pending(lambda: replaced(kept_quality, new_quality, ids))

    @property
    def people(self) -> pa.Table:
        return self._people.to_arrow()

    @property
    def quality(self) -> pa.Table:
        return self._quality.to_arrow()

    @contextlib.contextmanager
    def on(self, engine: Engine) -> Iterator[dict[str, ir.Table]]:
        """The tables the engine reads, by role, loaded onto ``engine`` (scanned in place where it
        can) for the duration of the block, then dropped."""
        suffix = uuid.uuid4().hex[:12]  # unique: see run._unique
        tables = {
            "kept": self.kept,
            "ids": pa.table({"patient_id": self.ids}),
            "before": self.before,
            "after": self.after,
            "cells": self.cells,
            "counted": self.counted,
        }
        names = {role: f"nhc_refreshed_{role}_{suffix}" for role in tables}
        try:
            yield {role: engine.scan_arrow(tables[role], name) for role, name in names.items()}
        finally:
            drop_loaded(engine, names.values())


@dataclass(frozen=True)
class Large:
    """How the two large tables are published: as the ``base`` files they have (by table) and the
    rows of the ``replaced`` people (everyone recomputed since the base was written, the day's
    people included; :mod:`nhc.lake.merge_on_read`), or whole again when ``whole``. ``evidence``:
    the replaced people's evidence rows now (strings encoded)."""

    base: Mapping[str, list[Path]]
    replaced: pa.Array
    evidence: pa.Table
    whole: bool

    def outputs(self, everyone: Everyone, as_of: dt.date) -> dict[str, Pending | WithDelta]:
        """The evidence and insights, each made by its writer (from Python's tables)."""
        if self.whole:  # a new base: every row written
            return {
                "patient_evidence": Pending(
                    lambda: merged_files(self.base["patient_evidence"], self.replaced, self.evidence)
                ),
                "patient_insights": Pending(lambda: o.patient_insights_of(everyone.people, as_of)),
            }

        def insights() -> pa.Table:
            people = everyone.people
            mine = people.filter(pc.is_in(people.column("patient_id"), value_set=self.replaced))
            return o.patient_insights_of(mine, as_of)

        return {
            "patient_evidence": WithDelta(
                self.base["patient_evidence"], self.replaced, lambda: self.evidence
            ),
            "patient_insights": WithDelta(self.base["patient_insights"], self.replaced, insights),
        }


def population_queries(on: Mapping[str, ir.Table], as_of: dt.date) -> Build:
    """The queries of :func:`population_tables` over :meth:`Everyone.tables` on the engine (``on``).

    The worklists rank everyone (a centile moves for everyone in a neighbourhood when one person's
    risk does); the cube's cells and the summary's counts are last night's, changed by the day's
    people only (:func:`~nhc.analytics.rules.cube.changed_counts`)."""

    def queries(cache: Callable[[str, ir.Table], ir.Table]) -> dict[str, ir.Table]:
        # everyone now: the kept facts with the day's people's replaced (:class:`Everyone`)
        people = on["kept"].anti_join(on["ids"], "patient_id").union(on["after"])
        before, after = (on[role].drop("risk", "risk_factors") for role in ("before", "after"))
        cells = changed_counts(on["cells"], o.cube_cells(before), o.cube_cells(after), DIMENSIONS, "people")
        cells = cache("cells", cells)
        counted = changed_counts(on["counted"], o.counted(before), o.counted(after), ("item", "key"), "n")
        # in the order they are wanted: the worklists, the largest, written while the rest run
        return {
            "worklists": o.worklists(people, as_of),
            "population_cube": o.cube_of_cells(cells, as_of),
            "cells": cells,
            "counted": counted,
        }

    return queries


def population_tables(
    engine: Engine,
    everyone: Everyone,
    model: RiskModel,
    as_of: dt.date,
    program: Prepared | None = None,
    *,
    ready: Callable[[str, pa.Table], None],
) -> tuple[dict[str, Any], Prepared | None, dict[str, pa.Table]]:
    """Every insight table but the evidence and the insights, each given to ``ready(name, table)``
    as soon as it is built, from :class:`Everyone` (strings encoded or not): the same functions the
    full run uses (:mod:`.outputs`), on the engine (the tables are loaded onto it, then dropped).
    Returns the run summary, the program its queries ran and everyone counted now (``cells``,
    ``counted``: the next refresh's).

    The centiles, worklists, cube and counts are the engine's, over the same risks as the full
    run's (each person's computed by the engine's expression, then kept), so they are the same.
    Their SQL is ``program``'s when it was prepared for the same code and tables (:mod:`.prepared`).
    """

    def fetched(name: str, table: pa.Table) -> None:
        if name in OUTPUT_TABLES:
            ready(name, table)

    with everyone.on(engine) as on:
        queries = population_queries(on, as_of)
        got, program = fetch_all(engine, on, queries, program, fetched, **facts(model, as_of))
    summary = o.summarise(
        o.counts(got["counted"]),
        quality_totals(everyone.quality).to_pylist()[0],
        model,
        dict(Counter(got["worklists"]["worklist"].to_pylist())),
        model.n_train + model.n_test,  # the rows it was fitted and tested on
    )
    ready("risk_model", o.risk_model(model, as_of))
    ready("analytics_run", o.analytics_run(summary, as_of))
    return summary, program, {"cells": got["cells"], "counted": got["counted"]}


@dataclass(frozen=True)
class Built:
    """What :func:`publish_as_built` published, and what the next refresh keeps of it."""

    generation: Path
    tables: Mapping[str, pa.Table]
    summary: dict[str, Any]
    program: Prepared | None  # the population-wide queries' SQL
    counts: dict[str, pa.Table]  # everyone counted now (cells, counted)
    built: float  # perf_counter when the last table was built


def publish_as_built(
    engine: Engine,
    everyone: Everyone,
    large: Large,
    model: RiskModel,
    as_of: dt.date,
    program: Prepared | None,
) -> Built:
    """Build the insight tables from :class:`Everyone` and publish them, the two large ones as
    :class:`Large` says, each written as soon as it is built while the engine builds the next;
    ``program``: the population-wide queries' SQL prepared before (:func:`population_tables`).

    The two largest are made from Python's tables by the writers themselves, first: the evidence
    (2.5 million rows on the county) and the insights (a projection of everyone's facts), or their
    replaced people's rows only. A failure while building fails the publication too, which then
    switches nothing."""
    # written encoded, as kept (:func:`nhc.lake.store.conform`)
    large_outputs = large.outputs(everyone, as_of)
    outputs: dict[str, Pending | WithDelta] = {
        **large_outputs,
        **{name: Pending() for name in OUTPUT_TABLES if name not in large_outputs},
    }
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nhc-refresh-publish") as pool:
        publishing = pool.submit(publish, engine.lake, outputs)
        try:
            summary, program, counts = population_tables(
                engine,
                everyone,
                model,
                as_of,
                program,
                ready=lambda name, table: outputs[name].set(table),
            )
        except BaseException as error:
            for pending in outputs.values():
                pending.fail(error)
            raise
        built = time.perf_counter()
        generation = publishing.result()
    tables = Published({name: outputs[name] for name in OUTPUT_TABLES}, generation)  # read when asked
    return Built(generation, tables, summary, program, counts, built)
