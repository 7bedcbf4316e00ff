"""Published national figures the county's indicators are compared with.

Contract
--------
:func:`diabetes_audit` reads the committed ``nhc/reference/data/national/diabetes_audit.csv``: one row per
published National Diabetes Audit figure, with the indicator id it compares with (an
:data:`nhc.outcomes.catalogue.BY_ID` key), what the source measured, diabetes type, audit year, area, the
percentage, and the source's address and name. Lines starting with ``#`` are provenance comments. A row
whose percentage is not a number from 0 to 100, or whose source is not a web address, raises
:class:`~nhc.errors.InputError` naming the file and the 1-based line. Nothing here is invented: a figure
without a public page to cite is left out (the file says which).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nhc.errors import InputError

DATA = Path(__file__).resolve().parent / "data" / "national" / "diabetes_audit.csv"


@dataclass(frozen=True)
class NationalFigure:
    indicator: str
    measure: str
    diabetes_type: str
    audit_year: str
    area: str
    percent: float
    source_url: str
    source: str
    note: str


def diabetes_audit(path: Path = DATA) -> list[NationalFigure]:
    """The published National Diabetes Audit figures, in the file's order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("#")]
    header, *rows = csv.reader([line for _, line in numbered])
    out = []
    for (n, _), row in zip(numbered[1:], rows, strict=True):
        values = dict(zip(header, row, strict=True))
        try:
            percent = float(values["percent"])
        except ValueError:
            percent = -1.0
        if not 0 <= percent <= 100:
            raise InputError("must be a number from 0 to 100", file=path.name, line=n, field="percent")
        if not values["source_url"].startswith(("https://", "http://")):
            raise InputError("must be a web address", file=path.name, line=n, field="source_url")
        out.append(NationalFigure(**{**values, "percent": percent}))
    return out
