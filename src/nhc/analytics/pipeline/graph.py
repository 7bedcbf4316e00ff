"""The pipeline as data: named derivations, the nodes each reads, and where its result lives.

A :class:`Derivation` is a pure function (:mod:`.derivations`, :mod:`.scoring`, :mod:`.outputs`)
whose parameters are the names of the nodes it reads, plus two facts the scheduler needs:

* ``on``: the **main** thread runs the engine's queries one at a time, in the order the graph
  lists them; the **helper** thread runs Python work (compiling queries, fitting the risk model
  in numpy on its bounded training sample) and queries that read only the sources (which the engine runs beside the main ones).
  Helper work starts in the order listed, each as soon as what it reads is ready.
* ``result``: ``VALUE`` keeps what the function returned (an expression or Arrow); ``CACHE``
  materialises the expression on the engine; ``FETCH`` runs it to Arrow; ``QUERY`` compiles it
  ahead, for a later ``FETCH`` node on the main thread; ``OUTPUT`` is an output table, handed to
  the engine (``Engine.output``: Arrow on DuckDB, written by Spark's executors when published).

The order of :data:`PIPELINE` is the schedule: it is chosen so that the helper's work overlaps the
engine's (and, each node listed after what it reads, it cannot deadlock: :meth:`Graph.check`).
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nhc.analytics.pipeline import derivations as d
from nhc.analytics.pipeline import outputs as o
from nhc.analytics.pipeline import scoring as s


class On(enum.Enum):
    MAIN = "main"
    HELPER = "helper"


class Result(enum.Enum):
    VALUE = "value"  # what the function returned
    CACHE = "cache"  # materialised on the engine (beside the main connection, on the helper)
    FETCH = "fetch"  # run to Arrow
    QUERY = "query"  # compiled for a later FETCH (on the helper, while the engine is busy)
    OUTPUT = "output"  # an output table: Arrow, or written by the engine itself (Engine.output)


class GraphError(ValueError):
    """A graph that names an unknown node or repeats a name."""


@dataclass(frozen=True)
class Derivation:
    """One named derivation: ``fn`` called with the values of ``inputs``, in that order."""

    name: str
    fn: Callable[..., Any]
    inputs: tuple[str, ...]
    on: On = On.MAIN
    result: Result = Result.VALUE
    says: str | None = None  # progress message shown when it starts

    def apply(self, values: Mapping[str, Any]) -> Any:
        """``fn`` of the values of this node's inputs (``values`` holds at least those)."""
        return self.fn(*(values[i] for i in self.inputs))


def node(
    name: str,
    fn: Callable[..., Any],
    inputs: Iterable[str] | None = None,
    *,
    on: On = On.MAIN,
    result: Result = Result.VALUE,
    says: str | None = None,
) -> Derivation:
    """A :class:`Derivation` whose inputs default to ``fn``'s parameter names."""
    names = tuple(inspect.signature(fn).parameters) if inputs is None else tuple(inputs)
    return Derivation(name, fn, names, on, result, says)


def run_prepared(query: Any) -> Any:
    """A ``FETCH`` node's function for a query a ``QUERY`` node compiled: the query itself."""
    return query


@dataclass(frozen=True)
class Graph:
    """Derivations in schedule order, over the ``given`` names (supplied by the caller)."""

    given: tuple[str, ...]
    nodes: tuple[Derivation, ...]

    def __post_init__(self) -> None:
        self.check()

    def __getitem__(self, name: str) -> Derivation:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def check(self) -> None:
        """Names unique, each input given or listed earlier, and outputs on the main thread (the
        engine writes them with its main connection).

        That order is also what keeps the scheduler from waiting forever: a node waits only for
        nodes listed before it, main nodes run in the listed order, and helper nodes start in the
        listed order once what they read has run (main) or started (helper) -- so, by induction on
        the position in the list, everything a node waits for finishes.
        """
        seen = set(self.given)
        for n in self.nodes:
            if n.name in seen:
                raise GraphError(f"node {n.name!r} is named twice")
            unknown = [i for i in n.inputs if i not in seen]
            if unknown:
                raise GraphError(f"node {n.name!r} reads {unknown[0]!r}, which is not listed before it")
            if n.result is Result.OUTPUT and n.on is On.HELPER:
                raise GraphError(f"node {n.name!r} is an output: it runs on the main thread")
            seen.add(n.name)

    def needed_for(self, targets: Iterable[str]) -> tuple[Derivation, ...]:
        """The nodes ``targets`` read, directly or not, in schedule order."""
        wanted, stack = set(), list(targets)
        while stack:
            name = stack.pop()
            if name in wanted or name in self.given:
                continue
            wanted.add(name)
            stack.extend(self[name].inputs)
        return tuple(n for n in self.nodes if n.name in wanted)

    def without(self, values: Mapping[str, Any]) -> Graph:
        """This graph with the nodes named in ``values`` turned into given values."""
        return Graph((*self.given, *values), tuple(n for n in self.nodes if n.name not in values))


H = On.HELPER  # main is the default
CACHE, FETCH, QUERY, OUTPUT = Result.CACHE, Result.FETCH, Result.QUERY, Result.OUTPUT

#: The whole pipeline. Given: ``sources`` (:class:`~.derivations.Inputs`), ``as_of`` and
#: ``clusters`` (the codelists the event summary covers).
PIPELINE = Graph(
    ("sources", "as_of", "clusters"),
    (
        # source-only queries run beside the event summary: the duplicate check, the population
        node("duplicates", d.duplicates, on=H, result=FETCH),
        node("population", d.population_now, on=H, result=CACHE),
        node("summary", d.event_summary, result=CACHE, says="joining events to codelists"),
        node("unique_patients", d.unique_patients),
        node("population_size", d.population_size, result=FETCH),
        node("training_fraction", d.training_fraction),
        # the training sample a year earlier reads only the sources: beside the passes below, which
        # read prescriptions and encounters once for both years
        node("training_population", d.training_population, on=H, result=CACHE),
        node("utilisation_years", d.utilisation_years, result=CACHE),
        node("medicines_years", d.medicines_years, result=CACHE),
        node("utilisation", d.this_year, ("utilisation_years", "training_fraction")),
        node("earlier_utilisation", d.year_before, ("utilisation_years", "training_fraction")),
        node("medicines", d.this_year, ("medicines_years", "training_fraction")),
        node("earlier_medicines", d.year_before, ("medicines_years", "training_fraction")),
        # the training query is compiled on the helper while the engine builds the conditions
        node("training_query", s.training_query, on=H, result=QUERY),
        node("registers", d.register_entries, result=CACHE),
        node("efi_deficits", d.efi_deficits, result=CACHE),
        node("cms_conditions", d.cms_conditions, result=CACHE),
        # ... and the queries after it (built and compiled on the helper while the engine runs the
        # training query)
        node("insights", d.insights, on=H),
        node("evidence", d.evidence_of, on=H),
        node("evidence_query", run_prepared, ("evidence",), on=H, result=QUERY),
        # the training sample, and nothing else person-level, comes to Python: bounded (about
        # 200,000 people) whatever the population
        node(
            "training_features",
            run_prepared,
            ("training_query",),
            result=FETCH,
            says="fitting the risk model",
        ),
        node("model", s.model, on=H),  # fitted in numpy on the helper, beside the next queries
        node("data_quality", d.data_quality, result=FETCH, says="checking data quality"),
        # everyone's facts and groups stay on the engine; what is fetched is small or an output
        node("segmented", d.segment_query, result=CACHE, says="segmenting the population"),
        node("cube_cells", o.cube_cells, result=CACHE, says="building the cube"),
        node("population_cube", o.cube_of_cells, result=OUTPUT),
        node("counted", o.counted, result=FETCH),
        node("counts", o.counts, on=H),
        node(
            "patient_evidence",
            run_prepared,
            ("evidence_query",),
            result=OUTPUT,
            says="collecting the evidence",
        ),
        # scored, ranked and listed by the engine once the model is fitted
        node("scored", s.scored, result=CACHE, says="scoring and building worklists"),
        node("listed", o.worklists, result=CACHE),  # kept on the engine: written, and counted
        node("worklists", run_prepared, ("listed",), result=OUTPUT),
        node("worklist_sizes", o.worklist_sizes, ("listed",), result=FETCH),
        node("patient_insights", o.patient_insights, result=OUTPUT, says="building insights"),
        node("risk_model", o.risk_model),
        node("run_summary", o.run_summary),
        node("analytics_run", o.analytics_run),
    ),
)
