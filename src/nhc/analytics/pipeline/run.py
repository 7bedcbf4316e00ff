"""The edge of the pipeline: read the lake on an engine, run the graph, publish the insight tables.

:func:`run` reads the source tables from an engine, checks them, runs :data:`~.graph.PIPELINE`
with :func:`~.scheduler.schedule` (every insight derived by the pure functions of this package, the
risk model fitted in numpy on a bounded sample, everyone scored and ranked by the engine), publishes the insight tables to the lake as one generation (all or
none: :func:`nhc.lake.publish.publish`) and returns a summary (what was found, what was excluded and
why).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pyarrow as pa

from nhc.analytics.pipeline.derivations import SOURCE_TABLES, Inputs, clusters_read, marker_table
from nhc.analytics.pipeline.graph import PIPELINE, Graph, Result
from nhc.analytics.pipeline.scheduler import evaluate, schedule
from nhc.analytics.rules import multimorbidity, registers, risk
from nhc.analytics.rules.inputs import require_columns
from nhc.errors import NhcError
from nhc.lake.changes import TEAM_TABLES
from nhc.lake.publish import Output, publish
from nhc.lake.store import Lake
from nhc.lake.tables import table_schema
from nhc.lake.tables.insights import INSIGHT_TABLES
from nhc.reference.codelists import load_codelists

if TYPE_CHECKING:
    from nhc.lake.engine import Engine

DEFAULT_AS_OF = dt.date(2026, 3, 31)
Progress = Callable[[str], None]

#: The tables a run writes, in the order of the data dictionary.
OUTPUT_TABLES = tuple(t.name for t in INSIGHT_TABLES)


@dataclass
class RunResult:
    as_of: dt.date
    engine: str
    summary: dict[str, Any]
    tables: Mapping[str, pa.Table] = field(default_factory=dict)  # engine-written: read when asked
    model: risk.RiskModel | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # the nodes asked for with ``keep`` (Arrow)
    generation: Path | None = None  # the insights generation published (None when not written)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "engine": self.engine,
            "seconds": round(self.seconds, 2),
            **self.summary,
        }


@dataclass(frozen=True)
class Derived:
    """The pipeline's per-person blocks as Ibis expressions (see :func:`derive`)."""

    summary: ir.Table
    population: ir.Table
    registers: ir.Table
    deficits: ir.Table
    cms_conditions: ir.Table
    utilisation: ir.Table  # use of services in the 12 months to as-of
    medicines: ir.Table
    insights: ir.Table  # facts + segmentation, one row per person (no risk)
    evidence: ir.Table  # the codes and dates behind registers, deficits, CMS and markers


def _unique(name: str) -> str:
    """A table name unique to this run (Spark's ``from_arrow`` writes a managed table; a fixed name
    would collide with a folder left in the warehouse by an earlier process)."""
    return f"{name}_{uuid.uuid4().hex[:12]}"


def _put(
    engine: Engine, table: pa.Table, name: str, categorical: tuple[str, ...] = ()
) -> tuple[ir.Table, str]:
    """Load a small Arrow table onto the engine under a name unique to this run."""
    unique = _unique(name)
    if categorical:
        return engine.from_arrow_categorical(table, unique, categorical), unique
    return engine.from_arrow(table, unique), unique


def load_inputs(
    engine: Engine,
    codelists: pa.Table | None = None,
    *,
    categorical: bool = True,
    given: Collection[str] = (),
) -> Inputs:
    """Source tables from the engine's lake, columns checked, but those ``given`` otherwise (the
    caller puts them in); codelists and rules loaded onto the engine (their names in
    :attr:`Inputs.loaded`, for :func:`drop_loaded`).

    ``categorical``: codes and clusters loaded as categories (:meth:`Engine.from_arrow_categorical`:
    faster over a county's events, slower to load); a nightly refresh, over a few thousand people's
    rows, loads them as text."""
    names = [name for name in SOURCE_TABLES if name not in given]
    tables = {name: require_columns(engine.table(name), name) for name in names}
    loaded: list[str] = []
    # the team's own records (rules/team_records.py): read when exported, none otherwise
    for name in TEAM_TABLES:
        if name in given:
            continue
        if engine.lake is not None and engine.lake.exists(name):
            tables[name] = require_columns(engine.table(name), name)
        else:  # no team records exported yet: none to read
            tables[name], unique = _put(engine, table_schema(name).arrow.empty_table(), f"nhc_{name}")
            loaded.append(unique)
    if codelists is None:
        codelists = load_codelists()
    missing = [c for c in ("code", "cluster") if c not in codelists.column_names]
    if missing:
        raise NhcError(
            f"table codelists: missing column {missing[0]}", hint="codelists need code and cluster"
        )
    categories = ("code", "cluster") if categorical else ()
    cl, cl_name = _put(engine, codelists.select(["code", "cluster"]), "nhc_codelists", categorical=categories)
    rules = {
        "registers": _put(engine, registers.rules_table(), "nhc_register_rules"),
        "cms": _put(engine, multimorbidity.rules_table(), "nhc_cms_rules"),
        "frailty_markers": _put(engine, marker_table(), "nhc_frailty_markers"),
    }
    names = (cl_name, *(name for _, name in rules.values()), *loaded)
    return Inputs(tables, cl, {k: t for k, (t, _) in rules.items()}, names)


def drop_loaded(engine: Engine, names: Collection[str]) -> None:
    """Drop the tables a run loaded onto the engine (Spark keeps them in its warehouse)."""
    for name in names:
        with contextlib.suppress(Exception):  # best-effort clean-up only
            engine.drop(name)


def derive(
    inputs: Inputs, as_of: dt.date, *, cache: bool = True, clusters: Collection[str] | None = None
) -> Derived:
    """The pipeline's per-person blocks for ``as_of`` as expressions (cached on the engine when
    ``cache``), without the risk model's training sample: what :func:`run` derives, to inspect.

    ``clusters``: the codelists the event summary covers (default :func:`clusters_read`).
    """
    given = {
        "sources": inputs,
        "as_of": as_of,
        "clusters": clusters_read() if clusters is None else clusters,
        "training_fraction": None,  # no training sample: one year of prescriptions and encounters
    }
    names = ("summary", "population", "registers", "efi_deficits", "cms_conditions")
    v = evaluate(PIPELINE, given, (*names, "utilisation", "medicines", "insights", "evidence"), cache=cache)
    return Derived(*(v[n] for n in names), v["utilisation"], v["medicines"], v["insights"], v["evidence"])


def _arrow(output: Output) -> pa.Table:
    return output if isinstance(output, pa.Table) else output.to_arrow()


class Published(Mapping[str, pa.Table]):
    """A run's output tables as Arrow: those it had in this process, and the others (written by
    the engine itself, :class:`~nhc.lake.publish.WrittenByEngine`, or by the publication's writers,
    :class:`~nhc.lake.publish.Pending`) read back from the generation published, each only when
    asked for (a run on a cluster need never hold them)."""

    def __init__(self, outputs: Mapping[str, Output], generation: Path) -> None:
        self._outputs, self._generation = dict(outputs), generation
        self._read: dict[str, pa.Table] = {}

    def __getitem__(self, name: str) -> pa.Table:
        table = self._outputs[name]
        if isinstance(table, pa.Table):
            return table
        if name not in self._read:
            self._read[name] = Lake(self._generation).read(name)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._outputs)

    def __len__(self) -> int:
        return len(self._outputs)


def _in_python(engine: Engine, value: Any) -> Any:
    """``value``, an engine table fetched to Arrow (anything else as it is)."""
    return engine.to_arrow(value) if isinstance(value, ir.Table) else value


def run(
    engine: Engine,
    as_of: dt.date | None = None,
    *,
    codelists: pa.Table | None = None,
    write: bool = True,
    progress: Progress | None = None,
    graph: Graph = PIPELINE,
    model: risk.RiskModel | None = None,
    keep: Collection[str] = (),
) -> RunResult:
    """Run the whole pipeline on ``engine``; publish the insight tables to its lake when ``write``
    (all of them at once: a failure leaves the lake's previous insight tables as they were).

    ``graph``: the derivations to run (a variant of :data:`PIPELINE` with the same outputs, e.g. the
    incremental refresh's, :mod:`.incremental`). ``model``: score with this risk model instead of
    the one fitted on this lake (what a nightly refresh does, so a full run given the same model is
    what the refresh must equal). ``keep``: nodes whose values to return in :attr:`RunResult.values`;
    a table on the engine is fetched to Arrow first (the run drops what it cached there), so keep
    only what the caller truly needs in Python.
    """
    as_of = as_of or DEFAULT_AS_OF
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    say("checking inputs")
    inputs = load_inputs(engine, codelists)
    loaded = time.perf_counter()
    fixed = {} if model is None else {"model": model}
    graph = graph.without(fixed)
    # the tables the CACHE nodes may make on the engine, named up front and dropped at the end
    cached = {n.name: _unique(f"nhc_{n.name}") for n in graph.nodes if n.result is Result.CACHE}
    generation = None
    try:
        given = {"sources": inputs, "as_of": as_of, "clusters": clusters_read(), **fixed}
        outcome = schedule(graph, given, engine, table_name=cached.__getitem__, say=say)
        outputs = {name: outcome.values[name] for name in OUTPUT_TABLES}
        kept = {name: _in_python(engine, outcome.values[name]) for name in keep}
        timings = {"load_inputs": round(loaded - started, 3), **outcome.timings}
        if write and engine.lake is not None:
            say("writing insight tables to the lake")
            t = time.perf_counter()
            generation = publish(engine.lake, outputs)
            timings["write"] = round(time.perf_counter() - t, 3)
            tables: Mapping[str, pa.Table] = Published(outputs, generation)
        else:
            tables = {name: _arrow(table) for name, table in outputs.items()}
    finally:
        drop_loaded(engine, (*inputs.loaded, *cached.values()))
    summary = dict(outcome.values["run_summary"])
    summary["timings"] = timings
    model = outcome.values["model"]
    seconds = time.perf_counter() - started
    return RunResult(as_of, engine.name, summary, tables, model, seconds, timings, kept, generation)
