"""Use of services in the 12 months before as-of: A&E, emergency admissions, GP, community, outpatients.

Counts come from the ``encounters`` table (one row per contact; an emergency admission is one
``emergency_admission`` row). "Any activity" also counts coded clinical events and prescription
issues, so someone whose only contact was a repeat prescription is still a user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from nhc.analytics.rules.coded import in_window, nullable, this_year_and_before
from nhc.analytics.rules.inputs import require_columns

if TYPE_CHECKING:
    import ibis.expr.types as ir

ENCOUNTER_COUNTS: dict[str, str] = {
    "ae_12m": "ae",
    "emergency_admissions_12m": "emergency_admission",
    "gp_12m": "gp",
    "community_12m": "community",
    "outpatient_12m": "outpatient",
}


def utilisation(
    encounters: ir.Table,
    as_of: dt.date,
    *,
    earlier: Callable[[ir.Table], ir.BooleanValue] | None = None,
) -> ir.Table:
    """patient_id, one count column per encounter type (:data:`ENCOUNTER_COUNTS`) and
    ``encounters_12m`` (any type), for the 12 months to ``as_of``. A person with no encounter in
    the 12 months has no row.

    With ``earlier``, also the 12 months before those for the encounters it selects, in one pass:
    rows then carry ``year_before`` (0 or 1; :func:`nhc.analytics.rules.coded.this_year_and_before`).
    """
    e = require_columns(encounters, "encounters")
    if earlier is None:
        e, keys = e.filter(in_window(e.start_date, as_of)), ["patient_id"]
    else:
        e, keys = this_year_and_before(e, e.start_date, as_of, earlier), ["patient_id", "year_before"]
    # count(where=) compiles to a FILTER clause, cheaper than summing a cast comparison
    counts = {col: e.count(where=e.type == typ).cast("int32") for col, typ in ENCOUNTER_COUNTS.items()}
    return e.group_by(keys).aggregate(**counts, encounters_12m=e.count().cast("int32"))


def active_patients(events: ir.Table, medicines: ir.Table, use: ir.Table, as_of: dt.date) -> ir.Table:
    """Patients with any clinical event, prescription issue or encounter in the 12 months: patient_id.

    ``medicines`` is :func:`nhc.analytics.rules.frailty.polypharmacy` and ``use`` is :func:`utilisation`
    output for the same ``as_of`` (so prescriptions and encounters are not read again).
    """
    ev = nullable(events.filter(in_window(events.date, as_of)).select("patient_id"))
    md = nullable(medicines.filter(medicines.n_medicines > 0).select("patient_id"))
    en = nullable(use.filter(use.encounters_12m > 0).select("patient_id"))
    return ev.union(md).union(en).distinct()
