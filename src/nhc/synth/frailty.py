"""Frailty deficits, calibrated so that eFI categories among people 65+ match the published prior.

The electronic Frailty Index (Clegg et al., Age and Ageing 2016) counts 36 deficits: 35 coded
(the ``efi-*`` codelists) plus polypharmacy (5+ medicines in 12 months). Among people 65+ the
published shares are about 50% fit (≤0.12, i.e. ≤4 deficits), 35% mild (5–8), 12% moderate
(9–12), 3% severe (13+).

Some deficits follow from conditions already generated (diabetes, heart failure, ...) and from
medicines (polypharmacy). Each person is given a target deficit count drawn so that the category
shares come out as published, assigned in order of (deficits already present + frailty
propensity), so the frailest people get the highest targets; the gap is filled with other
deficits (falls, mobility problems, hearing loss, ...) chosen with realistic relative frequencies.
"""

from __future__ import annotations

import numpy as np

from nhc.synth.population import Population

# eFI deficits that are not implied by a generated condition, with relative frequency weights.
EXTRA_DEFICITS: tuple[tuple[str, float], ...] = (
    ("efi-hearing-loss", 1.0),
    ("efi-vision-problems", 0.9),
    ("efi-falls", 0.8),
    ("efi-arthritis", 0.8),
    ("efi-urinary-system-disease", 0.7),
    ("efi-mobility-problems", 0.7),
    ("efi-dyspnoea", 0.7),
    ("efi-foot-problems", 0.6),
    ("efi-dizziness", 0.6),
    ("efi-sleep-disturbance", 0.6),
    ("efi-urinary-incontinence", 0.6),
    ("efi-fragility-fracture", 0.5),
    ("efi-activity-limitation", 0.5),
    ("efi-anaemia", 0.5),
    ("efi-hypotension", 0.4),
    ("efi-care-requirement", 0.4),
    ("efi-social-vulnerability", 0.4),
    ("efi-peptic-ulcer", 0.3),
    ("efi-skin-ulcer", 0.3),
    ("efi-heart-valve-disease", 0.3),
    ("efi-thyroid-disorders", 0.3),
    ("efi-osteoporosis", 0.3),
    ("efi-housebound", 0.3),
    ("efi-weight-loss", 0.3),
    ("efi-cognitive-problems", 0.3),
    ("efi-parkinsons", 0.1),
)
EXTRA_NAMES = tuple(name for name, _ in EXTRA_DEFICITS)

# Target deficit-count distributions (count -> share). 65+: the published category prior.
_OLDER = {
    **{k: 0.50 * s for k, s in zip(range(0, 5), (0.12, 0.20, 0.24, 0.24, 0.20), strict=True)},
    **{k: 0.35 * s for k, s in zip(range(5, 9), (0.32, 0.28, 0.22, 0.18), strict=True)},
    **{k: 0.12 * s for k, s in zip(range(9, 13), (0.35, 0.28, 0.21, 0.16), strict=True)},
    **{k: 0.03 * s for k, s in zip(range(13, 19), (0.40, 0.25, 0.15, 0.10, 0.06, 0.04), strict=True)},
}
_ADULT = {
    0: 0.55,
    1: 0.25,
    2: 0.10,
    3: 0.045,
    4: 0.02,
    5: 0.015,
    6: 0.008,
    7: 0.006,
    8: 0.003,
    9: 0.002,
    10: 0.001,
}
_CHILD = {0: 0.92, 1: 0.065, 2: 0.015}
# People who died in the window were frailer than the living of their age.
_DYING = {
    **{k: 0.25 * s for k, s in zip(range(0, 5), (0.1, 0.15, 0.2, 0.25, 0.3), strict=True)},
    **{k: 0.40 * s for k, s in zip(range(5, 9), (0.3, 0.27, 0.23, 0.2), strict=True)},
    **{k: 0.25 * s for k, s in zip(range(9, 13), (0.3, 0.27, 0.23, 0.2), strict=True)},
    **{k: 0.10 * s for k, s in zip(range(13, 19), (0.35, 0.25, 0.15, 0.1, 0.1, 0.05), strict=True)},
}


def _targets(rng: np.random.Generator, key: np.ndarray, dist: dict[int, float]) -> np.ndarray:
    """Target counts with the shares of ``dist``, given in increasing order of ``key``."""
    counts = np.array(list(dist.keys()))
    shares = np.array(list(dist.values()))
    n = len(key)
    per = np.floor(n * shares / shares.sum()).astype(np.int64)
    per[0] += n - per.sum()
    sorted_targets = np.repeat(counts, per)
    out = np.empty(n, dtype=np.int64)
    out[np.argsort(key, kind="stable")] = sorted_targets
    return out


def target_counts(rng: np.random.Generator, pop: Population, existing: np.ndarray) -> np.ndarray:
    """Each person's total eFI deficit count (at least the deficits they already have).

    The shares are set among the living (whom the analytics count); the dead get a frailer mix.
    """
    propensity = existing + 1.2 * (0.7 * pop.health + 0.5 * rng.standard_normal(pop.n))
    target = np.zeros(pop.n, dtype=np.int64)
    alive = pop.alive
    groups = (
        (alive & (pop.age >= 65), _OLDER),
        (alive & (pop.age >= 18) & (pop.age < 65), _ADULT),
        (alive & (pop.age < 18), _CHILD),
        (~alive & (pop.age >= 65), _DYING),
        (~alive & (pop.age < 65), _ADULT),
    )
    for mask, dist in groups:
        idx = np.flatnonzero(mask)
        # Within 65+, older people are frailer: add age to the ordering.
        key = propensity[idx] + (0.08 * (pop.age[idx] - 65) if dist in (_OLDER, _DYING) else 0)
        target[idx] = _targets(rng, key, dist)
    return np.maximum(target, existing)


def choose_extra_deficits(rng: np.random.Generator, n_extra: np.ndarray, already: np.ndarray) -> np.ndarray:
    """Boolean matrix people × EXTRA_DEFICITS: ``n_extra[i]`` deficits not in ``already[i]``.

    Weighted sampling without replacement by the Gumbel-top-k trick, vectorised over people.
    """
    out = np.zeros((len(n_extra), len(EXTRA_DEFICITS)), dtype=bool)
    people = np.flatnonzero(n_extra > 0)
    if not len(people):
        return out
    weights = np.array([w for _, w in EXTRA_DEFICITS])
    logw = np.log(np.broadcast_to(weights, (len(people), len(weights))).copy())
    logw[already[people]] = -np.inf
    keys = logw + rng.gumbel(size=logw.shape)
    order = np.argsort(-keys, axis=1)
    available = np.isfinite(np.take_along_axis(keys, order, axis=1))
    take = (np.arange(len(weights))[None, :] < n_extra[people][:, None]) & available
    rows = np.repeat(people, take.sum(axis=1))
    out[rows, order[take]] = True
    return out
