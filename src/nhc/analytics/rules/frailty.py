"""Electronic Frailty Index (eFI).

Clegg A, Bates C, Young J, et al. Development and validation of an electronic frailty index using
routine primary care electronic health record data. Age and Ageing 2016;45(3):353-360.
doi:10.1093/ageing/afw039.

36 equally weighted deficits: the 35 code-based deficits (the GM SDE ``efi-*`` code sets, 22
conditions and 13 patient-level deficits) plus polypharmacy (5 or more different medicines, by
distinct dm+d code, issued in the 12 months before as-of). A code-based deficit counts if it was
ever recorded on or before as-of. Score = deficits present / 36.

Categories (Clegg 2016): fit 0-0.12, mild >0.12-0.24, moderate >0.24-0.36, severe >0.36. As the
score is a whole number of deficits over 36 the boundaries are applied to the count, which avoids
floating-point edges: fit 0-4 deficits, mild 5-8, moderate 9-12, severe 13 or more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.coded import in_window, nullable, this_year_and_before
from nhc.analytics.rules.inputs import require_columns
from nhc.vocab import EFI_CATEGORIES

if TYPE_CHECKING:
    import ibis.expr.types as ir

CONDITION_DEFICITS: tuple[str, ...] = (
    "efi-arthritis",
    "efi-atrial-fibrillation",
    "efi-chd",
    "efi-ckd",
    "efi-diabetes",
    "efi-foot-problems",
    "efi-fragility-fracture",
    "efi-hearing-loss",
    "efi-heart-failure",
    "efi-heart-valve-disease",
    "efi-hypertension",
    "efi-hypotension",
    "efi-osteoporosis",
    "efi-parkinsons",
    "efi-peptic-ulcer",
    "efi-pvd",
    "efi-respiratory-disease",
    "efi-skin-ulcer",
    "efi-stroke-tia",
    "efi-thyroid-disorders",
    "efi-urinary-system-disease",
    "efi-vision-problems",
)
PATIENT_DEFICITS: tuple[str, ...] = (
    "efi-activity-limitation",
    "efi-anaemia",
    "efi-care-requirement",
    "efi-cognitive-problems",
    "efi-dizziness",
    "efi-dyspnoea",
    "efi-falls",
    "efi-housebound",
    "efi-mobility-problems",
    "efi-sleep-disturbance",
    "efi-social-vulnerability",
    "efi-urinary-incontinence",
    "efi-weight-loss",
)
CODED_DEFICITS: tuple[str, ...] = CONDITION_DEFICITS + PATIENT_DEFICITS
POLYPHARMACY = "polypharmacy"
POLYPHARMACY_MIN_MEDICINES = 5
N_DEFICITS = len(CODED_DEFICITS) + 1  # 36

# (category, lowest deficit count) — Clegg 2016 cut-points 0.12 / 0.24 / 0.36 of 36 deficits.
CATEGORIES: tuple[tuple[str, int], ...] = tuple(zip(EFI_CATEGORIES, (0, 5, 9, 13), strict=True))


def clusters_read() -> frozenset[str]:
    """The codelist clusters the eFI reads (its coded deficits)."""
    return frozenset(CODED_DEFICITS)


def category_for_count(n: int) -> str:
    """Pure-Python category for ``n`` deficits (the same rule as the Ibis expression)."""
    out = CATEGORIES[0][0]
    for name, lowest in CATEGORIES:
        if n >= lowest:
            out = name
    return out


def category_expr(n: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(*[(n >= lo, name) for name, lo in reversed(CATEGORIES)], else_="fit")


def polypharmacy(
    medications: ir.Table,
    as_of: dt.date,
    *,
    earlier: Callable[[ir.Table], ir.BooleanValue] | None = None,
) -> ir.Table:
    """Distinct medicines issued in the 12 months to ``as_of``: patient_id, n_medicines, last_issue.
    A person with no issue in the 12 months has no row.

    With ``earlier``, also the 12 months before those for the issues it selects, in one pass: rows
    then carry ``year_before`` (0 or 1; :func:`nhc.analytics.rules.coded.this_year_and_before`).
    """
    m = require_columns(medications, "medications")
    if earlier is None:
        m, keys = m.filter(in_window(m.date, as_of)), ["patient_id"]
    else:
        m, keys = this_year_and_before(m, m.date, as_of, earlier), ["patient_id", "year_before"]
    # distinct medicines as groups, then counted: cheaper than a distinct count in one aggregate
    # (dmd_code is required in the lake, so no empty code makes a group)
    per_medicine = m.group_by([*keys, "dmd_code"]).aggregate(last=m.date.max())
    p = per_medicine
    return p.group_by(keys).aggregate(n_medicines=p.count(), last_issue=p.last.max())


def efi_deficits(summary: ir.Table, medicines: ir.Table, as_of: dt.date) -> ir.Table:
    """The deficits each patient has: patient_id, deficit, code, date (first recorded), detail.

    ``medicines`` is :func:`polypharmacy` output for the same ``as_of``.
    """
    s = summary.filter(
        summary.cluster.isin(list(CODED_DEFICITS)) & (summary.first_date <= ibis.literal(as_of))
    )
    coded = s.select(
        "patient_id",
        deficit=s.cluster,
        code=s.first_code,
        date=s.first_date,
        detail=ibis.literal("first recorded").cast("string"),
    )
    pp = medicines.filter(medicines.n_medicines >= POLYPHARMACY_MIN_MEDICINES)
    poly = pp.select(
        "patient_id",
        deficit=ibis.literal(POLYPHARMACY),
        code=ibis.null("string"),
        date=pp.last_issue,
        detail=pp.n_medicines.cast("string") + ibis.literal(" different medicines issued in 12 months"),
    )
    return nullable(coded).union(nullable(poly))


def efi(deficits: ir.Table, population: ir.Table) -> ir.Table:
    """eFI per person in ``population``: patient_id, efi_deficits, efi_score, efi_category.

    ``deficits`` has one row per patient and deficit (:func:`efi_deficits`), so rows are counted.
    """
    counts = deficits.group_by("patient_id").aggregate(n=deficits.count())
    pop = population.select("patient_id")
    j = pop.left_join(counts, "patient_id")
    n = j.n.fill_null(0).cast("int32")
    return j.select(
        pop.patient_id,
        efi_deficits=n,
        efi_score=(n.cast("float64") / N_DEFICITS),
        efi_category=category_expr(n),
    )
