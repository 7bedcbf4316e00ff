"""The population beside Oxfordshire's published figures: need bands and the neighbourhood pyramid.

Pure functions of published (disclosure-controlled) figures and the constants the segmentation
rules were calibrated against (:mod:`nhc.analytics.rules.segmentation`, the figures ``nhc run``
prints), so nothing here can disclose more than the tables it is given.
"""

from __future__ import annotations

from typing import Any

from nhc.analytics.rules.segmentation import BAND_TARGET_COUNTS, PYRAMID_TARGETS

#: People per neighbourhood in the Oxfordshire neighbourhood model's pyramid.
PYRAMID_POPULATION = 40_000
OXFORDSHIRE_POPULATION = sum(BAND_TARGET_COUNTS.values())

BAND_SOURCE = (
    "Oxfordshire's population segmentation published by Buckinghamshire, Oxfordshire and Berkshire "
    "West (BOB) Integrated Care Board: people in each need band of the Patient Need Groups "
    "(Johns Hopkins ACG System), 473,978 lower, 147,710 moderate and 18,758 higher need. NHC's open "
    "segmentation rules were calibrated against these shares (the band targets that nhc run prints)."
)
PYRAMID_SOURCE = (
    "The Oxfordshire neighbourhood health model's pyramid: of every 40,000 people about 30,000 are "
    "generally healthy or have one long-term condition, 7,500 have two or more, 1,600 are frail or "
    "complex at home and 400 are at the end of life or in crisis (the pyramid targets that nhc run "
    "prints)."
)


def _scaled(count: int | None, total: int | None, to: int, nearest: int = 10) -> int | None:
    """``count`` out of ``total`` as a number out of ``to``, rounded to ``nearest``."""
    if count is None or not total:
        return None
    return int(round(count * to / total / nearest) * nearest)


def _share(count: int | None, total: int | None) -> float | None:
    return None if count is None or not total else round(100.0 * count / total, 1)


def comparison(overview: dict[str, Any], pyramid: dict[str, Any]) -> dict[str, Any]:
    """Each need band and pyramid tier: this population's published count and share, Oxfordshire's
    published figure, and this population scaled to Oxfordshire's size (bands) or to 40,000
    people (pyramid), as the model states its figures."""
    total = overview["total"]
    bands = [
        {
            **b,
            "oxford_count": BAND_TARGET_COUNTS[b["band"]],
            "oxford_share": _share(BAND_TARGET_COUNTS[b["band"]], OXFORDSHIRE_POPULATION),
            "scaled": _scaled(b["count"], total, OXFORDSHIRE_POPULATION, 100),
        }
        for b in overview["bands"]
    ]
    tiers = [
        {
            **t,
            "model_per_40000": round(PYRAMID_TARGETS[t["tier"]] * PYRAMID_POPULATION),
            "per_40000": _scaled(t["count"], pyramid["total"], PYRAMID_POPULATION),
        }
        for t in pyramid["tiers"]
    ]
    return {
        "total": total,
        "bands": bands,
        "oxford_population": OXFORDSHIRE_POPULATION,
        "pyramid": tiers,
        "pyramid_total": pyramid["total"],
        "pyramid_withheld": pyramid["withheld"],
        "band_source": BAND_SOURCE,
        "pyramid_source": PYRAMID_SOURCE,
        "as_of": overview["as_of"],
    }
