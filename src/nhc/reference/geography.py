"""The reference geography of (synthetic) Oxfordshire: localities, neighbourhoods, practices, small areas.

Contract
--------
Loads the committed CSVs in ``nhc/reference/data/geography/`` (made once by
``scripts/build_geography.py``; nothing is generated at run time). Lines starting with ``#`` are
provenance comments and are skipped. Every loader validates its file and raises
:class:`~nhc.errors.InputError` naming the file, the 1-based line and the field of the first bad value.
Results are cached (Arrow tables are immutable, so sharing them is safe).

* :func:`practices` -- the lake's ``practices`` columns (:data:`nhc.lake.tables.PRACTICES`).
* :func:`small_areas` -- the lake's ``small_areas`` columns plus ``population`` (int64).
* :func:`neighbourhoods` -- one row per neighbourhood: ``neighbourhood, locality, practices, list_size``.

Each loader takes an optional ``root`` folder holding files of the same names (used by the tests).
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from nhc.errors import InputError, NhcError
from nhc.lake.tables import PRACTICES, SMALL_AREAS

DATA_DIR = Path(__file__).resolve().parent / "data" / "geography"

#: The six localities of Oxfordshire (the former OCCG's), in their conventional order.
LOCALITIES: tuple[str, ...] = ("North", "North East", "Oxford City", "South East", "South West", "West")

PRACTICES_SCHEMA: pa.Schema = PRACTICES.arrow
SMALL_AREAS_SCHEMA: pa.Schema = SMALL_AREAS.arrow.append(pa.field("population", pa.int64(), nullable=False))
NEIGHBOURHOODS_SCHEMA = pa.schema(
    [
        pa.field("neighbourhood", pa.string(), nullable=False),
        pa.field("locality", pa.string(), nullable=False),
        pa.field("practices", pa.int64(), nullable=False),
        pa.field("list_size", pa.int64(), nullable=False),
    ]
)

# ODS practice codes are a letter and five digits (e.g. K84001); ours are synthetic but keep that shape.
_PRACTICE_CODE = re.compile(r"[A-Z]\d{5}")
_LOCALITY_KEYS = {re.sub(r"[\s_-]+", " ", loc).lower(): loc for loc in LOCALITIES}


def check_locality(name: str) -> str:
    """The canonical spelling of locality ``name`` (case, ``-``/``_`` and spacing are forgiven).

    Raises :class:`~nhc.errors.NhcError` ``unknown locality 'Xyz'`` listing the known ones.
    """
    key = re.sub(r"[\s_-]+", " ", str(name)).strip().lower()
    try:
        return _LOCALITY_KEYS[key]
    except KeyError:
        raise NhcError(
            f"unknown locality {name!r}", hint=f"known localities: {', '.join(LOCALITIES)}"
        ) from None


# --- reading and checking cells -------------------------------------------------------------------------


class _Row:
    """One CSV row with its file and line, so that every check can say where it failed."""

    def __init__(self, path: Path, line: int, values: dict[str, str]) -> None:
        self.path, self.line, self.values = path, line, values

    def error(self, field: str, message: str) -> InputError:
        return InputError(message, file=str(self.path), line=self.line, field=field)

    def text(self, field: str) -> str:
        value = self.values[field].strip()
        if not value:
            raise self.error(field, "empty value")
        return value

    def integer(self, field: str, low: int, high: int | None = None) -> int:
        value = self.text(field)
        try:
            number = int(value)
        except ValueError:
            raise self.error(field, f"not a whole number: {value!r}") from None
        if number < low or (high is not None and number > high):
            bounds = f"{low} to {high}" if high is not None else f"at least {low}"
            raise self.error(field, f"{number} is out of range ({bounds})")
        return number

    def number(self, field: str, low: float, high: float) -> float:
        value = self.text(field)
        try:
            number = float(value)
        except ValueError:
            raise self.error(field, f"not a number: {value!r}") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise self.error(field, f"{number} is out of range ({low} to {high})")
        return number

    def locality(self, field: str = "locality") -> str:
        value = self.text(field)
        if value not in LOCALITIES:
            raise self.error(field, f"unknown locality {value!r} (known: {', '.join(LOCALITIES)})")
        return value


def _rows(path: Path, columns: list[str]) -> Iterator[_Row]:
    """The data rows of a geography CSV, after its ``#`` comments and a header that must be ``columns``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NhcError(f"reference file missing: {path}", hint="reinstall nhc or restore the file") from None
    # Parse line by line (our files have no quoted line breaks) so that line numbers are the file's own.
    header: list[str] | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = next(csv.reader([line]))
        if header is None:
            header = [c.strip() for c in cells]
            if header != columns:
                missing = [c for c in columns if c not in header]
                raise InputError(
                    f"header must be {','.join(columns)}",
                    file=str(path),
                    line=lineno,
                    field=missing[0] if missing else "header",
                )
            continue
        if len(cells) != len(header):
            raise InputError(
                f"expected {len(header)} values, found {len(cells)}",
                file=str(path),
                line=lineno,
                field=header[min(len(cells), len(header) - 1)],
            )
        yield _Row(path, lineno, dict(zip(header, cells, strict=True)))
    if header is None:
        raise InputError("no header line", file=str(path), line=1, field="header")


def _table(records: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_arrays(
        [pa.array([r[f.name] for r in records], f.type) for f in schema], schema=schema
    )


def _unique(row: _Row, field: str, value: str, seen: set[str]) -> None:
    if value in seen:
        raise row.error(field, f"duplicate {field} {value!r}")
    seen.add(value)


# UK bounding box: catches swapped or mistyped coordinates without pretending to know the county border.
_LAT, _LON = (49.0, 61.0), (-9.0, 2.5)


# --- loaders -------------------------------------------------------------------------------------------


def _root(root: Path | None) -> Path:
    return DATA_DIR if root is None else Path(root).resolve()


@functools.cache
def _practices(root: Path) -> pa.Table:
    path = root / "practices.csv"
    records: list[dict[str, Any]] = []
    codes: set[str] = set()
    home: dict[str, str] = {}  # neighbourhood -> locality: a neighbourhood lies in one locality
    for row in _rows(path, PRACTICES_SCHEMA.names):
        code = row.text("practice_code")
        if not _PRACTICE_CODE.fullmatch(code):
            raise row.error(
                "practice_code", f"{code!r} is not an ODS-style practice code (letter + 5 digits)"
            )
        _unique(row, "practice_code", code, codes)
        locality, neighbourhood = row.locality(), row.text("neighbourhood")
        if home.setdefault(neighbourhood, locality) != locality:
            raise row.error(
                "locality",
                f"neighbourhood {neighbourhood!r} is in {home[neighbourhood]!r} on an earlier line",
            )
        records.append(
            {
                "practice_code": code,
                "name": row.text("name"),
                "locality": locality,
                "neighbourhood": neighbourhood,
                "list_size": row.integer("list_size", 1),
                "latitude": row.number("latitude", *_LAT),
                "longitude": row.number("longitude", *_LON),
            }
        )
    if not records:
        raise InputError("no practices", file=str(path), field="practice_code")
    return _table(records, PRACTICES_SCHEMA)


def practices(root: Path | None = None) -> pa.Table:
    """GP practices: ``practice_code, name, locality, neighbourhood, list_size, latitude, longitude``."""
    return _practices(_root(root))


@functools.cache
def _small_areas(root: Path) -> pa.Table:
    path = root / "small_areas.csv"
    known = dict(zip(*(_practices(root)[c].to_pylist() for c in ("neighbourhood", "locality")), strict=True))
    records: list[dict[str, Any]] = []
    codes: set[str] = set()
    for row in _rows(path, SMALL_AREAS_SCHEMA.names):
        code = row.text("small_area_code")
        _unique(row, "small_area_code", code, codes)
        locality, neighbourhood = row.locality(), row.text("neighbourhood")
        if neighbourhood not in known:
            raise row.error(
                "neighbourhood", f"neighbourhood {neighbourhood!r} has no practices in practices.csv"
            )
        if known[neighbourhood] != locality:
            raise row.error(
                "locality", f"neighbourhood {neighbourhood!r} is in {known[neighbourhood]!r}, not here"
            )
        records.append(
            {
                "small_area_code": code,
                "name": row.text("name"),
                "locality": locality,
                "neighbourhood": neighbourhood,
                "imd_decile": row.integer("imd_decile", 1, 10),
                "latitude": row.number("latitude", *_LAT),
                "longitude": row.number("longitude", *_LON),
                "population": row.integer("population", 0),
            }
        )
    # Every neighbourhood needs somewhere for its patients to live.
    empty = sorted(set(known) - {r["neighbourhood"] for r in records})
    if empty:
        raise InputError(
            f"neighbourhood {empty[0]!r} has no small areas"
            + (f" (nor {', '.join(empty[1:])})" if empty[1:] else ""),
            file=str(path),
            field="neighbourhood",
        )
    return _table(records, SMALL_AREAS_SCHEMA)


def small_areas(root: Path | None = None) -> pa.Table:
    """Small areas: the lake's ``small_areas`` columns plus ``population`` (registered patients)."""
    return _small_areas(_root(root))


@functools.cache
def _neighbourhoods(root: Path) -> pa.Table:
    table = _practices(root)
    summary: dict[str, dict[str, Any]] = {}
    for nb, loc, size in zip(
        *(table[c].to_pylist() for c in ("neighbourhood", "locality", "list_size")), strict=True
    ):
        entry = summary.setdefault(nb, {"neighbourhood": nb, "locality": loc, "practices": 0, "list_size": 0})
        entry["practices"] += 1
        entry["list_size"] += size
    # Stable sort: localities in LOCALITIES order, neighbourhoods in file order within each.
    rows = sorted(summary.values(), key=lambda r: LOCALITIES.index(r["locality"]))
    return _table(rows, NEIGHBOURHOODS_SCHEMA)


def neighbourhoods(root: Path | None = None) -> pa.Table:
    """One row per neighbourhood: ``neighbourhood, locality, practices`` (count) and ``list_size`` (sum)."""
    return _neighbourhoods(_root(root))
