"""The registered population aged year by year: deaths, net migration, then births.

A cohort-component projection by sex and single year of age (0..99, and 100 for 100 and over),
with the shipped rates (:func:`nhc.planning.parameters.shipped_demography`). Each year, in order:

1. each age and sex keeps ``(1 - mortality) x (1 + net migration)`` of its people;
2. they are a year older (the oldest age keeps its survivors too);
3. births are the women of each age at the start of the year times the fertility rate, split by
   the male share of births, and enter at age 0 (infant deaths in the year of birth are not taken
   off: the first year's mortality applies from the next year).

The change in activity from demography alone is the change in people in each age band and sex
(:func:`band_factors`): the need-group and deprivation mix inside an age band and sex stays the
baseline's. With the people split by need group and the year's moves between need groups
(:class:`~nhc.planning.transitions.Transitions`), :func:`project_by_need` also moves people between
groups as they age, and :func:`need_cell_factors` gives each cell the change in its own need group,
age band and sex (the deprivation mix inside those stays the baseline's).
"""

from __future__ import annotations

import numpy as np

from nhc.planning.domain import SEXES, Baseline, band_of_age
from nhc.planning.parameters import MAX_AGE, DemographyRates
from nhc.planning.transitions import NEED_GROUPS, Transitions
from nhc.vocab import AGE_BANDS

#: The age band (index into ``AGE_BANDS``) of each single year of age.
BAND_OF_AGE = np.array([AGE_BANDS.index(band_of_age(a)) for a in range(MAX_AGE + 1)])


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


def _newborn_mix(population: np.ndarray) -> np.ndarray:
    """The need-group mix babies are born into, by sex: the baseline's at age 0, else under 18s',
    else everyone's (so a projection never loses its births)."""
    out = np.zeros((len(SEXES), population.shape[2]))
    for s in range(len(SEXES)):
        for block in (population[s, :1], population[s, :18], population[s]):
            total = block.sum()
            if total > 0:
                out[s] = block.sum(axis=0) / total
                break
        else:
            out[s, 0] = 1.0
    return out


def project_by_need(
    population: np.ndarray, rates: DemographyRates, moves: Transitions, years: int
) -> list[np.ndarray]:
    """``population`` (sex x age x need group) and each of the next ``years`` years, as
    :func:`project` does it, with two more steps each year: deaths are shared between need groups by
    ``moves.exit_ratio`` (at most everyone), and survivors move between groups by ``moves.matrix`` of
    their age band before they turn a year older. Babies are born into :func:`_newborn_mix`."""
    mortality = _rates(rates, "mortality")[:, :, None] * moves.exit_ratio[BAND_OF_AGE][None]
    keep = (1.0 - np.clip(mortality, 0.0, 1.0)) * (1.0 + _rates(rates, "net_migration"))[:, :, None]
    step = moves.matrix[BAND_OF_AGE]  # (age, from, to)
    fertility = _rates(rates, "fertility")[SEXES.index("F")]
    mix = _newborn_mix(np.asarray(population, dtype=float))
    out = [np.asarray(population, dtype=float)]
    for _ in range(years):
        pop = out[-1]
        survivors = np.einsum("sag,agh->sah", pop * keep, step)
        nxt = np.zeros_like(pop)
        nxt[:, 1:] = survivors[:, :-1]
        nxt[:, MAX_AGE] += survivors[:, MAX_AGE]
        births = float(pop[SEXES.index("F")].sum(axis=1) @ fertility)
        nxt[SEXES.index("M"), 0] += births * rates.male_share_of_births * mix[SEXES.index("M")]
        nxt[SEXES.index("F"), 0] += births * (1.0 - rates.male_share_of_births) * mix[SEXES.index("F")]
        out.append(nxt)
    return out


def by_need_band(population: np.ndarray) -> np.ndarray:
    """People (sex x age x need group) summed into (need group, age band, sex)."""
    out = np.zeros((len(NEED_GROUPS), len(AGE_BANDS), len(SEXES)))
    for b in range(len(AGE_BANDS)):
        out[:, b, :] = population[:, b == BAND_OF_AGE, :].sum(axis=1).T
    return out


def need_cell_factors(baseline: Baseline, end: np.ndarray) -> np.ndarray:
    """The factor of each baseline cell: people of its need group, age band and sex at ``end`` over
    those at the baseline (0 where the baseline has nobody: such a group has no rate there)."""
    if baseline.by_need is None:
        raise ValueError("the baseline has no people by need group")
    a, b = by_need_band(baseline.by_need), by_need_band(end)
    out = np.zeros(len(baseline.cells))
    for i, c in enumerate(baseline.cells):
        key = (NEED_GROUPS.index(c.png), AGE_BANDS.index(c.age_band), SEXES.index(c.sex))
        out[i] = b[key] / a[key] if a[key] else 0.0
    return out
