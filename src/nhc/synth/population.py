"""Who lives in the synthetic county: age, sex, practice, small area, deprivation, ethnicity,
latent health and who dies in the five years before the as-of date (more in winter).

Age structure follows Census 2021 Oxfordshire (725,300 people; 65+ 18%, 75+ 9%). Deaths follow a
Gompertz curve (mortality doubling about every 7.4 years of age) scaled to England's ~1% a year,
raised for people in poorer latent health.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from nhc.synth.history import HISTORY_DAYS, HISTORY_YEARS, seasonal_days

# Five-year age bands 0-4 ... 85-89, 90-99: per cent of the population (Census 2021-like; the
# 20-24 band is raised for Oxford's students). 65+ sums to 18.0, 75+ to 9.0.
AGE_BAND_SHARES = np.array(
    [5.3, 5.8, 6.0, 6.2, 7.7, 6.5, 6.4, 6.4, 6.2, 6.3, 6.8, 6.6, 5.8, 5.0, 4.0, 4.0, 2.6, 1.6, 0.8]
)
AGE_BAND_STARTS = np.array([*range(0, 90, 5), 90])
AGE_BAND_WIDTHS = np.array([5] * 18 + [10])

# Share female by age band: about even until 65, then rising (women live longer).
FEMALE_SHARE = np.array([0.49] * 13 + [0.51, 0.52, 0.55, 0.58, 0.63, 0.70])

ETHNIC_GROUPS = ("White", "Mixed", "Asian", "Black", "Other", "Not stated")
# Census 2021: Oxford is more diverse than the rest of the county.
ETHNICITY_OXFORD = np.array([0.76, 0.045, 0.10, 0.045, 0.025, 0.025])
ETHNICITY_ELSEWHERE = np.array([0.915, 0.025, 0.03, 0.012, 0.006, 0.012])

# Outward postcodes by locality (real districts; the inward parts are synthetic).
DISTRICTS = {
    "North": ("OX15", "OX16", "OX17"),
    "North East": ("OX25", "OX26", "OX5"),
    "Oxford City": ("OX1", "OX2", "OX3", "OX4"),
    "South East": ("RG9", "OX9", "OX10", "OX49"),
    "South West": ("OX11", "OX12", "OX13", "OX14"),
    "West": ("OX18", "OX28", "OX29", "OX7"),
}


@dataclass
class Population:
    """One entry per person; arrays are aligned by person index (patient_id = index + 1).

    The first ``n`` people are alive at the as-of date; those after them died in the five years before.
    ``age`` is the age the person has (or would have had) at the as-of date.
    """

    as_of_day: int
    dob_day: np.ndarray  # days since 1970-01-01
    age: np.ndarray  # whole years at as-of
    female: np.ndarray
    practice: np.ndarray  # index into the practices table
    area: np.ndarray  # index into the small areas table
    imd_decile: np.ndarray
    locality: np.ndarray  # index into localities
    ethnicity: np.ndarray  # index into ETHNIC_GROUPS
    health: np.ndarray  # latent general ill-health, N(0, 1)-ish, higher = sicker
    death_day: np.ndarray  # day of death, or a day after the window for survivors

    @property
    def n(self) -> int:
        return len(self.age)

    @property
    def alive(self) -> np.ndarray:
        return self.death_day > self.as_of_day

    @property
    def last_day(self) -> np.ndarray:
        """Last day on which a person can have a record: death or the as-of date."""
        return np.minimum(self.death_day, self.as_of_day)


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - counts.sum()
    if short:
        counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def build_population(
    rng: np.random.Generator,
    n: int,
    as_of_day: int,
    practices: pa.Table,
    areas: pa.Table,
    localities: tuple[str, ...],
) -> Population:
    per_practice = allocate(n, np.asarray(practices["list_size"].to_numpy(), dtype=np.float64))
    practice = np.repeat(np.arange(practices.num_rows), per_practice)

    # Small area: one in the practice's neighbourhood, weighted by the area's population.
    p_nbhd = np.asarray(practices["neighbourhood"].to_pylist(), dtype=object)
    a_nbhd = np.asarray(areas["neighbourhood"].to_pylist(), dtype=object)
    a_pop = np.asarray(areas["population"].to_numpy(), dtype=np.float64)
    area = np.empty(n, dtype=np.int64)
    person_nbhd = p_nbhd[practice]
    for nb in np.unique(p_nbhd):
        people = np.flatnonzero(person_nbhd == nb)
        candidates = np.flatnonzero(a_nbhd == nb)
        area[people] = rng.choice(candidates, size=len(people), p=a_pop[candidates] / a_pop[candidates].sum())
    imd = np.asarray(areas["imd_decile"].to_numpy(), dtype=np.int64)[area]
    loc_names = np.asarray(practices["locality"].to_pylist(), dtype=object)
    locality = np.array([localities.index(x) for x in loc_names], dtype=np.int64)[practice]

    band = rng.choice(len(AGE_BAND_SHARES), size=n, p=AGE_BAND_SHARES / AGE_BAND_SHARES.sum())
    age_days = (AGE_BAND_STARTS[band] * 365.25 + rng.random(n) * AGE_BAND_WIDTHS[band] * 365.25).astype(
        np.int64
    )
    dob_day = as_of_day - age_days
    age = np.floor(age_days / 365.25).astype(np.int64)
    female = rng.random(n) < FEMALE_SHARE[band]

    oxford = localities.index("Oxford City") if "Oxford City" in localities else -1
    ethnicity = np.where(
        locality == oxford,
        rng.choice(6, size=n, p=ETHNICITY_OXFORD),
        rng.choice(6, size=n, p=ETHNICITY_ELSEWHERE),
    )

    # Latent ill-health: partly deprivation (decile 1 is most deprived), mostly individual.
    deprivation = (5.5 - imd) / 2.87
    health = 0.3 * deprivation + rng.standard_normal(n)
    living = Population(
        as_of_day=as_of_day,
        dob_day=dob_day,
        age=age,
        female=female,
        practice=practice,
        area=area,
        imd_decile=imd,
        locality=locality,
        ethnicity=ethnicity,
        health=health,
        death_day=np.full(n, as_of_day + 100_000, dtype=np.int64),
    )
    return _add_deaths(rng, living)


def _add_deaths(rng: np.random.Generator, living: Population) -> Population:
    """``living`` (everyone alive at as-of, with the census age structure) plus those who died in
    the five years before: resampled from the living in proportion to their five-year mortality
    (Gompertz, raised by latent ill-health), so they are older and sicker. More deaths in winter
    (excess winter mortality, ~15-20% in England)."""
    q = np.clip(np.exp(-10.45 + 0.094 * living.age + 0.45 * living.health - 0.1), 0, 0.6)
    in_history = 1 - (1 - q) ** HISTORY_YEARS
    n_dead = round(float(in_history.sum()))
    if not n_dead:
        return living
    as_of_day = living.as_of_day
    template = rng.choice(living.n, size=n_dead, p=in_history / in_history.sum())
    died = seasonal_days(
        rng, np.full(n_dead, as_of_day - HISTORY_DAYS + 1), np.full(n_dead, HISTORY_DAYS - 1), 0.1
    )
    shift = as_of_day - died  # they were this much younger when they died

    def both(values: np.ndarray, dead: np.ndarray | None = None) -> np.ndarray:
        return np.concatenate([values, values[template] if dead is None else dead])

    return Population(
        as_of_day=as_of_day,
        dob_day=both(living.dob_day, living.dob_day[template] - shift),
        age=both(living.age),
        female=both(living.female),
        practice=both(living.practice),
        area=both(living.area),
        imd_decile=both(living.imd_decile),
        locality=both(living.locality),
        ethnicity=both(living.ethnicity),
        health=both(living.health, living.health[template] + 0.3 * rng.standard_normal(n_dead)),
        death_day=both(living.death_day, died),
    )
