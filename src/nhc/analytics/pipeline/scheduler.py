"""Run a derivation graph on an engine, overlapping the helper's work with the engine's queries.

The main thread runs the main nodes in the graph's order (the engine's main connection runs one
query at a time); one helper thread runs the helper nodes, each started in the graph's order as soon
as what it reads is done (main nodes) or started (helper nodes, which finish first on the one
thread). Each task returns its value with the seconds it took; nothing is shared between the
threads but those results, so the data flow is the graph's and nothing else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nhc.analytics.pipeline.graph import Derivation, Graph, GraphError, On, Result

if TYPE_CHECKING:
    from nhc.lake.engine import Engine


@dataclass(frozen=True)
class Done:
    """What one node gave, and the seconds it took on its thread."""

    value: Any
    seconds: float


@dataclass(frozen=True)
class Outcome:
    """Every node's value (and the given ones) and each node's seconds."""

    values: Mapping[str, Any]
    timings: Mapping[str, float]


def schedule(
    graph: Graph,
    given: Mapping[str, Any],
    engine: Engine,
    *,
    table_name: Callable[[str], str],
    say: Callable[[str], None] | None = None,
) -> Outcome:
    """Run every node of ``graph`` on ``engine``; ``given`` supplies the graph's given names.

    ``table_name(node)`` names a table a ``CACHE`` node makes on the engine (the caller drops them).
    ``say(message)`` is called as a main node with a progress message starts. A node's error is
    raised here: at once for main nodes, when first needed (or at the end) for helper nodes.
    """
    missing = [g for g in graph.given if g not in given]
    if missing:
        raise GraphError(f"the graph needs {missing[0]!r}")
    helpers = [n for n in graph.nodes if n.on is On.HELPER]
    done: dict[str, Done] = {}
    pending: dict[str, Future[Done]] = {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nhc-pipeline-helper")
    try:
        started = 0
        for n in graph.nodes:
            if n.on is On.HELPER:
                continue
            started = _start_ready(pool, helpers, started, given, done, pending, engine, table_name)
            args = {i: _value(i, given, done, pending) for i in n.inputs}
            if n.says and say is not None:
                say(n.says)
            done[n.name] = _timed(_on_main, engine, n, args, table_name)
        _start_ready(pool, helpers, started, given, done, pending, engine, table_name)
        for name, future in pending.items():
            done.setdefault(name, future.result())
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    values = {**given, **{name: d.value for name, d in done.items()}}
    return Outcome(values, {name: round(d.seconds, 3) for name, d in done.items()})


def evaluate(
    graph: Graph,
    given: Mapping[str, Any],
    targets: Iterable[str],
    *,
    cache: bool | Callable[[str, Any], Any] = False,
) -> dict[str, Any]:
    """The values of ``targets`` as expressions, on this thread, without running a query.

    ``given`` may also name nodes (their values then replace the derivations). ``CACHE`` nodes are
    cached with Ibis when ``cache`` is true, or replaced by ``cache(node name, expression)`` when it
    is a function; a target that needs a ``FETCH`` or ``QUERY`` node is an error.
    """
    values = dict(given)
    overrides = {k: v for k, v in given.items() if k not in graph.given}
    for n in graph.without(overrides).needed_for(targets):
        if n.result in (Result.FETCH, Result.QUERY, Result.OUTPUT):
            raise GraphError(f"node {n.name!r} runs a query: evaluate it with schedule()")
        value = n.apply(values)
        if n.result is Result.CACHE and callable(cache):
            value = cache(n.name, value)
        elif n.result is Result.CACHE and cache:
            value = value.cache()
        values[n.name] = value
    return {t: values[t] for t in targets}


def _value(name: str, given: Mapping[str, Any], done: dict[str, Done], pending: dict) -> Any:
    if name in given:
        return given[name]
    if name not in done:
        done[name] = pending[name].result()  # a helper node: wait for it
    return done[name].value


def _start_ready(
    pool: ThreadPoolExecutor,
    helpers: list[Derivation],
    started: int,
    given: Mapping[str, Any],
    done: Mapping[str, Done],
    pending: dict[str, Future[Done]],
    engine: Engine,
    table_name: Callable[[str], str],
) -> int:
    """Start helper nodes in order while what they read is done or started; return how many are."""
    while started < len(helpers):
        n = helpers[started]
        if not all(i in given or i in done or i in pending for i in n.inputs):
            break
        # values known now, or the futures of helper nodes ahead of it on the one helper thread
        args = {i: given[i] if i in given else done[i].value if i in done else pending[i] for i in n.inputs}
        pending[n.name] = pool.submit(_timed, _on_helper, engine, n, args, table_name)
        started += 1
    return started


def _timed(step: Callable[..., Any], *args: Any) -> Done:
    t = time.perf_counter()
    value = step(*args)
    return Done(value, time.perf_counter() - t)


def _on_main(engine: Engine, n: Derivation, args: Mapping[str, Any], table_name: Callable[[str], str]) -> Any:
    value = n.apply(args)
    if n.result is Result.CACHE:
        return engine.cache(value, table_name(n.name))
    if n.result is Result.FETCH:
        return engine.fetch(value)
    if n.result is Result.QUERY:
        return engine.compile(value)
    if n.result is Result.OUTPUT:
        return engine.output(value)
    return value


def _on_helper(
    engine: Engine, n: Derivation, args: Mapping[str, Any], table_name: Callable[[str], str]
) -> Any:
    resolved = {k: v.result().value if isinstance(v, Future) else v for k, v in args.items()}
    value = n.apply(resolved)
    if n.result is Result.CACHE:
        return engine.cache_beside(value, table_name(n.name))
    if n.result is Result.FETCH:
        return engine.fetch_beside(value)
    if n.result is Result.QUERY:
        return engine.compile(value)
    return value
