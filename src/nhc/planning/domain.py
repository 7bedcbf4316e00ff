"""The planning model's values: a baseline (cells of activity and the population by age).

Plain numpy arrays behind small dataclasses, so the projection and the Monte Carlo are array
arithmetic and their tests need no engine. Built from the lake by :mod:`nhc.planning.lake`, or by
hand in tests (:meth:`Baseline.build`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nhc.planning.parameters import MAX_AGE, SETTINGS
from nhc.planning.transitions import NEED_GROUPS, Transitions
from nhc.vocab import AGE_BAND_LIMITS

SEXES = ("F", "M")


@dataclass(frozen=True)
class Cell:
    """Need group x age band x sex x IMD quintile (0 = not known)."""

    png: int
    png_name: str
    band: str
    age_band: str
    sex: str
    imd_quintile: int


@dataclass(frozen=True)
class Baseline:
    """Activity in the baseline year by cell and setting, and the population by sex and age.

    ``activity[i, j]`` is the count of setting ``SETTINGS[j]`` for ``cells[i]`` (settings not in the
    lake are 0); ``population[s, a]`` the people of sex ``SEXES[s]`` aged ``a`` (``MAX_AGE`` = that
    age and over). ``by_need[s, a, g]``, when known, splits them by need group ``NEED_GROUPS[g]``, and
    ``transitions`` says how people move between need groups in a year (both ``None`` when the
    lake cannot say; the projection then keeps each age band's need-group mix).
    """

    as_of: dt.date
    cells: tuple[Cell, ...]
    person_years: np.ndarray
    activity: np.ndarray
    population: np.ndarray
    left_out: Mapping[str, str] = field(default_factory=dict)
    coverage: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    by_need: np.ndarray | None = None
    transitions: Transitions | None = None
    #: Why ``transitions`` is ``None`` (or how it was estimated), in plain English.
    transitions_note: str = ""

    @classmethod
    def build(
        cls,
        as_of: dt.date,
        rows: Sequence[Mapping[str, Any]],
        population: Mapping[tuple[str, int], int],
        by_need: Mapping[tuple[str, int, int], int] | None = None,
        **extra: Any,
    ) -> Baseline:
        """From cell rows (the :data:`~nhc.planning.baseline.CELL` keys, ``person_years`` and any
        settings' counts), people by ``(sex, age)`` and, optionally, by ``(sex, age, need group)``
        (which then also gives the people by ``(sex, age)``)."""
        cells = tuple(
            Cell(
                int(r["png"]),
                str(r["png_name"]),
                str(r["band"]),
                str(r["age_band"]),
                str(r["sex"]),
                int(r["imd_quintile"]),
            )
            for r in rows
        )
        py = np.array([float(r["person_years"]) for r in rows], dtype=float)
        act = np.array([[float(r.get(s, 0) or 0) for s in SETTINGS] for r in rows], dtype=float)
        pop = np.zeros((len(SEXES), MAX_AGE + 1))
        for (sex, age), n in population.items():
            pop[SEXES.index(sex), min(int(age), MAX_AGE)] += n
        need = None
        if by_need is not None:
            need = np.zeros((len(SEXES), MAX_AGE + 1, len(NEED_GROUPS)))
            for (sex, age, png), n in by_need.items():
                need[SEXES.index(sex), min(int(age), MAX_AGE), NEED_GROUPS.index(int(png))] += n
            pop = need.sum(axis=2)
        activity = act.reshape(len(rows), len(SETTINGS))
        return cls(as_of, cells, py, activity, pop, by_need=need, **extra)

    def totals(self) -> dict[str, float]:
        """Activity by setting over every cell."""
        return dict(zip(SETTINGS, self.activity.sum(axis=0).tolist(), strict=True))

    def rates_by(self, key: str) -> list[dict[str, Any]]:
        """Person-years and activity per 1,000 person-years grouped by a :class:`Cell` field."""
        groups: dict[Any, list[int]] = {}
        for i, c in enumerate(self.cells):
            groups.setdefault(getattr(c, key), []).append(i)
        out = []
        for value in sorted(groups):
            idx = groups[value]
            py = float(self.person_years[idx].sum())
            act = self.activity[idx].sum(axis=0)
            row: dict[str, Any] = {key: value, "person_years": py}
            if key == "png":
                row["png_name"] = self.cells[idx[0]].png_name
            row.update({s: (1000 * a / py if py else 0.0) for s, a in zip(SETTINGS, act, strict=True)})
            out.append(row)
        return out


def band_of_age(age: int) -> str:
    """The age band (``nhc.vocab``) of a single year of age."""
    for name, lo, hi in AGE_BAND_LIMITS:
        if lo <= age <= hi:
            return name
    raise ValueError(f"no age band holds age {age}")
