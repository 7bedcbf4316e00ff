"""Prepared SQL: a refresh's queries compiled once, kept with the refresh state, run each night.

Why. A nightly refresh recomputes a few thousand people and rebuilds the population-wide tables.
On DuckDB about half of that time was Ibis building the pipeline's expressions and compiling them
to SQL: a few hundredths of a second a query, whatever the number of rows. The queries are the same
every night; only the tables they read are new (that night's rows, loaded under names unique to the
run). So a refresh compiles them once (:class:`Preparer`), the refresh state keeps the SQL
(:mod:`.refresh_state`), and later refreshes run it (:meth:`Prepared.run`) with the names of that
night's tables put in.

When it is used. A :class:`Prepared` carries a ``key``: a digest of everything its SQL depends on
besides the tables' names (:func:`key_of`): NHC's own code, the Ibis, SQLGlot and DuckDB versions,
the facts the caller names (the as-of date, the risk model) and the schema of every table it reads.
A refresh whose key differs compiles again. Only an engine that says it runs prepared SQL
(``Engine.prepares_sql``: DuckDB, in this process) uses it; on Spark the compile is a small share
of a refresh, and the expressions are built each time.

What it refuses. SQL that reads a table it was not told about (an in-memory table Ibis registers
under a name of its own, say) could not be run by a later process: :meth:`Preparer.prepared` then
returns None and the refresh builds the expressions as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import sqlglot

import nhc

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa

    from nhc.lake.engine import Engine

#: The prefix of the tables a prepared program makes (temporary, dropped when it has run).
MADE = "nhc_prepared_"
#: ``build(cache)``: the queries of a program by name (``cache(name, expr)`` marks a block they read)
Build = Callable[[Callable[[str, "ir.Table"], "ir.Table"]], Mapping[str, "ir.Table"]]
#: ``each(name, value)``: told of each fetched value as soon as it is fetched
Fetched = Callable[[str, "pa.Table"], None]


@dataclass(frozen=True)
class Step:
    """One statement: make table ``name`` from ``sql`` (``schema`` None), or fetch ``sql``'s rows
    as the value ``name`` (``schema``: the Ibis types of its columns, as text)."""

    name: str
    sql: str
    schema: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Prepared:
    """Statements compiled for tables read by the names in ``reads`` (role -> name)."""

    key: str
    reads: Mapping[str, str]
    steps: tuple[Step, ...]

    def run(
        self, engine: Engine, reads: Mapping[str, str], each: Fetched | None = None
    ) -> dict[str, pa.Table]:
        """Run the steps on ``engine`` with the tables of each role now named as in ``reads``;
        return the fetched values by name (each also given to ``each(name, value)`` as it is
        fetched). The tables it makes are dropped, whatever happens."""
        if set(reads) != set(self.reads):
            raise ValueError(f"prepared SQL reads {sorted(self.reads)}, given {sorted(reads)}")
        renamed = {f'"{self.reads[role]}"': f'"{reads[role]}"' for role in reads}
        pattern = re.compile("|".join(re.escape(old) for old in renamed))
        made: list[str] = []
        fetched = {}
        try:
            for step in self.steps:
                sql = pattern.sub(lambda m: renamed[m.group(0)], step.sql) if renamed else step.sql
                if step.schema is None:
                    made.append(step.name)
                    engine.make_table(step.name, sql)
                else:
                    fetched[step.name] = engine.fetch_sql(sql, ibis.schema(dict(step.schema)))
                    if each is not None:
                        each(step.name, fetched[step.name])
        finally:
            for name in made:
                engine.drop_made(name)
        return fetched

    def as_dict(self) -> dict[str, Any]:
        steps = [{"name": s.name, "sql": s.sql, "schema": s.schema} for s in self.steps]
        return {"key": self.key, "reads": dict(self.reads), "steps": steps}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Prepared:
        steps = tuple(Step(s["name"], s["sql"], s["schema"]) for s in data["steps"])
        return cls(data["key"], dict(data["reads"]), steps)


class Preparer:
    """Records a program's steps while its expressions are built: :meth:`made` for a block the
    later queries read (a stand-in table is returned), :meth:`fetched` for a value wanted."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._steps: list[Step] = []
        self._read: set[str | None] = set()  # the tables the steps read by name (None: unnamed)

    def made(self, name: str, expr: ir.Table) -> ir.Table:
        table = f"{MADE}{name}"
        self._steps.append(Step(table, self._sql(expr)))
        return self._engine.placeholder(table, expr.schema())

    def fetched(self, name: str, expr: ir.Table) -> None:
        schema = {column: str(dtype) for column, dtype in expr.schema().items()}
        self._steps.append(Step(name, self._sql(expr), schema))

    def _sql(self, expr: ir.Table) -> str:
        self._read |= _tables_read(expr)
        return self._engine.sql_of(expr)

    def prepared(self, key: str, reads: Mapping[str, str]) -> Prepared | None:
        """The program, or None when a step reads a table neither in ``reads`` nor made by it."""
        known = set(reads.values()) | {s.name for s in self._steps if s.schema is None}
        if not self._read <= known:
            return None
        return Prepared(key, dict(reads), tuple(self._steps))


def _tables_read(expr: ir.Table) -> set[str | None]:
    """The tables ``expr`` reads by name; None stands for any it reads otherwise (a table held in
    Python, which Ibis registers under a name of its own; a query given as SQL text)."""
    import ibis.expr.operations as ops

    leaves = expr.op().find((ops.PhysicalTable, ops.SQLQueryResult, ops.SQLStringView))
    return {op.name if isinstance(op, ops.DatabaseTable) else None for op in leaves}


def names_read(tables: Mapping[str, ir.Table]) -> dict[str, str] | None:
    """Each role's table name (``tables``: role -> a table the engine holds by name), or None when
    one is not a named table (an expression: its SQL would hold its whole query)."""
    import ibis.expr.operations as ops

    names = {}
    for role, table in tables.items():
        op = table.op()
        if not isinstance(op, ops.DatabaseTable):
            return None
        names[role] = op.name
    return names


def key_of(tables: Mapping[str, ir.Table], **facts: Any) -> str:
    """A digest of what prepared SQL depends on besides table names: this code, the libraries that
    compile and run it, ``facts`` (as JSON, ``str`` for what JSON cannot hold) and each role's
    schema."""
    schemas = {role: {c: str(t) for c, t in table.schema().items()} for role, table in sorted(tables.items())}
    text = json.dumps(
        {"code": _code_version(), "facts": facts, "schemas": schemas}, sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


@cache
def _code_version() -> str:
    """A digest of NHC's source files (each one's path, size and time of change: reading them all
    would take a tenth of a second) and the versions of Ibis, SQLGlot and DuckDB: any change to them
    may change the SQL, and a release number would miss a change made without a release."""
    import duckdb

    digest = hashlib.sha256(f"{ibis.__version__} {sqlglot.__version__} {duckdb.__version__}".encode())
    package = Path(nhc.__file__).parent
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def prepare(engine: Engine, tables: Mapping[str, ir.Table], build: Build, **facts: Any) -> Prepared | None:
    """The queries ``build(cache)`` returns (name -> expression over ``tables``, role -> table;
    ``cache(name, expr)`` stands for a block the later queries read), compiled for ``engine``
    without running them; None when the engine runs no prepared SQL or they cannot be prepared."""
    reads = names_read(tables) if engine.prepares_sql else None
    if reads is None:
        return None
    preparer = Preparer(engine)
    for name, query in build(preparer.made).items():
        preparer.fetched(name, query)
    return preparer.prepared(key_of(tables, **facts), reads)


def fetch_all(
    engine: Engine,
    tables: Mapping[str, ir.Table],
    build: Build,
    program: Prepared | None,
    each: Fetched | None = None,
    **facts: Any,
) -> tuple[dict[str, pa.Table], Prepared | None]:
    """The values of the queries ``build`` returns (see :func:`prepare`), as Arrow (each also given
    to ``each(name, value)`` as soon as it is fetched); and the program that ran them, for the
    next time.

    ``program`` is run when its key is this one's (:func:`key_of` of ``tables`` and ``facts``);
    otherwise the queries are compiled into a new one. On an engine that does not prepare SQL, or
    when they cannot be prepared, the expressions are run (blocks cached by Ibis) and no program is
    returned.
    """
    reads = names_read(tables) if engine.prepares_sql else None
    if reads is not None and (program is None or program.key != key_of(tables, **facts)):
        program = prepare(engine, tables, build, **facts)
    if reads is not None and program is not None:
        return program.run(engine, reads, each), program
    fetched = {}
    for name, query in build(lambda _name, expr: expr.cache()).items():
        fetched[name] = engine.to_arrow(query)
        if each is not None:
            each(name, fetched[name])
    return fetched, None
