"""Moves between Patient Need Groups in a year, estimated from two as-of dates of the lake.

:func:`transition_counts` is a pure Ibis rule (no engine named): the people of the earlier date by
their age band and need group then, and their need group at the later date (0 when they are not in
the later population: they died, moved away or left the list). :class:`Transitions` turns those
counts into what the projection uses, for each age band:

- ``matrix[b, i, j]``: the chance that someone in need group ``i`` who is still registered a year
  later is in group ``j`` then (rows sum to 1);
- ``exit_ratio[b, i]``: how much likelier people of group ``i`` are to leave the population than
  everyone in their age band (1 = as likely). The projection keeps the shipped mortality by age
  and shares it out between need groups by this ratio, so the deaths by age stay the shipped ones
  while frail people die sooner than fit ones of the same age.

A group with fewer than ``min_people`` people at the earlier date in an age band is too small to
estimate: its people stay in their group (identity row) and leave at the band's rate (ratio 1).
The dates are normally a year apart (:func:`nhc.planning.lake.transitions_on`); for another gap the
moves are scaled to a year linearly (``moves / years``), a first-order approximation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nhc.vocab import AGE_BANDS

if TYPE_CHECKING:
    import ibis.expr.types as ir

NEED_GROUPS = tuple(range(1, 12))  # PNG 1..11
GONE = 0  # png_to of someone not in the later population
MIN_PEOPLE = 20


def transition_counts(earlier: ir.Table, later: ir.Table) -> ir.Table:
    """People of ``earlier`` (``patient_id``, ``png``, ``age_band``) counted by ``age_band``,
    ``png_from`` (their group in ``earlier``) and ``png_to`` (their group in ``later``, 0 if they are
    not in it): ``persons``. People only in ``later`` (born or arrived) are not counted."""
    e = earlier.select("patient_id", "age_band", png_from=earlier.png.cast("int32"))
    lt = later.select(later_id=later.patient_id, png_to=later.png.cast("int32"))
    j = e.left_join(lt, e.patient_id == lt.later_id)
    j = j.select("age_band", "png_from", png_to=j.png_to.fill_null(GONE).cast("int32"))
    return j.group_by(["age_band", "png_from", "png_to"]).aggregate(persons=j.count().cast("int64"))


def years_between(earlier: dt.date, later: dt.date) -> float:
    """Years from ``earlier`` to ``later``: whole years when the dates are the same day of the
    year (give or take a leap day), else days / 365.25 (at least a day)."""
    days = max((later - earlier).days, 1)
    whole = round(days / 365.25)
    return float(whole) if whole and abs(days - whole * 365.25) <= 1 else days / 365.25


@dataclass(frozen=True)
class Transitions:
    """A year's moves between need groups by age band (:data:`AGE_BANDS` x :data:`NEED_GROUPS`)."""

    earlier: dt.date
    later: dt.date
    matrix: np.ndarray  # (bands, groups, groups), rows sum to 1
    exit_ratio: np.ndarray  # (bands, groups)
    people: np.ndarray  # (bands, groups): people at the earlier date
    estimated: np.ndarray  # (bands, groups) bool: enough people to estimate

    @classmethod
    def from_counts(
        cls,
        rows: Iterable[Mapping[str, Any]],
        earlier: dt.date,
        later: dt.date,
        min_people: int = MIN_PEOPLE,
    ) -> Transitions:
        """From :func:`transition_counts` rows. Unknown age bands or groups are ignored."""
        nb, ng = len(AGE_BANDS), len(NEED_GROUPS)
        moved = np.zeros((nb, ng, ng))
        gone = np.zeros((nb, ng))
        for r in rows:
            band, i, j = r["age_band"], int(r["png_from"]), int(r["png_to"])
            if band not in AGE_BANDS or i not in NEED_GROUPS:
                continue
            b = AGE_BANDS.index(band)
            if j == GONE:
                gone[b, i - 1] += r["persons"]
            elif j in NEED_GROUPS:
                moved[b, i - 1, j - 1] += r["persons"]
        years = years_between(earlier, later)
        stayed = moved.sum(axis=2)
        people = stayed + gone
        estimated = (people >= min_people) & (stayed > 0)
        matrix = np.broadcast_to(np.eye(ng), (nb, ng, ng)).copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            p = moved / stayed[:, :, None]
            off = p * (1 - np.eye(ng)) / years
            est = off + np.eye(ng) * (1 - off.sum(axis=2))[:, :, None]
            matrix[estimated] = est[estimated]
            band_rate = gone.sum(axis=1) / people.sum(axis=1)
            ratio = (gone / people) / band_rate[:, None]
        exit_ratio = np.where(estimated & np.isfinite(ratio), ratio, 1.0)
        return cls(earlier, later, matrix, exit_ratio, people, estimated)

    @classmethod
    def identity(cls, day: dt.date) -> Transitions:
        """Nobody moves and every group leaves at its band's rate (the projection without moves)."""
        nb, ng = len(AGE_BANDS), len(NEED_GROUPS)
        eye = np.broadcast_to(np.eye(ng), (nb, ng, ng)).copy()
        zero = np.zeros((nb, ng))
        return cls(day, day, eye, np.ones((nb, ng)), zero, zero.astype(bool))

    def moving(self) -> list[dict[str, Any]]:
        """Per age band and group with an estimate: people at the earlier date, the share still in
        their group a year later (of those still registered) and the exit ratio."""
        out = []
        for b, band in enumerate(AGE_BANDS):
            for i, png in enumerate(NEED_GROUPS):
                if self.estimated[b, i]:
                    out.append(
                        {
                            "age_band": band,
                            "png": png,
                            "people": int(self.people[b, i]),
                            "stay": float(self.matrix[b, i, i]),
                            "exit_ratio": float(self.exit_ratio[b, i]),
                        }
                    )
        return out
