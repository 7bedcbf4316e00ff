"""Checks on the analytics' inputs: required columns, unique patients.

Bad input fails loudly with an :class:`~nhc.errors.NhcError` that names the table and column, so a
run never drops data silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nhc.errors import NhcError

if TYPE_CHECKING:
    import ibis.expr.types as ir

# The columns each analytics input needs (a subset of the lake schema).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id", "sex", "date_of_birth", "small_area_code"),
    "practice_registrations": ("patient_id", "practice_code", "start_date", "end_date"),
    "clinical_events": ("patient_id", "date", "snomed_code", "value"),
    "medications": ("patient_id", "date", "dmd_code"),
    "encounters": ("patient_id", "type", "start_date"),
    "care_home_residence": ("patient_id", "start_date", "end_date"),
    "deaths": ("patient_id", "date_of_death"),
    "small_areas": ("small_area_code", "neighbourhood", "locality", "imd_decile"),
    "practices": ("practice_code", "neighbourhood", "locality"),
    "codelists": ("code", "cluster"),
    "care_records": ("patient_id", "record_type", "code_system", "code", "start_date", "end_date"),
}


def require_columns(table: ir.Table, name: str, columns: tuple[str, ...] | None = None) -> ir.Table:
    """Return ``table`` if it has ``columns`` (default: :data:`REQUIRED_COLUMNS` of ``name``)."""
    wanted = columns if columns is not None else REQUIRED_COLUMNS[name]
    have = set(table.columns)
    missing = [c for c in wanted if c not in have]
    if missing:
        raise NhcError(
            f"table {name}: missing column {missing[0]}"
            + (f" (and {', '.join(missing[1:])})" if len(missing) > 1 else ""),
            hint=f"the analytics need {', '.join(wanted)}",
        )
    return table


def duplicate_patients(patients: ir.Table) -> ir.Table:
    """Patient ids that occur more than once in ``patients`` (patient_id, n)."""
    counts = patients.group_by("patient_id").aggregate(n=patients.count())
    return counts.filter(counts.n > 1)


def check_unique_patients(n_duplicates: int, example: object | None) -> None:
    """Raise a clear error when the patients table repeats patient ids."""
    if n_duplicates:
        raise NhcError(
            f"table patients: {n_duplicates} patient_id value(s) occur more than once (e.g. {example})",
            hint="each person must have one row in patients",
        )
