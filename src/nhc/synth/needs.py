"""What one place's people have and need: condition records, frailty deficits, care homes,
palliative care, pregnancies and care processes.

Each function draws from the random stream it is given, in a fixed order, and calibrates within
the place (intercepts solved on the place's living people, frailty and care-home shares by rank),
so every place matches the published figures on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nhc.synth.care_processes import REVIEWED
from nhc.synth.conditions import (
    CONDITION_INDEX,
    CONDITIONS,
    condition_matrix,
    diagnosis_days,
    solve_intercept,
)
from nhc.synth.frailty import EXTRA_DEFICITS, EXTRA_NAMES, choose_extra_deficits, target_counts
from nhc.synth.population import Population
from nhc.synth.records import CodePicker, EventCollector


def conditions(
    rng: np.random.Generator, pop: Population, picker: CodePicker, events: EventCollector
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Who has each long-term condition (a people x conditions matrix), their diagnosis codes,
    which eFI deficits those conditions already record (cluster -> people mask), and the day each
    person was diagnosed with the conditions that have annual reviews (name -> day per person)."""
    has, _factors = condition_matrix(rng, pop)
    efi_present: dict[str, np.ndarray] = {}
    diagnosed = {name: np.full(pop.n, pop.as_of_day + 1, dtype=np.int64) for name in REVIEWED}
    condition_clusters = tuple(c.cluster for c in CONDITIONS)
    for j, spec in enumerate(CONDITIONS):
        people = np.flatnonzero(has[:, j])
        days = diagnosis_days(rng, pop, spec.onset_age, people)
        if spec.efi_cluster and not picker.shares(spec.cluster, spec.efi_cluster):
            # No code is in both lists: record the eFI deficit as its own entry, as GPs often do.
            events.add(people, days, picker.pick(rng, spec.efi_cluster, len(people)))
        code = picker.pick(rng, spec.cluster, len(people), within=spec.efi_cluster, avoid=condition_clusters)
        events.add(people, days, code)
        if spec.name in diagnosed:
            diagnosed[spec.name][people] = days
        if spec.efi_cluster:
            mask = efi_present.setdefault(spec.efi_cluster, np.zeros(pop.n, dtype=bool))
            mask |= has[:, j]
    return has, efi_present, diagnosed


def frailty(
    rng: np.random.Generator,
    pop: Population,
    efi_present: dict[str, np.ndarray],
    polypharmacy: np.ndarray,
    picker: CodePicker,
    events: EventCollector,
) -> tuple[np.ndarray, np.ndarray]:
    """Extra eFI deficits so that frailty follows its published distribution: (deficit counts, housebound)."""
    # Codes for frailty deficits and care processes must not also put people on a register.
    register_clusters = (*(c.cluster for c in CONDITIONS), "palcare_cod")
    existing = polypharmacy.astype(np.int64) + sum(m.astype(np.int64) for m in efi_present.values())
    already = np.zeros((pop.n, len(EXTRA_DEFICITS)), dtype=bool)
    for k, name in enumerate(EXTRA_NAMES):
        if name in efi_present:
            already[:, k] = efi_present[name]
    target = target_counts(rng, pop, existing)
    extra = choose_extra_deficits(rng, target - existing, already)
    for k, name in enumerate(EXTRA_NAMES):
        people = np.flatnonzero(extra[:, k])
        # Deficits are recorded over the last five years, most in the last two.
        back = np.where(
            rng.random(len(people)) < 0.7,
            rng.integers(0, 730, len(people)),
            rng.integers(0, 1826, len(people)),
        )
        days = np.maximum(pop.last_day[people] - back, pop.dob_day[people])
        events.add(people, days, picker.pick(rng, name, len(people), avoid=register_clusters))
    k = EXTRA_NAMES.index("efi-housebound")
    return target, extra[:, k] | already[:, k]


@dataclass(frozen=True)
class Needs:
    care_home: np.ndarray
    palliative: np.ndarray
    pregnant: np.ndarray


def care_needs(
    rng: np.random.Generator,
    pop: Population,
    has: np.ndarray,
    takes: np.ndarray,
    deficits: np.ndarray,
    unreviewed: np.ndarray,
    picker: CodePicker,
    events: EventCollector,
) -> Needs:
    """Care homes, palliative care, pregnancies and the care processes of people with conditions."""
    care_home = _care_home(rng, pop, deficits)
    palliative = _palliative(rng, pop, has, deficits)
    events.add(
        palliative,
        pop.last_day[palliative] - rng.integers(0, 365, len(palliative)),
        picker.pick(rng, "palcare_cod", len(palliative)),
    )
    pregnant, complex_pregnancy = _pregnancies(rng, pop)
    conception = pop.as_of_day - rng.integers(30, 260, len(pregnant))
    events.add(pregnant, conception + 56, picker.pick(rng, "pregnancy-antenatal", len(pregnant)))
    half = len(complex_pregnancy) // 2
    events.add(
        complex_pregnancy[:half],
        np.full(half, pop.as_of_day - 10),
        picker.pick(rng, "gestational-diabetes", half),
    )
    events.add(
        complex_pregnancy[half:],
        np.full(len(complex_pregnancy) - half, pop.as_of_day - 5),
        picker.pick(rng, "pre-eclampsia", len(complex_pregnancy) - half),
    )
    _care_processes(rng, pop, takes, deficits, has, unreviewed, picker, events)
    return Needs(care_home, palliative, pregnant)


def _care_home(rng: np.random.Generator, pop: Population, deficits: np.ndarray) -> np.ndarray:
    """About 0.6% of the living live in care homes, and about 18% of those who died in the history
    had (ONS: about a fifth of deaths in England are of care home residents): the frailest 75+."""
    key = np.where(pop.age >= 75, deficits + 0.05 * (pop.age - 75) + rng.normal(0, 1.5, pop.n), -np.inf)
    out = np.zeros(pop.n, dtype=bool)
    for group, share in ((pop.alive, 0.006), (~pop.alive, 0.18)):
        people = np.flatnonzero(group)
        chosen = people[np.argsort(-key[people], kind="stable")[: round(share * len(people))]]
        out[chosen[np.isfinite(key[chosen])]] = True
    return out


def _palliative(
    rng: np.random.Generator, pop: Population, has: np.ndarray, deficits: np.ndarray
) -> np.ndarray:
    """People on the palliative care register: 0.32% of the living (QOF 2019/20 Oxfordshire)."""
    x = (
        0.45 * (pop.age - 50) / 10
        + 2.6 * has[:, CONDITION_INDEX["cancer"]]
        + 1.0 * has[:, CONDITION_INDEX["heart_failure"]]
        + 1.1 * has[:, CONDITION_INDEX["dementia"]]
        + 0.6 * has[:, CONDITION_INDEX["copd"]]
        + 0.2 * deficits
    )
    x = np.where(pop.age >= 18, x, -50.0)
    a = solve_intercept(x, 0.0032, pop.alive.astype(np.float64))
    p = 1 / (1 + np.exp(-(a + x)))
    return np.flatnonzero(rng.random(pop.n) < p)


def _pregnancies(rng: np.random.Generator, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Currently pregnant women (~0.85% of the population), 12% with a complication."""
    fertile = pop.alive & pop.female & (pop.age >= 15) & (pop.age <= 46)
    rate = np.exp(-(((pop.age - 31) / 7.0) ** 2))
    p = np.where(fertile, rate, 0)
    p = p * (0.0085 * pop.n / max(p.sum(), 1e-9))
    pregnant = np.flatnonzero(rng.random(pop.n) < np.clip(p, 0, 0.5))
    complex_ = pregnant[rng.random(len(pregnant)) < 0.12]
    return pregnant, complex_


def _care_processes(
    rng: np.random.Generator,
    pop: Population,
    takes: np.ndarray,
    deficits: np.ndarray,
    has: np.ndarray,
    unreviewed: np.ndarray,
    picker: CodePicker,
    events: EventCollector,
) -> None:
    """Medication reviews, MDT discussions and social prescribing referrals (imperfect coverage).
    People with diabetes who missed their annual review in the last year (``unreviewed``) had no
    medication review either: it is done at the annual review."""
    n_meds = takes.sum(axis=1)
    reviewed = np.flatnonzero((n_meds >= 4) & (rng.random(pop.n) < 0.6) & ~unreviewed)
    events.add(
        reviewed,
        pop.last_day[reviewed] - rng.integers(0, 365, len(reviewed)),
        picker.pick(rng, "medication-review-basic", len(reviewed)),
    )
    mdt = np.flatnonzero((deficits >= 9) & (rng.random(pop.n) < 0.25))
    events.add(
        mdt,
        pop.last_day[mdt] - rng.integers(0, 365, len(mdt)),
        picker.pick(rng, "multidisciplinary-team", len(mdt)),
    )
    lonely = has[:, CONDITION_INDEX["depression"]] | has[:, CONDITION_INDEX["anxiety"]] | (deficits >= 5)
    deprivation = (5.5 - pop.imd_decile) / 2.87
    p = np.where(pop.age >= 18, 0.004 + 0.02 * lonely + 0.004 * deprivation, 0)
    referred = np.flatnonzero(rng.random(pop.n) < np.clip(p, 0, 1))
    events.add(
        referred,
        pop.last_day[referred] - rng.integers(0, 700, len(referred)),
        picker.pick(rng, "social-care-prescribing-referral", len(referred)),
    )
