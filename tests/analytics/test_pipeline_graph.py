"""The derivation graph is data a scheduler runs: checked for mistakes, run with overlap, timed."""

from __future__ import annotations

import threading

import pytest

from nhc.analytics.pipeline import PIPELINE, Graph, GraphError, evaluate, schedule
from nhc.analytics.pipeline.graph import On, Result, node


class FakeEngine:
    """Stands in for an engine: the graphs here hold Python values only."""

    def compile(self, expr):
        return ("compiled", expr)

    def fetch(self, compiled):
        return ("fetched", compiled)


def _add(a, b):
    return a + b


def _double(total):
    return 2 * total


def test_a_node_reads_its_parameters_by_name_or_the_inputs_given():
    g = Graph(("a", "b"), (node("total", _add), node("twice", _double, ("total",))))
    assert g["total"].inputs == ("a", "b")
    out = schedule(g, {"a": 2, "b": 3}, FakeEngine(), table_name=str)
    assert out.values["total"] == 5 and out.values["twice"] == 10
    assert set(out.timings) == {"total", "twice"}
    assert all(s >= 0 for s in out.timings.values())


def test_names_must_be_unique_and_inputs_listed_before():
    with pytest.raises(GraphError, match="'total' is named twice"):
        Graph(("a", "b"), (node("total", _add), node("total", _add)))
    with pytest.raises(GraphError, match="'twice' reads 'total', which is not listed before it"):
        Graph(("a", "b"), (node("twice", _double, ("total",)), node("total", _add)))


def test_the_pipeline_graph_is_well_formed():
    assert PIPELINE.given == ("sources", "as_of", "clusters")
    assert {"patient_insights", "patient_evidence", "population_cube", "worklists", "risk_model"} <= set(
        PIPELINE.names
    )
    PIPELINE.check()


def test_helper_work_runs_while_the_main_thread_works():
    """The main node waits for an event only the helper node sets: it finishes only with overlap."""
    started = threading.Event()

    def helper_side(a):
        started.set()
        return threading.current_thread().name

    def main_side(b):
        assert started.wait(timeout=10), "the helper node did not run beside the main one"
        return threading.current_thread().name

    g = Graph(
        ("a", "b"),
        (
            node("beside", helper_side, on=On.HELPER),
            node("here", main_side),
            node("both", _add, ("beside", "here")),
        ),
    )
    out = schedule(g, {"a": 1, "b": 2}, FakeEngine(), table_name=str)
    assert out.values["beside"] != out.values["here"] == threading.current_thread().name


def test_a_helper_failure_is_raised_where_its_value_is_needed():
    def broken(a):
        raise ValueError("no good")

    g = Graph(("a",), (node("h", broken, on=On.HELPER), node("m", _double, ("h",))))
    with pytest.raises(ValueError, match="no good"):
        schedule(g, {"a": 1}, FakeEngine(), table_name=str)


def test_fetch_and_query_nodes_go_through_the_engine():
    g = Graph(
        ("a",),
        (
            node("q", _double, ("a",), on=On.HELPER, result=Result.QUERY),
            node("rows", lambda q: q, ("q",), result=Result.FETCH),
        ),
    )
    out = schedule(g, {"a": 4}, FakeEngine(), table_name=str)
    assert out.values["rows"] == ("fetched", ("compiled", 8))


def test_evaluate_builds_expressions_only_and_takes_overrides():
    g = Graph(("a", "b"), (node("total", _add), node("twice", _double, ("total",))))
    assert evaluate(g, {"a": 1, "b": 2}, ["twice"]) == {"twice": 6}
    assert evaluate(g, {"a": 1, "b": 2, "total": 10}, ["twice"]) == {"twice": 20}
    fetching = Graph(("a",), (node("rows", _double, ("a",), result=Result.FETCH),))
    with pytest.raises(GraphError, match="'rows' runs a query"):
        evaluate(fetching, {"a": 1}, ["rows"])
