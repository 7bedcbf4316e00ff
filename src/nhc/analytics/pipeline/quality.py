"""The data-quality check counted per person: what the refresh keeps to replace the changed people's.

:func:`patient_quality` counts, for each patient id in the sources, the rows the analytics read and
those they exclude (future-dated, codes in no codelist); :func:`quality_totals` sums them into the
one-row table :func:`~.derivations.data_quality` gives (the same totals: every row has a patient id).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from nhc.analytics.pipeline.derivations import Inputs

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: The counts, in the order :func:`~.derivations.data_quality` gives them.
QUALITY_COLUMNS = (
    "events",
    "future_dated_events",
    "events_with_codes_in_no_codelist",
    "medications",
    "future_dated_medications",
    "encounters",
    "future_dated_encounters",
)

#: The exclusions, and the rows they are counted in.
_COUNTED_IN = {
    "future_dated_events": "events",
    "events_with_codes_in_no_codelist": "events",
    "future_dated_medications": "medications",
    "future_dated_encounters": "encounters",
}


def _counts(table: ir.Table, **counts: ir.IntegerValue) -> ir.Table:
    """``table``'s rows as one row each: patient_id and every count (0 for those not given)."""
    zero = ibis.literal(0, type="int64")
    return table.select(
        "patient_id", **{c: counts[c].cast("int64") if c in counts else zero for c in QUALITY_COLUMNS}
    )


def patient_quality(sources: Inputs, as_of: dt.date) -> ir.Table:
    """Per patient id: the rows of events, prescriptions and encounters, and those excluded."""
    ev = sources["clinical_events"]
    codes = sources.codelists.select(code=sources.codelists.code).distinct().mutate(known=ibis.literal(True))
    j = ev.left_join(codes, ev.snomed_code == codes.code)
    day = ibis.literal(as_of)
    m, e = sources["medications"], sources["encounters"]
    one = ibis.literal(1)
    rows = (
        _counts(
            j,
            events=one,
            future_dated_events=(j.date > day).cast("int64"),
            events_with_codes_in_no_codelist=((j.date <= day) & j.known.isnull()).cast("int64"),
        )
        .union(_counts(m, medications=one, future_dated_medications=(m.date > day).cast("int64")))
        .union(_counts(e, encounters=one, future_dated_encounters=(e.start_date > day).cast("int64")))
    )
    return rows.group_by("patient_id").aggregate(**{c: rows[c].sum().cast("int64") for c in QUALITY_COLUMNS})


def quality_totals(patient_quality: pa.Table) -> pa.Table:
    """One row: each count summed over everyone, as :func:`~.derivations.data_quality` gives it
    (whose sums of an empty table are null: so are these, where the table counted has no rows)."""
    totals = {c: int(pc.sum(patient_quality.column(c)).as_py() or 0) for c in QUALITY_COLUMNS}
    for c, rows in _COUNTED_IN.items():
        if not totals[rows]:
            totals[c] = None
    return pa.table({c: pa.array([totals[c]], pa.int64()) for c in QUALITY_COLUMNS})
