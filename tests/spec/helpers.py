"""Helpers for spec tests: tiny input tables from rows, expected tables compared as sorted rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from nhc.lake.tables import TABLES

AS_OF = dt.date(2026, 3, 31)

CODELIST_SCHEMA = pa.schema(
    [
        ("code", pa.string()),
        ("cluster", pa.string()),
        ("term", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
    ]
)


# Values of lake columns a spec does not give (a nullable column not here is null).
DEFAULTS: dict[str, Any] = {
    "nhs_number": "9990000000",
    "given_name": "A",
    "family_name": "B",
    "ethnicity": "White",
    "small_area_code": "SA1",
    "address_line": "1 Road",
    "postcode": "OX1 1AA",
    "sex": "F",
    "provider_code": "P1",
    "care_home_code": "CH1",
    "place_of_death": "home",
    "name": "x",
    "latitude": 51.7,
    "longitude": -1.2,
    "list_size": 1000,
    "encounter_id": None,
}


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows for lake table ``name`` (missing nullable columns become null; a few get defaults)."""
    schema = TABLES[name].arrow
    cols = {}
    for f in schema:
        vals = []
        for i, r in enumerate(rows):
            v = r.get(f.name, DEFAULTS.get(f.name))
            if f.name == "encounter_id" and v is None:
                v = i + 1
            vals.append(v)
        cols[f.name] = pa.array(vals, type=f.type)
    return pa.table(cols, schema=schema)


def codelists(mapping: dict[str, list[str]]) -> pa.Table:
    """A codelist table from {cluster: [codes]}."""
    rows = [(code, cluster) for cluster, codes in mapping.items() for code in codes]
    return pa.table(
        {
            "code": [r[0] for r in rows],
            "cluster": [r[1] for r in rows],
            "term": ["t"] * len(rows),
            "source": ["spec"] * len(rows),
            "kind": ["spec"] * len(rows),
        },
        schema=CODELIST_SCHEMA,
    )


def load(engine, name: str, table: pa.Table):
    """``table`` as an Ibis in-memory table; it is registered on ``engine`` when a query runs.

    (``Engine.from_arrow`` on Spark goes through pandas, which types an all-null column as VOID, and
    writes a managed table, which is slow; a memtable keeps the Arrow types and is quick.)
    """
    import ibis

    del engine, name
    return ibis.memtable(table)


def rows(engine, expr, columns: list[str] | None = None, sort: list[str] | None = None) -> list[dict]:
    """Run ``expr`` and return its rows as dicts, sorted (engines do not promise an order)."""
    t = engine.to_arrow(expr)
    if columns:
        t = t.select(columns)
    out = t.to_pylist()
    keys = sort or list(t.column_names)
    return sorted(out, key=lambda r: tuple((v is None, str(v)) for v in (r[k] for k in keys)))


class World:
    """A small synthetic lake built from rows, on one engine."""

    def __init__(self, engine, **tables: list[dict[str, Any]]) -> None:
        self.engine = engine
        self.arrow = {
            n: arrow(n, tables.get(n, []))
            for n in (
                "patients",
                "practice_registrations",
                "clinical_events",
                "medications",
                "encounters",
                "care_home_residence",
                "deaths",
                "small_areas",
                "practices",
                "care_records",
            )
        }
        if not tables.get("small_areas"):
            self.arrow["small_areas"] = arrow(
                "small_areas",
                [
                    {
                        "small_area_code": "SA1",
                        "locality": "Oxford City",
                        "neighbourhood": "N1",
                        "imd_decile": 3,
                    }
                ],
            )
        if not tables.get("practices"):
            self.arrow["practices"] = arrow(
                "practices", [{"practice_code": "P1", "locality": "Oxford City", "neighbourhood": "N1"}]
            )
        self.tables = {n: load(engine, n, t) for n, t in self.arrow.items()}

    def __getitem__(self, name: str):
        return self.tables[name]


def person(pid: int, dob: str, sex: str = "F", practice: str = "P1", **kw) -> tuple[dict, dict]:
    """A patient row and a current registration row."""
    return (
        {"patient_id": pid, "date_of_birth": d(dob), "sex": sex, **kw},
        {"patient_id": pid, "practice_code": practice, "start_date": d("2000-01-01"), "end_date": None},
    )
