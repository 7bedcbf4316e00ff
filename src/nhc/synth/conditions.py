"""Long-term conditions: who has which, coded with real SNOMED CT codes from the codelists.

Each condition's log-odds = intercept + age curve + sex + deprivation + loadings on latent factors
(general ill-health and three clusters: cardiometabolic, respiratory, mental health). The shared
factors make conditions cluster the way multimorbidity does, instead of independent coin flips.
The intercept is solved (Newton's method) so that prevalence among people alive at the as-of
date, in the register's age range, equals the target.

Targets: QOF 2019/20 Oxfordshire prevalences (House of Commons Library, local health data from
QOF): hypertension 12.62%, depression 18+ 11.76%, asthma 6.22%, diabetes 17+ 5.06%, cancer 3.53%,
CKD 18+ 3.11%, CHD 2.32%, AF 2.03%, stroke/TIA 1.73%, COPD 1.39%, SMI 0.82%, heart failure 0.75%,
dementia 0.74%, epilepsy 18+ 0.70%, learning disability 0.39%, palliative care 0.32%. Conditions
without a QOF figure (osteoporosis, PAD, RA, anxiety, pain, ...) use plausible UK figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nhc.synth.population import Population


@dataclass(frozen=True)
class ConditionSpec:
    name: str
    cluster: str  # codelist cluster the codes come from
    prevalence: float  # target share of the denominator
    denominator_age: int = 0  # register age limit (e.g. 17 for diabetes)
    onset_age: int = 0  # nobody younger has it
    age_slope: float = 0.0  # log-odds per decade around age 50
    age_curve: float = 0.0  # log-odds per decade squared (negative: peaks in mid-life)
    female: float = 0.0  # log-odds ratio for women
    deprivation: float = 0.0  # log-odds per unit of deprivation (decile 1 ~ +1.6)
    factor: str = "general"  # which latent cluster drives it
    loading: float = 0.6
    efi_cluster: str | None = None  # eFI deficit this condition also counts as


CONDITIONS: tuple[ConditionSpec, ...] = (
    ConditionSpec(
        "hypertension", "hyp_cod", 0.1262, 0, 18, 0.85, -0.08, -0.1, 0.15, "cardio", 1.3, "efi-hypertension"
    ),
    ConditionSpec(
        "diabetes", "dm_cod", 0.0506, 17, 10, 0.55, -0.08, -0.3, 0.35, "cardio", 1.4, "efi-diabetes"
    ),
    ConditionSpec(
        "asthma", "ast_cod", 0.0622, 0, 3, 0.0, -0.02, 0.1, 0.15, "resp", 0.8, "efi-respiratory-disease"
    ),
    ConditionSpec(
        "copd", "copd_cod", 0.0139, 0, 40, 0.8, -0.05, -0.1, 0.5, "resp", 1.0, "efi-respiratory-disease"
    ),
    ConditionSpec("chd", "chd_cod", 0.0232, 0, 35, 0.9, -0.06, -0.7, 0.3, "cardio", 1.0, "efi-chd"),
    ConditionSpec(
        "heart_failure", "hf_cod", 0.0075, 0, 40, 1.0, -0.04, -0.3, 0.3, "cardio", 1.1, "efi-heart-failure"
    ),
    ConditionSpec(
        "atrial_fibrillation",
        "afib_cod",
        0.0203,
        0,
        40,
        1.1,
        -0.06,
        -0.3,
        0.0,
        "cardio",
        0.7,
        "efi-atrial-fibrillation",
    ),
    ConditionSpec(
        "stroke_tia", "strk_cod", 0.0173, 0, 35, 0.9, -0.05, -0.1, 0.2, "cardio", 0.8, "efi-stroke-tia"
    ),
    ConditionSpec("ckd", "ckd_cod", 0.0311, 18, 30, 1.0, -0.05, 0.2, 0.2, "cardio", 0.8, "efi-ckd"),
    ConditionSpec(
        "dementia", "dem_cod", 0.0074, 0, 55, 1.5, 0.0, 0.3, 0.2, "general", 0.5, "efi-cognitive-problems"
    ),
    ConditionSpec("depression", "depr_cod", 0.1176, 18, 14, -0.05, -0.08, 0.6, 0.3, "mental", 1.0),
    ConditionSpec("smi", "mh_cod", 0.0082, 0, 16, 0.0, -0.1, -0.1, 0.6, "mental", 1.2),
    ConditionSpec("learning_disability", "ld_cod", 0.0039, 0, 0, -0.1, 0.0, -0.4, 0.2, "general", 0.6),
    ConditionSpec("cancer", "c19can_cod", 0.0353, 0, 18, 0.8, -0.05, 0.1, 0.0, "general", 0.3),
    ConditionSpec("epilepsy", "epil_cod", 0.0070, 18, 1, 0.0, 0.0, 0.0, 0.3, "general", 0.5),
    ConditionSpec(
        "osteoporosis", "osteo_cod", 0.0120, 0, 50, 1.0, -0.05, 1.5, 0.1, "general", 0.5, "efi-osteoporosis"
    ),
    ConditionSpec("pad", "pad_cod", 0.0060, 0, 45, 0.9, -0.05, -0.4, 0.4, "cardio", 0.8, "efi-pvd"),
    ConditionSpec(
        "rheumatoid_arthritis",
        "rarth_cod",
        0.0075,
        0,
        20,
        0.4,
        -0.05,
        0.9,
        0.1,
        "general",
        0.5,
        "efi-arthritis",
    ),
    ConditionSpec("anxiety", "anxiety", 0.0700, 0, 12, -0.1, -0.05, 0.6, 0.25, "mental", 0.9),
    ConditionSpec("chronic_pain", "chronic-pain", 0.0800, 0, 18, 0.4, -0.04, 0.3, 0.3, "general", 0.6),
    ConditionSpec(
        "osteoarthritis",
        "osteoarthritis",
        0.0900,
        0,
        40,
        0.8,
        -0.06,
        0.3,
        0.1,
        "general",
        0.4,
        "efi-arthritis",
    ),
    ConditionSpec(
        "hypothyroidism",
        "hypothyroidism",
        0.0350,
        0,
        18,
        0.5,
        -0.04,
        1.6,
        0.0,
        "general",
        0.2,
        "efi-thyroid-disorders",
    ),
    ConditionSpec("alcohol", "alcohol-heavy-drinker", 0.0200, 0, 18, -0.1, -0.06, -0.8, 0.4, "mental", 0.4),
)
CONDITION_INDEX = {c.name: i for i, c in enumerate(CONDITIONS)}


def latent_factors(rng: np.random.Generator, health: np.ndarray) -> dict[str, np.ndarray]:
    """Cluster factors, each correlated ~0.6 with general ill-health."""
    n = len(health)
    factors = {"general": health}
    for name in ("cardio", "resp", "mental"):
        factors[name] = 0.6 * health + 0.8 * rng.standard_normal(n)
    return factors


def solve_intercept(x: np.ndarray, target: float, weights: np.ndarray) -> float:
    """Intercept ``a`` such that the weighted mean of sigmoid(a + x) equals ``target``."""
    if target <= 0:
        return -50.0
    a = np.log(target / (1 - target)) - float(np.average(x, weights=weights))
    for _ in range(30):
        p = 1 / (1 + np.exp(-(a + x)))
        f = np.average(p, weights=weights) - target
        slope = np.average(p * (1 - p), weights=weights)
        step = f / max(slope, 1e-12)
        a -= np.clip(step, -3, 3)
        if abs(f) < target * 1e-5:
            break
    return float(a)


def condition_matrix(rng: np.random.Generator, pop: Population) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Boolean matrix people × CONDITIONS, and the latent factors used (later steps reuse them)."""
    factors = latent_factors(rng, pop.health)
    decades = (pop.age - 50) / 10
    deprivation = (5.5 - pop.imd_decile) / 2.87
    alive = pop.alive
    has = np.zeros((pop.n, len(CONDITIONS)), dtype=bool)
    for j, spec in enumerate(CONDITIONS):
        x = (
            spec.age_slope * decades
            + spec.age_curve * decades**2
            + spec.female * pop.female
            + spec.deprivation * deprivation
            + spec.loading * factors[spec.factor]
        )
        eligible = pop.age >= spec.onset_age
        x = np.where(eligible, x, -50.0)
        # Solve on the register's denominator among the living, as QOF counts it.
        weights = (alive & (pop.age >= spec.denominator_age)).astype(np.float64)
        a = solve_intercept(x, spec.prevalence, weights)
        p = 1 / (1 + np.exp(-(a + x)))
        has[:, j] = rng.random(pop.n) < p
    return has, factors


def diagnosis_days(
    rng: np.random.Generator, pop: Population, onset_age: int, people: np.ndarray
) -> np.ndarray:
    """Diagnosis dates between the onset age and the last day on record, skewed towards recent years."""
    start = pop.dob_day[people] + int(onset_age * 365.25)
    end = pop.last_day[people]
    span = np.maximum(end - start, 1)
    # Beta(2, 1): most diagnoses are recent, as for conditions that rise with age.
    return end - (span * (1 - np.sqrt(rng.random(len(people))))).astype(np.int64)
