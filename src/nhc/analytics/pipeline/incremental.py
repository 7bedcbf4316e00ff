"""The nightly refresh: recompute only the people whose source rows changed, then everything built
from all of them.

Why it is right. Every per-person derivation of the pipeline (population, the event summary,
registers, eFI, CMS, utilisation, medicines, facts, groups, evidence, the risk features and score)
reads that person's source rows only, plus reference tables and the as-of date; everything
population-wide (the risk centiles in each neighbourhood, the worklists' ranks, the cube, the run
summary's counts and data-quality totals) is built from the per-person tables. So, with the same
as-of date and the same risk model, the insights of a lake equal the last run's with the rows of
the people whose source rows changed replaced by theirs recomputed, and the population-wide tables
rebuilt from the result: what :func:`refresh` does. The centiles and worklists are ranked over
everyone again; the cube's cells and the summary's counts are last night's changed by the day's
people (:mod:`.refresh_tables`). The tests check it against a full run
(``tests/analytics/test_incremental*.py``).

The day's work. Whose rows changed comes from the lake's change log (:mod:`nhc.lake.changes`),
which the FHIR ingest writes as it merges a batch, with the batch's after-image: every source row of
the people it touched, as merged. The refresh reads those rows (:func:`from_after_images`), so it
scans no source table; a batch recorded without them (another writer) makes it read the changed
people's rows from the source tables instead (:func:`restrict`: one scan of each). The refresh keeps, beside the lake
(``<lake>/_incremental``, :mod:`.refresh_state`), what the last run knew: everyone's facts with
their risk, each person's data-quality counts, everyone counted for the cube and the summary, the
risk model, the as-of date, the source tables' version, the insights generation it published and
the refresh's SQL, compiled once (:mod:`.prepared`).

What it does not do. The risk model is the one fitted by the last **full** run: a nightly refresh
scores the changed people with its coefficients and does not refit (refitting reads everyone's
history a year back: the full, e.g. monthly, run does it; ``nhc run --incremental --full``). So a
refresh equals a full run given the same model (``run(engine, model=...)``), which is what is
tested. A refresh falls back to a full run (and says why) when there is no state, when the as-of
date moved (every look-back window moves with it), when the change log cannot say what changed
since the last run (``nhc synth``, a write that recorded nothing), when the insights were published
by another run since, or when more than :data:`MAX_CHANGED_FRACTION` of people changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from nhc.analytics.pipeline import derivations as d
from nhc.analytics.pipeline import scoring as s
from nhc.analytics.pipeline.graph import PIPELINE, Graph, Result, node
from nhc.analytics.pipeline.prepared import Build, Prepared, fetch_all, prepare
from nhc.analytics.pipeline.quality import patient_quality, quality_totals
from nhc.analytics.pipeline.refresh_state import (
    State,
    StateWriter,
    encoded,
    load_state,
    refresh_lock,
    replaced,
    save_state,
)
from nhc.analytics.pipeline.refresh_tables import (
    Everyone,
    Large,
    facts,
    population_queries,
    publish_as_built,
)
from nhc.analytics.pipeline.run import (
    DEFAULT_AS_OF,
    Progress,
    RunResult,
    drop_loaded,
    load_inputs,
    run,
)
from nhc.analytics.pipeline.scheduler import evaluate
from nhc.errors import NhcError
from nhc.lake import changes
from nhc.lake.publish import current_generation
from nhc.lake.tables import table_schema

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from nhc.analytics.rules.risk import RiskModel
    from nhc.lake.engine import Engine

#: Above this fraction of people changed, a full run costs about as much: it runs instead (and a
#: batch that large records no after-image: :data:`nhc.lake.changes.AFTER_IMAGE_MAX_SHARE`).
MAX_CHANGED_FRACTION = changes.AFTER_IMAGE_MAX_SHARE
#: The large tables are published as their base and the rows of the people recomputed since
#: (:mod:`nhc.lake.merge_on_read`) until those are this share of everyone: then written whole again
#: (at 0.2 % of people a day, every 25th night; a monthly full run writes them whole anyway).
WHOLE_AGAIN_SHARE = 0.05
LARGE_TABLES = ("patient_evidence", "patient_insights")


def _with_patient_quality(graph: Graph) -> Graph:
    """``graph`` with its data-quality check counted per person, then summed (same totals): the
    refresh keeps the per-person counts, to replace the changed people's."""
    nodes = []
    for n in graph.nodes:
        if n.name == "data_quality":
            nodes.append(node("patient_quality", patient_quality, result=Result.FETCH, says=n.says))
            nodes.append(node("data_quality", quality_totals))
        else:
            nodes.append(n)
    return Graph(graph.given, tuple(nodes))


#: The full run of a refresh: :data:`~.graph.PIPELINE` with the data quality counted per person.
REFRESH_PIPELINE = _with_patient_quality(PIPELINE)
#: The per-person nodes a refresh recomputes for the changed people (from the sources, one year).
_PER_PERSON = ("insights", "evidence")


@dataclass
class Refreshed:
    """What a refresh did: ``mode`` is ``incremental`` or ``full`` (``reason`` says why full)."""

    mode: str
    result: RunResult
    changed: int | None = None  # people recomputed (incremental)
    reason: str | None = None
    # the refresh's SQL compiled by this run (:mod:`.prepared`): a full run prepares the nightly
    # refreshes' (``recompute``, ``population``); a nightly refresh compiles none unless the code,
    # the tables' columns, the model or the as-of date changed since
    compiled: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out = {"mode": self.mode, "changed_patients": self.changed, "reason": self.reason}
        return {**self.result.as_dict(), "refresh": out}


def refresh(
    engine: Engine,
    as_of: dt.date | None = None,
    *,
    codelists: pa.Table | None = None,
    progress: Progress | None = None,
    full: bool = False,
    max_changed: float = MAX_CHANGED_FRACTION,
) -> Refreshed:
    """Bring the lake's insight tables up to date with its source tables, doing only the day's
    work when it can (see the module doc); publish them and keep the state for the next refresh.

    ``full``: run the whole pipeline (and refit the risk model) whatever changed. ``max_changed``:
    the fraction of people above which a full run replaces the refresh (1.0: only when needed).
    """
    if engine.lake is None:
        raise NhcError("a refresh needs a lake: this engine has none")
    with refresh_lock(engine.lake.root):
        return _refresh(engine, as_of or DEFAULT_AS_OF, codelists, progress, full, max_changed)


def _refresh(
    engine: Engine,
    as_of: dt.date,
    codelists: pa.Table | None,
    progress: Progress | None,
    full: bool,
    max_changed: float,
) -> Refreshed:
    say = progress or (lambda _msg: None)
    version = changes.sources_version(engine.lake.root)
    state = None if full else load_state(engine.lake.root)
    changed, reason = _day_of_work(engine, state, as_of, full, max_changed)
    if changed is None or state is None:
        result = run(
            engine,
            as_of,
            codelists=codelists,
            progress=say,
            graph=REFRESH_PIPELINE,
            keep=("scored", "patient_quality", "cube_cells", "counted"),
        )
        v = result.values
        people = encoded(v["scored"])  # everyone's facts with risk: what the next refresh starts from
        evidence, none = nobody_replaced()  # the large tables were written whole: their base
        quality, cells, counted = v["patient_quality"], v["cube_cells"], v["counted"]
        nobody = pa.array([], pa.int64())
        everyone = Everyone(people, nobody, people.slice(0, 0), quality, quality.slice(0, 0), cells, counted)
        prepared = prepare_refresh(engine, everyone, result.model, as_of, codelists)
        model = result.model
        kept = State(
            as_of, version, _name(result), model, people, quality, evidence, none, cells, counted, prepared
        )
        save_state(engine.lake.root, kept)
        changes.prune(engine.lake.root, version)  # the batches before it are read for good
        return Refreshed("full", result, reason=reason, compiled=tuple(prepared))
    updated = update(engine, state, changed, codelists=codelists, say=say)
    updated.writer.commit(dataclasses.replace(updated.state, sources=version))
    changes.prune(engine.lake.root, version)
    compiled = tuple(n for n, p in updated.state.prepared.items() if p is not state.prepared.get(n))
    return Refreshed("incremental", updated.result, changed=len(changed), compiled=compiled)


def nobody_replaced() -> tuple[pa.Table, pa.Table]:
    """The state's (evidence, replaced) when the large tables were just written whole."""
    evidence = encoded(table_schema("patient_evidence").arrow.empty_table())
    return evidence, pa.table({"patient_id": pa.array([], pa.int64())})


def _large(engine: Engine, state: State, people: int, ids: pa.Array, evidence: pa.Table) -> Large:
    """How to publish the large tables after recomputing ``ids`` (their ``evidence``): the base
    files the current generation has, and everyone recomputed since it was written whole."""
    generation = current_generation(engine.lake)
    base = {name: sorted((generation / name).glob("*.parquet")) for name in LARGE_TABLES}
    before = state.replaced.column("patient_id").combine_chunks()
    replaced_ids = pc.unique(pa.concat_arrays([before, ids.cast(pa.int64())]))
    rows = replaced(state.evidence, evidence, ids)
    whole = len(replaced_ids) > WHOLE_AGAIN_SHARE * max(people, 1) or not all(base.values())
    return Large(base, replaced_ids, rows, whole)


def _name(result: RunResult) -> str:
    return "" if result.generation is None else result.generation.name


def _day_of_work(
    engine: Engine, state: State | None, as_of: dt.date, full: bool, max_changed: float
) -> tuple[set[int] | None, str | None]:
    """The people to recompute, or (None, why a full run is needed)."""
    if full:
        return None, "a full run was asked for"
    if state is None:
        return None, "no earlier refresh to start from"
    if state.as_of != as_of:
        return None, f"the as-of date moved from {state.as_of.isoformat()}"
    lake = engine.lake
    current = current_generation(lake)
    if current is None or current.name != state.generation:
        return None, "the insight tables were published by another run since the last refresh"
    changed = changes.changed_since(lake.root, state.sources)
    if changed is None:
        return None, "the change log cannot say what changed since the last refresh"
    if len(changed) > max_changed * max(state.people.num_rows, 1):
        return None, f"{len(changed)} people changed: a full run costs about as much"
    return changed, None


def restrict(inputs: d.Inputs, ids: ir.Table) -> d.Inputs:
    """The sources of the people in ``ids`` only (reference tables whole), each cached on the engine:
    one scan of each source table, then every derivation reads the few rows kept."""
    tables = {
        name: t.semi_join(ids, "patient_id").cache() if "patient_id" in t.columns else t
        for name, t in inputs.tables.items()
    }
    return d.Inputs(tables, inputs.codelists, inputs.rules, inputs.loaded)


def from_after_images(engine: Engine, inputs: d.Inputs, rows: Mapping[str, pa.Table]) -> d.Inputs:
    """The sources of the changed people from the change log's after-images
    (:func:`nhc.lake.changes.rows_since`: every row of theirs, now), the reference tables whole:
    no source table is scanned. The tables it loads are named in :attr:`~.derivations.Inputs.loaded`."""
    suffix = uuid.uuid4().hex[:12]  # unique: see run._unique
    tables, loaded = dict(inputs.tables), list(inputs.loaded)
    for name, table in rows.items():
        loaded.append(f"nhc_changed_{name}_{suffix}")
        tables[name] = engine.scan_arrow(table, loaded[-1])
    return d.Inputs(tables, inputs.codelists, inputs.rules, tuple(loaded))


@dataclass(frozen=True)
class _Recomputed:
    """The changed people's per-person rows (those still registered and alive at as-of)."""

    people: pa.Table  # facts with risk and factors
    evidence: pa.Table
    quality: pa.Table
    program: Prepared | None = None  # the SQL that computed them, for the next refresh


def _roles(inputs: d.Inputs) -> dict[str, ir.Table]:
    """Every table ``inputs`` holds, by its role in the pipeline."""
    rules = {f"rule {name}": t for name, t in inputs.rules.items()}
    return {
        **{f"source {name}": t for name, t in inputs.tables.items()},
        "codelists": inputs.codelists,
        **rules,
    }


def _recompute_queries(mine: d.Inputs, model: RiskModel, as_of: dt.date) -> Build:
    """The queries of :func:`recompute` (see :func:`~.prepared.prepare`)."""

    def queries(cache: Callable[[str, ir.Table], ir.Table]) -> dict[str, ir.Table]:
        given = {"sources": mine, "as_of": as_of, "clusters": d.clusters_read(), "training_fraction": None}
        # the blocks are cached as the full run caches them: inlined, the two queries that read
        # them take Ibis several times longer to compile than the few rows take to write and read
        v = evaluate(PIPELINE, given, _PER_PERSON, cache=cache)
        # scored by the engine as the full run scores everyone (:func:`~.scoring.scored`); only
        # these few people's rows come to Python
        segmented = cache("segmented", d.segment_query(v["insights"]))
        return {
            "duplicates": d.duplicates(mine),
            "people": s.scored(model, segmented),
            "evidence": v["evidence"],
            "quality": patient_quality(mine, as_of),
        }

    return queries


def recompute(
    engine: Engine, mine: d.Inputs, model: RiskModel, as_of: dt.date, program: Prepared | None = None
) -> _Recomputed:
    """The per-person derivations of the people whose sources ``mine`` holds (:func:`restrict`,
    :func:`from_after_images`), on ``engine``, scored with ``model``: by ``program`` when it was
    prepared for the same code, tables, model and as-of date (:mod:`.prepared`)."""
    queries = _recompute_queries(mine, model, as_of)
    got, program = fetch_all(engine, _roles(mine), queries, program, **facts(model, as_of))
    d.unique_patients(got["duplicates"])
    return _Recomputed(got["people"], got["evidence"], got["quality"], program)


def prepare_refresh(
    engine: Engine, everyone: Everyone, model: RiskModel, as_of: dt.date, codelists: pa.Table | None = None
) -> dict[str, Prepared]:
    """The SQL of the nightly refreshes after a full run (by name: ``recompute``, ``population``),
    compiled now for the tables they will read: the batches' after-images (empty here: their
    schema is the source tables') and :class:`Everyone`'s. Empty on an engine that runs no
    prepared SQL."""
    if not engine.prepares_sql:
        return {}
    rows = {
        name: table_schema(name).arrow.empty_table()
        for name in (*changes.PERSON_TABLES, *changes.TEAM_TABLES)
    }
    inputs = load_inputs(engine, codelists, categorical=False, given=tuple(rows))
    mine = from_after_images(engine, inputs, rows)
    try:
        with everyone.on(engine) as on:
            programs = {
                "recompute": prepare(
                    engine, _roles(mine), _recompute_queries(mine, model, as_of), **facts(model, as_of)
                ),
                "population": prepare(engine, on, population_queries(on, as_of), **facts(model, as_of)),
            }
    finally:
        drop_loaded(engine, mine.loaded)
    return {name: p for name, p in programs.items() if p is not None}


@dataclass(frozen=True)
class _Updated:
    result: RunResult
    state: State  # the next refresh's (its ``sources`` still the last one's: the caller sets them)
    writer: StateWriter  # writing it: the caller commits it


def update(
    engine: Engine,
    state: State,
    changed: Collection[int],
    *,
    codelists: pa.Table | None = None,
    say: Progress = lambda _msg: None,
) -> _Updated:
    """Recompute the ``changed`` people, rebuild the population-wide tables and publish them all;
    return the run's result and the next refresh's state."""
    started = time.perf_counter()
    ids = pa.array(sorted(changed), type=pa.int64())
    say(f"recomputing {len(ids)} people")
    # their rows from the batches' after-images; without them, one scan of each source table
    rows = changes.rows_since(engine.lake.root, state.sources)
    given = () if rows is None else tuple(rows)  # the person-level tables: from the after-images
    inputs = load_inputs(engine, codelists, categorical=False, given=given)
    if rows is not None:
        inputs = mine = from_after_images(engine, inputs, rows)
    else:
        ids_name = f"nhc_changed_{uuid.uuid4().hex[:12]}"  # unique: see run._unique
        on_engine = engine.from_arrow(pa.table({"patient_id": ids}), ids_name)
        inputs = d.Inputs(inputs.tables, inputs.codelists, inputs.rules, (*inputs.loaded, ids_name))
        mine = restrict(inputs, on_engine)
    try:
        new = recompute(engine, mine, state.model, state.as_of, state.prepared.get("recompute"))
    finally:
        drop_loaded(engine, inputs.loaded)
    recomputed = time.perf_counter()
    say("rebuilding the population-wide tables and publishing them")
    everyone = Everyone(state.people, ids, new.people, state.quality, new.quality, state.cells, state.counted)
    large = _large(engine, state, state.people.num_rows, ids, new.evidence)
    evidence, replaced_ids = nobody_replaced() if large.whole else (large.evidence, _ids(large.replaced))
    # the next state's large tables, made and written by the writer's thread meanwhile
    writer = StateWriter(engine.lake.root)
    writer.table("people", lambda: everyone.people)
    writer.table("quality", lambda: everyone.quality)
    writer.table("evidence", evidence)
    writer.table("replaced", replaced_ids)
    try:
        out = publish_as_built(
            engine, everyone, large, state.model, state.as_of, state.prepared.get("population")
        )
    except BaseException:
        writer.abandon()
        raise
    done = time.perf_counter()
    timings = {
        "recompute": round(recomputed - started, 3),
        "population_tables": round(out.built - recomputed, 3),
        "write": round(done - out.built, 3),  # what was left to write when the last table was built
    }
    result = RunResult(
        state.as_of,
        engine.name,
        {**out.summary, "timings": timings},
        out.tables,
        state.model,
        done - started,
        timings,
        generation=out.generation,
    )
    programs = {"recompute": new.program, "population": out.program}
    prepared = {name: p for name, p in programs.items() if p is not None}
    cells, counted = out.counts["cells"], out.counts["counted"]
    kept = State(
        state.as_of,
        state.sources,
        _name(result),
        state.model,
        everyone.people,
        everyone.quality,
        evidence,
        replaced_ids,
        cells,
        counted,
        prepared,
    )
    return _Updated(result, kept, writer)


def _ids(ids: pa.Array) -> pa.Table:
    return pa.table({"patient_id": ids})
