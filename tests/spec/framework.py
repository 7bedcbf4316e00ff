"""The shape of a spec (the OpenSAFELY ehrQL idea): given tiny input tables, a call, an expected table.

A spec test is a function of one argument, ``spec``, with a docstring whose first line is its title::

    def test_a_death_on_as_of_excludes(spec):
        \"\"\"A death on or before as-of takes a person out of the population.\"\"\"
        spec(
            given={"patients": [...], "deaths": [...]},
            call=lambda t: population.population(t.patients, ..., AS_OF),
            expect=[{"patient_id": 1}],
        )

Under pytest, ``spec`` (the fixture in ``conftest.py``) builds the inputs on each engine (DuckDB,
Spark), runs the call and compares the result with ``expect`` as a set of rows (engines promise no
order; floats compared approximately). The docs generator (``scripts/spec_docs.py``) calls the same
function with a recorder instead, so the documentation shows exactly what the test checks.

Inputs: a lake table's rows (``nhc.lake.tables.TABLES``; columns not given take the defaults of
:func:`helpers.arrow`, and every lake table not given is empty, apart from one small area ``SA1`` and
one practice ``P1``), ``facts`` rows (:func:`facts_rows.facts_table`), other rows (typed by their
values: int64, float64, string, date, bool) or any ``pyarrow.Table``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pytest

from nhc.lake.tables import TABLES

from .facts_rows import facts_table
from .helpers import World, load, rows

Rows = list[dict[str, Any]]
Given = Mapping[str, "Rows | pa.Table"]


class Inputs:
    """The input tables of one spec on one engine: ``t.patients`` or ``t["patients"]``."""

    def __init__(self, engine, given: Given) -> None:
        lake = {n: r for n, r in given.items() if n in TABLES and not isinstance(r, pa.Table)}
        world = World(engine, **lake)
        self._tables = dict(world.tables)
        for name, value in given.items():
            if name in lake:
                continue
            table = value if isinstance(value, pa.Table) else _build(name, value)
            self._tables[name] = load(engine, name, table)

    def __getitem__(self, name: str):
        return self._tables[name]

    def __getattr__(self, name: str):
        try:
            return self._tables[name]
        except KeyError:
            raise AttributeError(name) from None


def _build(name: str, value: Rows) -> pa.Table:
    # facts rows take the defaults of facts_rows.BASE; other rows their values' own Arrow types
    return facts_table(value) if name == "facts" else pa.Table.from_pylist(value)


@dataclass(frozen=True)
class Example:
    """One spec: what goes in, what is called, what must come out."""

    given: Given
    call: Callable[[Inputs], Any]
    expect: Rows
    columns: tuple[str, ...] = field(default=())

    def output_columns(self) -> list[str]:
        """The columns compared: those named, else the keys of the expected rows (in order)."""
        if self.columns:
            return list(self.columns)
        cols: list[str] = []
        for r in self.expect:
            cols += [k for k in r if k not in cols]
        if not cols:
            raise ValueError("an empty expected table needs columns=")
        return cols

    def run(self, engine) -> Rows:
        """The call's output on ``engine``: the compared columns of every row, sorted."""
        return rows(engine, self.call(Inputs(engine, self.given)), self.output_columns())

    def check(self, engine) -> None:
        cols = self.output_columns()
        for r in self.expect:
            assert list(r) == cols, f"every expected row names the same columns: {r}"
        got = self.run(engine)
        want = sorted(self.expect, key=_sort_key(cols))
        same = len(got) == len(want) and all(g == pytest.approx(w) for g, w in zip(got, want, strict=True))
        if not same:
            assert got == want


def _sort_key(cols: Sequence[str]):
    # the order helpers.rows sorts the engine's output in
    return lambda r: tuple((r[k] is None, str(r[k])) for k in cols)


def checker(engine) -> Callable[..., None]:
    """The ``spec`` callable pytest gives a spec test: run the example on ``engine`` and compare."""

    def spec(*, given: Given, call: Callable, expect: Rows, columns: Sequence[str] = ()) -> None:
        Example(given, call, expect, tuple(columns)).check(engine)

    return spec


class Recorder:
    """The ``spec`` callable the docs generator gives a spec test: it keeps the examples, runs nothing."""

    def __init__(self) -> None:
        self.examples: list[Example] = []

    def __call__(self, *, given: Given, call: Callable, expect: Rows, columns: Sequence[str] = ()) -> None:
        self.examples.append(Example(given, call, expect, tuple(columns)))
