"""Inequalities in an indicator: Core20 against the rest, and the slope index of inequality (SII).

Both are computed from *published* (disclosure-controlled) counts by IMD quintile, so they disclose
nothing the quintile figures do not.

**Core20** (NHS England, Core20PLUS5): the people living in the nationally most deprived 20 % of small
areas, IMD deciles 1-2, which is IMD quintile 1. The *absolute gap* is Core20's value minus the rest's
(quintiles 2-5 summed, count over count); the *relative gap* is Core20's value divided by the rest's.

**SII** — the method of OHID's Fingertips (PHEindicatormethods ``phe_sii``; Low A, Low A, "Measuring the
gap: quantifying and comparing local health inequalities", J Public Health 2004;26:388-95; APHO
Technical Briefing 3, 2008): the quintiles are ordered from most deprived (1) to least (5); each gets
the midpoint of its range in the cumulative population share (its *relative rank*, 0 to 1); the value
is regressed on the rank by least squares weighted by the quintile's population (the denominator).
The SII is the slope: the modelled difference between the least deprived end (rank 1) and the most
deprived end (rank 0), positive when the value rises with less deprivation (OHID's sign).

The 95 % confidence interval is the regression's: slope ± t(0.975, k - 2) x its standard error, with
the residual variance estimated from the k quintiles (Low & Low 2004). OHID's tool simulates the
interval from each quintile's own sampling error instead; with five quintiles the regression interval
is the wider, more cautious one. An SII needs all five quintiles published.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

QUINTILES = (1, 2, 3, 4, 5)
CORE20 = 1
# Student's t, 97.5th percentile, by degrees of freedom (k quintiles - 2 parameters)
T_975 = {
    1: 12.706205,
    2: 4.302653,
    3: 3.182446,
    4: 2.776445,
    5: 2.570582,
    6: 2.446912,
    7: 2.364624,
    8: 2.306004,
}

Counts = Mapping[int, tuple[int | None, int | None]]  # quintile -> (numerator, denominator), published


@dataclass(frozen=True)
class Gap:
    core20: float
    rest: float

    @property
    def absolute(self) -> float:
        return self.core20 - self.rest

    @property
    def relative(self) -> float | None:
        return None if self.rest == 0 else self.core20 / self.rest

    def as_json(self) -> dict:
        return {
            "core20": self.core20,
            "rest": self.rest,
            "absolute": self.absolute,
            "relative": self.relative,
        }


@dataclass(frozen=True)
class Sii:
    value: float
    lower: float
    upper: float

    def as_json(self) -> dict:
        return {"value": self.value, "lower": self.lower, "upper": self.upper}


def core20_gap(counts: Counts, scale: float) -> Gap | None:
    """Core20 (quintile 1) against quintiles 2-5, each count over count x ``scale``; ``None`` when
    Core20's or the rest's figure is not published."""
    core = counts.get(CORE20, (None, None))
    rest = [counts[q] for q in QUINTILES[1:] if q in counts and None not in counts[q]]
    if None in core or not core[1] or not rest:
        return None
    rest_num = sum(n for n, _ in rest)
    rest_den = sum(d for _, d in rest)
    if not rest_den:
        return None
    return Gap(core[0] * scale / core[1], rest_num * scale / rest_den)


def sii(counts: Counts, scale: float) -> Sii | None:
    """The slope index of inequality over the five quintiles with its 95 % confidence interval;
    ``None`` unless every quintile has a published numerator and a positive denominator."""
    cells = [counts.get(q, (None, None)) for q in QUINTILES]
    if any(n is None or not d for n, d in cells):
        return None
    populations = [float(d) for _, d in cells]
    values = [n * scale / d for n, d in cells]
    return sii_of(values, populations)


def sii_of(values: list[float], populations: list[float]) -> Sii:
    """The SII of ``values`` for groups ordered from most to least deprived with ``populations``."""
    total = sum(populations)
    ranks, below = [], 0.0
    for pop in populations:
        ranks.append((below + pop / 2) / total)
        below += pop
    w = populations
    sw = sum(w)
    mean_x = sum(wi * x for wi, x in zip(w, ranks, strict=True)) / sw
    mean_y = sum(wi * y for wi, y in zip(w, values, strict=True)) / sw
    sxx = sum(wi * (x - mean_x) ** 2 for wi, x in zip(w, ranks, strict=True))
    sxy = sum(wi * (x - mean_x) * (y - mean_y) for wi, x, y in zip(w, ranks, values, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    residual = sum(wi * (y - intercept - slope * x) ** 2 for wi, x, y in zip(w, ranks, values, strict=True))
    df = len(values) - 2
    se = math.sqrt(residual / df / sxx) if df > 0 else math.inf
    half = T_975.get(df, 1.959964) * se
    return Sii(slope, slope - half, slope + half)
