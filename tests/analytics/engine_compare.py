"""Comparing insight tables from two runs: same columns, same rows (sorted), floats to a tolerance."""

from __future__ import annotations

import math

import pyarrow as pa

from nhc.lake.tables import table_schema


def canonical(name: str, table: pa.Table) -> list[tuple]:
    """``table``'s rows as tuples in the schema's column order, sorted (engines return any order)."""
    columns = table_schema(name).column_names
    assert table.column_names == columns or sorted(table.column_names) == sorted(columns), (
        f"{name}: columns {table.column_names} are not the schema's {columns}"
    )
    rows = zip(*(table.column(c).to_pylist() for c in columns), strict=True)
    return sorted(rows, key=lambda row: tuple((v is None, repr(v)) for v in row))


def same_value(a: object, b: object, rel: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=rel, abs_tol=rel)
    return a == b


def differences(name: str, left: pa.Table, right: pa.Table, rel: float = 0.0) -> list[str]:
    """What differs between two versions of insight table ``name`` (empty when they agree).

    Rows are compared after sorting; ``rel`` > 0 lets floats differ by that relative tolerance
    (sums in another order); 0 asks for exactly the same values.
    """
    a, b = canonical(name, left), canonical(name, right)
    if len(a) != len(b):
        return [f"{name}: {len(a)} rows against {len(b)}"]
    out = []
    for ra, rb in zip(a, b, strict=True):
        if not all(same_value(x, y, rel) for x, y in zip(ra, rb, strict=True)):
            out.append(f"{name}: {ra} != {rb}")
    return out[:5]
