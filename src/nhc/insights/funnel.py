"""Funnel plots for comparing units (practices) on one indicator (Spiegelhalter 2005).

Control limits are drawn around the overall rate ``theta0`` at 95% (z = 1.96) and 99.8% (z = 3.09).
Overdispersion: the units' z-scores are winsorised (10% each tail), ``phi`` is their mean square; when
``I*phi > I-1`` an additive random-effects variance

    tau^2 = (I*phi - (I-1)) / (sum(w) - sum(w^2)/sum(w)),  w = 1/s^2

is added to each unit's sampling variance (Spiegelhalter, Statist. Med. 2005;24:1185-1202, section 4).
Proportions use the binomial variance theta0(1-theta0)/n; rates (events per person) the Poisson
variance theta0/n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

Z95 = 1.959964
Z998 = 3.090232


@dataclass(frozen=True)
class FunnelUnit:
    unit: str
    label: str
    n: int | None  # denominator (disclosure-controlled; None = suppressed)
    y: int | None  # numerator (disclosure-controlled; None = suppressed)


@dataclass(frozen=True)
class FunnelPoint:
    unit: str
    label: str
    n: int | None
    y: int | None
    value: float | None
    z: float | None
    flag: str  # within | high-95 | low-95 | high-99.8 | low-99.8 | suppressed


@dataclass
class Funnel:
    kind: str
    target: float
    phi: float
    tau2: float
    overdispersed: bool
    points: list[FunnelPoint]
    limits: list[tuple[float, float, float, float, float]] = field(
        default_factory=list
    )  # n, lo95, hi95, lo998, hi998

    @property
    def outliers(self) -> list[FunnelPoint]:
        return [p for p in self.points if p.flag not in ("within", "suppressed")]


def _var(theta: float, n: float, kind: str) -> float:
    return theta * (1 - theta) / n if kind == "proportion" else theta / n


def _winsorise(values: list[float], q: float = 0.10) -> list[float]:
    if len(values) < 3:
        return values
    s = sorted(values)
    k = len(s)
    lo = s[math.floor(q * (k - 1))]
    hi = s[math.ceil((1 - q) * (k - 1))]
    return [min(max(v, lo), hi) for v in values]


def funnel(
    units: list[FunnelUnit],
    kind: Literal["proportion", "rate"] = "proportion",
    *,
    overdispersion: bool = True,
    points_on_curve: int = 60,
) -> Funnel:
    usable = [u for u in units if u.n and u.y is not None and u.n > 0]
    total_n = sum(u.n for u in usable)  # type: ignore[misc]
    target = sum(u.y for u in usable) / total_n if total_n else 0.0  # type: ignore[misc]
    s2 = {u.unit: _var(target, u.n, kind) for u in usable}  # type: ignore[arg-type]
    zs = [((u.y / u.n) - target) / math.sqrt(s2[u.unit]) for u in usable if s2[u.unit] > 0]  # type: ignore[operator]
    k = len(zs)
    phi = sum(z * z for z in _winsorise(zs)) / k if k else 1.0
    tau2 = 0.0
    if overdispersion and k > 1 and k * phi > k - 1:
        w = [1 / s2[u.unit] for u in usable if s2[u.unit] > 0]
        denom = sum(w) - sum(x * x for x in w) / sum(w)
        tau2 = max(0.0, (k * phi - (k - 1)) / denom) if denom > 0 else 0.0
    points = []
    for u in units:
        if not u.n or u.y is None or u.n <= 0:
            points.append(FunnelPoint(u.unit, u.label, u.n, u.y, None, None, "suppressed"))
            continue
        value = u.y / u.n
        sd = math.sqrt(_var(target, u.n, kind) + tau2)
        z = (value - target) / sd if sd > 0 else 0.0
        flag = "within"
        if abs(z) > Z998:
            flag = "high-99.8" if z > 0 else "low-99.8"
        elif abs(z) > Z95:
            flag = "high-95" if z > 0 else "low-95"
        points.append(FunnelPoint(u.unit, u.label, u.n, u.y, value, z, flag))
    limits = []
    ns = [u.n for u in usable]
    if ns and target > 0:
        lo_n, hi_n = max(1.0, min(ns) * 0.8), max(ns) * 1.1  # type: ignore[type-var]
        for i in range(points_on_curve + 1):
            n = lo_n * (hi_n / lo_n) ** (i / points_on_curve)
            sd = math.sqrt(_var(target, n, kind) + tau2)
            clip_hi = 1.0 if kind == "proportion" else math.inf
            limits.append(
                (
                    n,
                    max(0.0, target - Z95 * sd),
                    min(clip_hi, target + Z95 * sd),
                    max(0.0, target - Z998 * sd),
                    min(clip_hi, target + Z998 * sd),
                )
            )
    return Funnel(kind, target, phi, tau2, tau2 > 0, points, limits)
