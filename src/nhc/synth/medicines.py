"""Medicines consistent with conditions, issued repeatedly over the five years before as-of.

Each condition brings the medicine classes a GP would usually prescribe for it (with a chance,
not always); older and sicker people also take medicines for things the record does not name
(acid reflux, pain, prevention), which is where polypharmacy in later life comes from.
"""

from __future__ import annotations

import numpy as np

from nhc.synth.conditions import CONDITION_INDEX
from nhc.synth.history import HISTORY_DAYS, first_day
from nhc.synth.population import Population
from nhc.synth.records import CodePicker, EventCollector

# condition -> ((medicine codelist, probability), ...)
TREATMENTS: dict[str, tuple[tuple[str, float], ...]] = {
    "diabetes": (
        ("metformin", 0.8),
        ("diabetes-medications", 0.35),
        ("statins", 0.6),
        ("ace-inhibitor", 0.45),
    ),
    "hypertension": (
        ("ace-inhibitor", 0.4),
        ("calcium-channel-blockers", 0.45),
        ("angiotensin-receptor-blockers", 0.2),
        ("diuretic", 0.2),
    ),
    "chd": (("statins", 0.85), ("antiplatelet-medications", 0.8), ("beta-blockers", 0.55)),
    "heart_failure": (("ace-inhibitor", 0.6), ("beta-blockers", 0.7), ("diuretic", 0.8)),
    "atrial_fibrillation": (("beta-blockers", 0.6),),
    "stroke_tia": (("statins", 0.8), ("antiplatelet-medications", 0.7)),
    "asthma": (("salbutamol", 0.9), ("beclometasone", 0.6)),
    "copd": (("salbutamol", 0.9), ("beclometasone", 0.5)),
    "depression": (("selective-serotonin-reuptake-inhibitors", 0.45),),
    "anxiety": (("selective-serotonin-reuptake-inhibitors", 0.25), ("benzodiazepines", 0.08)),
    "smi": (("antipsychotics", 0.8),),
    "dementia": (("anti-dementia-drugs", 0.6), ("antipsychotics", 0.08)),
    "hypothyroidism": (("levothyroxine", 0.95),),
    "chronic_pain": (("opioids", 0.35), ("nsaids", 0.25), ("proton-pump-inhibitors", 0.3)),
    "osteoarthritis": (("nsaids", 0.25), ("opioids", 0.15)),
    "rheumatoid_arthritis": (("nsaids", 0.3), ("proton-pump-inhibitors", 0.3)),
    "osteoporosis": (("bisphosphonates", 0.7),),
    "ckd": (("statins", 0.4),),
    "pad": (("statins", 0.7), ("antiplatelet-medications", 0.6)),
}
# Medicines taken for reasons the record does not code, more with age and ill-health.
BACKGROUND = (
    "proton-pump-inhibitors",
    "statins",
    "calcium-channel-blockers",
    "diuretic",
    "anticholinergic-medications",
    "nsaids",
    "opioids",
    "beta-blockers",
)
# (condition, medicine) -> youngest age it is prescribed at for that condition. NICE NG28/CG181:
# statins for people with diabetes aged 40+ (primary prevention); the NDA counts statins from 40.
MIN_AGE = {("diabetes", "statins"): 40}
MEDICINE_CLASSES = tuple(sorted({m for t in TREATMENTS.values() for m, _ in t} | set(BACKGROUND)))
ISSUE_INTERVAL_DAYS = 56


def medicine_matrix(rng: np.random.Generator, pop: Population, has: np.ndarray) -> np.ndarray:
    """Boolean matrix people × MEDICINE_CLASSES: who currently takes what."""
    takes = np.zeros((pop.n, len(MEDICINE_CLASSES)), dtype=bool)
    col = {m: i for i, m in enumerate(MEDICINE_CLASSES)}
    for condition, treatments in TREATMENTS.items():
        people = np.flatnonzero(has[:, CONDITION_INDEX[condition]])
        for medicine, prob in treatments:
            old_enough = pop.age[people] >= MIN_AGE.get((condition, medicine), 0)
            chosen = people[(rng.random(len(people)) < prob) & old_enough]
            takes[chosen, col[medicine]] = True
    # Background medicines: expected count rises with age and ill-health.
    lam = np.where(pop.age >= 12, np.clip(np.exp(-3.2 + 0.045 * pop.age + 0.35 * pop.health), 0, 6), 0)
    extra = rng.poisson(lam)
    background = np.array([col[m] for m in BACKGROUND])
    for k in range(1, int(extra.max(initial=0)) + 1):
        people = np.flatnonzero(extra >= k)
        takes[people, background[rng.integers(0, len(background), size=len(people))]] = True
    return takes


def emit_medicines(
    rng: np.random.Generator, pop: Population, takes: np.ndarray, picker: CodePicker, out: EventCollector
) -> None:
    """Issues every ~8 weeks from the later of five years ago and a start date, to death or as-of."""
    window_start = first_day(pop.as_of_day)
    for j, medicine in enumerate(MEDICINE_CLASSES):
        people = np.flatnonzero(takes[:, j])
        if not len(people):
            continue
        code = picker.pick(rng, medicine, len(people))
        # Two in five started during the five years; the rest were already on it.
        start = np.where(
            rng.random(len(people)) < 0.4,
            window_start + rng.integers(0, HISTORY_DAYS - 30, size=len(people)),
            window_start + rng.integers(0, ISSUE_INTERVAL_DAYS, size=len(people)),
        )
        last = pop.last_day[people]
        n_issues = np.maximum((last - start) // ISSUE_INTERVAL_DAYS + 1, 0)
        rows = np.repeat(np.arange(len(people)), n_issues)
        if not len(rows):
            continue
        first_row = np.repeat(np.cumsum(n_issues) - n_issues, n_issues)
        k = np.arange(len(rows)) - first_row
        days = start[rows] + k * ISSUE_INTERVAL_DAYS + rng.integers(-5, 6, size=len(rows))
        days = np.clip(days, window_start, last[rows])
        out.add(people[rows], days, code[rows], values=np.full(len(rows), 56.0))
