"""The shared vocabularies, declared once: need bands, age bands, eFI categories, what people value.

Analytics derive these values, the lake's schemas allow exactly them, and the pages and API label them; all
three import them from here so that a new band cannot exist in one place and not another. Cut-points that are
rules (the eFI's deficit counts, the segmentation's bands) stay with their rules and use these names.
"""

from __future__ import annotations

from enum import StrEnum


class Band(StrEnum):
    """Need band of a Patient Need Group (the segmentation's three tiers)."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


# Plain strings (not enum members), as they go into SQL parameters, Parquet and JSON.
BANDS: tuple[str, ...] = tuple(b.value for b in Band)
BAND_LABELS: dict[str, str] = {"low": "Lower need", "moderate": "Moderate need", "high": "Higher need"}
BAND_NUMBERS: dict[str, int] = {"low": 1, "moderate": 2, "high": 3}

# (label, lowest age, highest age) in whole years at the as-of date; 200 stands for "no upper limit".
AGE_BAND_LIMITS: tuple[tuple[str, int, int], ...] = (
    ("0-17", 0, 17),
    ("18-44", 18, 44),
    ("45-64", 45, 64),
    ("65-74", 65, 74),
    ("75-84", 75, 84),
    ("85+", 85, 200),
)
AGE_BANDS: tuple[str, ...] = tuple(name for name, _, _ in AGE_BAND_LIMITS)


class EfiCategory(StrEnum):
    """Electronic Frailty Index category (Clegg et al. 2016)."""

    FIT = "fit"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


EFI_CATEGORIES: tuple[str, ...] = tuple(c.value for c in EfiCategory)


# What people say they value in their care: the eight themes of Oxfordshire's engagement summary
# ("What People Value", the neighbourhood health and care seed 002). Engagement feedback is tagged with
# them and a neighbourhood plan's actions say which of them they answer ("you said, we did").
WHAT_PEOPLE_VALUE: dict[str, str] = {
    "access": "Access to appointments",
    "continuity": "Continuity of care",
    "navigation": "Clarity and navigation",
    "digital": "Digital access",
    "empathy": "Empathy and respect",
    "integrated": "Integrated care",
    "prevention": "Preventative focus",
    "triage": "Triage systems",
}
THEMES: tuple[str, ...] = tuple(WHAT_PEOPLE_VALUE)
