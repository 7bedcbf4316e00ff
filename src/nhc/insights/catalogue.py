"""What the insights pages publish: need bands, dimensions, indicators, errors, and the helpers
every published table shares (the cache, shares, display order)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from nhc.errors import NhcError
from nhc.vocab import AGE_BANDS

DIMENSIONS = {
    "age_band": "Age band",
    "sex": "Sex",
    "imd_quintile": "Deprivation (IMD quintile, 1 = most deprived)",
    "locality": "Locality",
    "neighbourhood": "Neighbourhood",
    "practice_code": "Practice",
    "png": "Patient Need Group",
}


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    kind: str  # proportion | rate
    per: int  # shown per 100 (percent) or per 1,000
    numerator: str  # SQL aggregate over pi
    denominator: str
    description: str


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            "emergency_admissions",
            "Emergency admissions per 1,000 registered people (12 months)",
            "rate",
            1000,
            "sum(emergency_admissions_12m)",
            "count(*)",
            "Emergency admissions in the 12 months before the as-of date, per 1,000 people on the list.",
        ),
        Indicator(
            "high_need",
            "People in the higher need band (%)",
            "proportion",
            100,
            "count(*) FILTER (WHERE band = 'high')",
            "count(*)",
            "Share of the list in the higher need band (Patient Need Groups 10 and 11).",
        ),
        Indicator(
            "frailty_65",
            "Moderate or severe frailty, people aged 65+ (%)",
            "proportion",
            100,
            "count(*) FILTER (WHERE age >= 65 AND efi_category IN ('moderate', 'severe'))",
            "count(*) FILTER (WHERE age >= 65)",
            "Share of people aged 65 and over with an eFI category of moderate or severe.",
        ),
        Indicator(
            "diabetes_prevalence",
            "Diabetes register prevalence, people aged 17+ (%)",
            "proportion",
            100,
            "count(*) FILTER (WHERE age >= 17 AND list_contains(string_split(registers, '; '), 'diabetes'))",
            "count(*) FILTER (WHERE age >= 17)",
            "Share of people aged 17 and over on the diabetes register. (HbA1c control needs HbA1c "
            "values in the insight tables, which the analytics do not write yet.)",
        ),
    )
}


class NotFound(NhcError):
    """An unknown id (HTTP 404)."""


class BadParameter(NhcError):
    """A malformed or unknown parameter (HTTP 400)."""


class NotReady(NhcError):
    """The insight tables are not in the lake yet (HTTP 503)."""


T = TypeVar("T")


def cached(method: Callable[..., T]) -> Callable[..., T]:
    """Cache an aggregate until the lake's insight tables change (``self`` is an
    :class:`~nhc.insights.service.InsightsService`)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> T:
        gen = self._generation()
        key = (method.__name__, args)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == gen:
            return hit[1]
        value = method(self, *args)
        self._cache[key] = (gen, value)
        return value

    return wrapper


TOTALS_NOTE = "sum of the published cells (suppressed and withheld cells count as 0)"


def share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def display_order(dimension: str, key: Any) -> tuple:
    if dimension == "age_band":
        return (AGE_BANDS.index(key) if key in AGE_BANDS else 99, str(key))
    if dimension in ("imd_quintile", "png"):
        return (0, int(key)) if key is not None else (1, 0)
    return (0, str(key))
