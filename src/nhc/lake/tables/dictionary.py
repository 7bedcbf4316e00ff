"""The data dictionary: every lake table and column, rendered as Markdown from :mod:`nhc.lake.tables`."""

from __future__ import annotations

import os
from pathlib import Path

from nhc.lake.tables import TABLES

HEADER = """# Data dictionary

Generated from `src/nhc/lake/tables/` by `nhc lake dictionary`; do not edit by hand.

Each table is a folder of Parquet files under `<data>/lake/<table>/`. Dates are plain dates.
A column marked *required* never holds an empty value; writers reject tables that break that.

After a nightly refresh (`nhc run --incremental`), `patient_insights` and `patient_evidence` may
also hold a `_delta/` folder: the people recomputed since the table was last written whole
(`replaced.parquet`) and their rows now (`rows.parquet`). The table is its Parquet files without
those people's rows, plus the delta's rows; NHC's own readers and `nhc lake export-delta` read it
so. A tool that reads only `<table>/*.parquet` sees the table as it was when last written whole;
`nhc lake compact` (at a quiet time) writes both whole again, with no delta.
"""


def render_dictionary() -> str:
    parts = [HEADER]
    for table in TABLES.values():
        parts.append(f"\n## `{table.name}`\n\n{table.description}\n")
        if table.key:
            parts.append(f"\nKey: {', '.join(f'`{k}`' for k in table.key)}\n")
        parts.append("\n| column | type | required | description |\n|---|---|---|---|\n")
        for col in table.columns:
            allowed = f" One of: {', '.join(f'`{a}`' for a in col.allowed)}." if col.allowed else ""
            required = "no" if col.nullable else "yes"
            parts.append(f"| `{col.name}` | {col.type} | {required} | {col.description}{allowed} |\n")
    return "".join(parts)


def write_dictionary(path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_dictionary())
    os.replace(tmp, path)
    return path
