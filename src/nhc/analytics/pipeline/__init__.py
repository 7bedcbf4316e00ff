"""The analytics pipeline: a pure derivation graph, a scheduler that overlaps work, and the run.

* :mod:`.derivations`, :mod:`.scoring`, :mod:`.outputs` -- the derivations: pure functions over
  Ibis tables and Arrow, each named after what it derives, its parameters after what it reads.
* :mod:`.graph` -- :data:`~.graph.PIPELINE`, the derivations wired by name (data, no I/O).
* :mod:`.scheduler` -- runs a graph on an engine, helper work overlapping the engine's queries.
* :mod:`.run` -- :func:`run`: read the lake, schedule the graph, publish the insight tables.
"""

from __future__ import annotations

from nhc.analytics.pipeline.derivations import (
    INSIGHT_COLUMNS,
    SOURCE_TABLES,
    Inputs,
    clusters_read,
    data_quality,
    evidence,
    marker_table,
    population_at,
    training_population,
)
from nhc.analytics.pipeline.graph import PIPELINE, Derivation, Graph, GraphError
from nhc.analytics.pipeline.outputs import EFI_PRIOR_65, population_counts, summarise
from nhc.analytics.pipeline.run import (
    DEFAULT_AS_OF,
    OUTPUT_TABLES,
    Derived,
    Progress,
    RunResult,
    derive,
    load_inputs,
    run,
)
from nhc.analytics.pipeline.scheduler import Outcome, evaluate, schedule
from nhc.analytics.pipeline.scoring import risk_training, score_in_order

__all__ = [
    "DEFAULT_AS_OF",
    "EFI_PRIOR_65",
    "INSIGHT_COLUMNS",
    "OUTPUT_TABLES",
    "PIPELINE",
    "SOURCE_TABLES",
    "Derivation",
    "Derived",
    "Graph",
    "GraphError",
    "Inputs",
    "Outcome",
    "Progress",
    "RunResult",
    "clusters_read",
    "data_quality",
    "derive",
    "evaluate",
    "evidence",
    "load_inputs",
    "marker_table",
    "population_at",
    "population_counts",
    "risk_training",
    "run",
    "schedule",
    "score_in_order",
    "summarise",
    "training_population",
]
