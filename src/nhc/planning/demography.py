"""The registered population aged year by year: deaths, net migration, then births.

A cohort-component projection by sex and single year of age (0..99, and 100 for 100 and over),
with the shipped rates (:func:`nhc.planning.parameters.shipped_demography`). Each year, in order:

1. each age and sex keeps ``(1 - mortality) x (1 + net migration)`` of its people;
2. they are a year older (the oldest age keeps its survivors too);
3. births are the women of each age at the start of the year times the fertility rate, split by
   the male share of births, and enter at age 0 (infant deaths in the year of birth are not taken
   off: the first year's mortality applies from the next year).

The change in activity from demography is the change in people in each age band and sex
(:func:`band_factors`): the need-group and deprivation mix inside an age band and sex stays the
baseline's, because moves between need groups as people age are not modelled yet.
"""

from __future__ import annotations

import numpy as np

from nhc.planning.domain import SEXES, Baseline, band_of_age
from nhc.planning.parameters import MAX_AGE, DemographyRates


def _rates(rates: DemographyRates, name: str) -> np.ndarray:
    return np.array([rates.by_age(name, "female" if s == "F" else "male") for s in SEXES])


def project(population: np.ndarray, rates: DemographyRates, years: int) -> list[np.ndarray]:
    """``population`` (sex x age) and each of the next ``years`` years: ``years + 1`` arrays."""
    keep = (1.0 - _rates(rates, "mortality")) * (1.0 + _rates(rates, "net_migration"))
    fertility = _rates(rates, "fertility")[SEXES.index("F")]
    out = [np.asarray(population, dtype=float)]
    for _ in range(years):
        pop = out[-1]
        survivors = pop * keep
        nxt = np.zeros_like(pop)
        nxt[:, 1:] = survivors[:, :-1]
        nxt[:, MAX_AGE] += survivors[:, MAX_AGE]
        births = float(pop[SEXES.index("F")] @ fertility)
        nxt[SEXES.index("M"), 0] += births * rates.male_share_of_births
        nxt[SEXES.index("F"), 0] += births * (1.0 - rates.male_share_of_births)
        out.append(nxt)
    return out


def by_band(population: np.ndarray) -> dict[tuple[str, str], float]:
    """People by (age band, sex)."""
    out: dict[tuple[str, str], float] = {}
    for s, sex in enumerate(SEXES):
        for age in range(MAX_AGE + 1):
            key = (band_of_age(age), sex)
            out[key] = out.get(key, 0.0) + float(population[s, age])
    return out


def band_factors(start: np.ndarray, end: np.ndarray) -> dict[tuple[str, str], float]:
    """People at ``end`` over people at ``start`` for each (age band, sex); 0 where ``start`` has
    nobody (no baseline rate exists for such a band, so it adds no activity)."""
    a, b = by_band(start), by_band(end)
    return {k: (b[k] / a[k] if a[k] else 0.0) for k in a}


def cell_factors(baseline: Baseline, end: np.ndarray) -> np.ndarray:
    """The demographic factor of each baseline cell: its age band and sex's :func:`band_factors`."""
    f = band_factors(baseline.population, end)
    return np.array([f.get((c.age_band, c.sex), 0.0) for c in baseline.cells], dtype=float)
