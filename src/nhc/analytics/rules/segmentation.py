"""Segmentation: 11 Patient Need Groups (PNGs) in 3 need bands, and the neighbourhood pyramid.

The Johns Hopkins ACG System's PNG rules are proprietary. These are open, documented, hierarchical
rules that aim at the same groups (BOB ICB / Oxfordshire publish the group names and the band
sizes: lower 74.0%, moderate 23.1%, higher 2.9%). Rules are tried in :data:`PNG_ORDER`; the first
that matches gives the group, so the groups are mutually exclusive, and the last rule (low need
adult) matches everyone left, so they are exhaustive. Every patient gets the reason the rule gives,
with their own values.

All thresholds are in :data:`THRESHOLDS`, where calibration on the synthetic county can change
them in one place.

The pyramid (Oxfordshire neighbourhood model: of 40,000 people about 30,000 generally healthy or
one long-term condition, 7,500 two or more, 1,600 frail or complex at home, 400 at the end of life
or in crisis) has its own hierarchical rules in :data:`PYRAMID_ORDER`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    import ibis.expr.types as ir

THRESHOLDS: dict[str, float] = {
    "frailty_min_age": 65,  # PNG 11 definition (adults 65+)
    "frailty_min_markers": 2,  # PNG 11 definition (two or more frailty markers)
    "high_cms": 4.0,  # PNG 10: Cambridge Multimorbidity Score at or above this
    "high_ltc": 4,  # PNG 10: this many long-term conditions ...
    "high_ltc_admissions": 2,  # ... and at least this many emergency admissions in 12 months
    "pregnancy_high_age": 40,  # PNG 7: maternal age
    "medium_one_ltc_admissions": 1,  # PNG 5: one LTC with this many emergency admissions in 12 months ...
    "medium_one_ltc_deficits": 4,  # ... or with this many eFI deficits (complexity beyond the one LTC)
    "pyramid_cms_conditions": 2,  # pyramid tier 2: or this many Cambridge Multimorbidity Score conditions
    "crisis_admissions": 3,  # pyramid tier 4: emergency admissions in 12 months
}

BANDS: dict[int, str] = {
    1: "low",
    2: "low",
    3: "low",
    4: "low",
    5: "moderate",
    6: "moderate",
    7: "moderate",
    8: "moderate",
    9: "moderate",
    10: "high",
    11: "high",
}
PNG_NAMES: dict[int, str] = {
    1: "Non-user",
    2: "Low need child",
    3: "Low need adult",
    4: "Low complexity morbidity",
    5: "Medium complexity morbidity",
    6: "Pregnancy low complexity",
    7: "Pregnancy high complexity",
    8: "Dominant psychiatric condition",
    9: "Dominant major chronic condition",
    10: "Multi-morbidity high complexity",
    11: "Frailty",
}
BAND_TARGETS: dict[str, float] = {"low": 0.740, "moderate": 0.231, "high": 0.029}
BAND_TARGET_COUNTS: dict[str, int] = {"low": 473_978, "moderate": 147_710, "high": 18_758}


def _s(x: ir.Value) -> ir.StringValue:
    return x.cast("string")


def _join(parts: list[tuple[ir.BooleanValue, ir.StringValue]]) -> ir.StringValue:
    """The texts of the parts whose condition holds, joined by '; '."""
    # a join that skips nulls (concat_ws on every engine): no trailing separator to strip by regex
    return ibis.literal("; ").join(
        [ibis.cases((cond, text), else_=ibis.null("string")) for cond, text in parts]
    )


@dataclass(frozen=True)
class Rule:
    code: int
    name: str
    description: str
    when: Callable[[ir.Table], ir.BooleanValue]
    reason: Callable[[ir.Table], ir.StringValue]


T = THRESHOLDS


def _frail(t):
    return (t.age >= T["frailty_min_age"]) & (t.frailty_markers >= T["frailty_min_markers"])


def _high(t):
    return (
        t.reg_palliative_care
        | (t.cms >= T["high_cms"])
        | ((t.ltc_count >= T["high_ltc"]) & (t.emergency_admissions_12m >= T["high_ltc_admissions"]))
    )


def _high_reason(t):
    return _join(
        [
            (t.reg_palliative_care, ibis.literal("on the palliative care register")),
            (t.cms >= T["high_cms"], "Cambridge Multimorbidity Score " + _s(t.cms) + f" >= {T['high_cms']}"),
            (
                (t.ltc_count >= T["high_ltc"]) & (t.emergency_admissions_12m >= T["high_ltc_admissions"]),
                _s(t.ltc_count)
                + " long-term conditions and "
                + _s(t.emergency_admissions_12m)
                + " emergency admission(s) in 12 months",
            ),
        ]
    )


def _preg_high(t):
    return t.pregnant & (t.pregnancy_complication | (t.age >= T["pregnancy_high_age"]) | (t.major_count >= 1))


def _psych(t):
    return t.reg_smi | t.selfharm_12m | ((t.psych_count >= 2) & (t.psych_count == t.ltc_count))


def _major_dominant(t):
    return (t.major_count == 1) & (t.ltc_count <= 2)


def _complex_single(t):
    """One LTC made more complex by an emergency admission or by a wider burden of frailty deficits
    (the ACG groups weigh all of a person's morbidity and use, not only their long-term conditions)."""
    return (t.ltc_count == 1) & (
        (t.emergency_admissions_12m >= T["medium_one_ltc_admissions"])
        | (t.efi_deficits >= T["medium_one_ltc_deficits"])
    )


def _medium(t):
    return (t.ltc_count >= 2) | (t.major_count >= 1) | _complex_single(t)


PNG_RULES: tuple[Rule, ...] = (
    Rule(
        11,
        PNG_NAMES[11],
        "aged 65+ with two or more frailty markers coded in 12 months",
        _frail,
        lambda t: (
            "aged "
            + _s(t.age)
            + " with "
            + _s(t.frailty_markers)
            + " frailty markers in 12 months (65+ and 2+)"
        ),
    ),
    Rule(
        10,
        PNG_NAMES[10],
        "palliative care register, or CMS >= 4.0, or 4+ LTCs with 2+ emergency admissions",
        _high,
        _high_reason,
    ),
    Rule(
        7,
        PNG_NAMES[7],
        "pregnant with gestational diabetes/pre-eclampsia, aged 40+, or a major chronic condition",
        _preg_high,
        lambda t: (
            "pregnant and "
            + _join(
                [
                    (t.pregnancy_complication, ibis.literal("gestational diabetes or pre-eclampsia coded")),
                    (t.age >= T["pregnancy_high_age"], "aged " + _s(t.age)),
                    (t.major_count >= 1, _s(t.major_count) + " major chronic condition(s)"),
                ]
            )
        ),
    ),
    Rule(
        6,
        PNG_NAMES[6],
        "pregnant (antenatal code in 40 weeks, no later delivery), no complicating factor",
        lambda t: t.pregnant,
        lambda t: ibis.literal("pregnant with no complicating factor"),
    ),
    Rule(
        8,
        PNG_NAMES[8],
        "severe mental illness, self-harm in 12 months, or only psychiatric LTCs (2+)",
        _psych,
        lambda t: _join(
            [
                (t.reg_smi, ibis.literal("on the severe mental illness register")),
                (t.selfharm_12m, ibis.literal("self-harm in 12 months")),
                (
                    (t.psych_count >= 2) & (t.psych_count == t.ltc_count),
                    _s(t.psych_count) + " psychiatric conditions and no other LTC",
                ),
            ]
        ),
    ),
    Rule(
        9,
        PNG_NAMES[9],
        "one major chronic condition and at most one other LTC",
        _major_dominant,
        lambda t: "one major chronic condition; " + _s(t.ltc_count) + " long-term condition(s) in all",
    ),
    Rule(
        5,
        PNG_NAMES[5],
        "two or more LTCs, two or more major chronic conditions, or one LTC with an emergency "
        "admission in 12 months or 4+ eFI deficits",
        _medium,
        lambda t: ibis.cases(
            (
                _complex_single(t),
                "one long-term condition with "
                + _join(
                    [
                        (
                            t.emergency_admissions_12m >= T["medium_one_ltc_admissions"],
                            _s(t.emergency_admissions_12m) + " emergency admission(s) in 12 months",
                        ),
                        (
                            t.efi_deficits >= T["medium_one_ltc_deficits"],
                            _s(t.efi_deficits) + " eFI deficits",
                        ),
                    ]
                ),
            ),
            else_=_s(t.ltc_count) + " long-term conditions, " + _s(t.major_count) + " major",
        ),
    ),
    Rule(
        4,
        PNG_NAMES[4],
        "one long-term condition (not major)",
        lambda t: t.ltc_count >= 1,
        lambda t: ibis.literal("one long-term condition"),
    ),
    Rule(
        1,
        PNG_NAMES[1],
        "no encounter, coded event or prescription in 12 months",
        lambda t: ~t.active_12m,
        lambda t: ibis.literal("no recorded activity in 12 months"),
    ),
    Rule(
        2,
        PNG_NAMES[2],
        "under 18, no long-term condition",
        lambda t: t.age < 18,
        lambda t: "aged " + _s(t.age) + ", no long-term condition",
    ),
    Rule(
        3,
        PNG_NAMES[3],
        "18 or over, no long-term condition (everyone left)",
        lambda t: ibis.literal(True),
        lambda t: "aged " + _s(t.age) + ", no long-term condition",
    ),
)
PNG_ORDER: tuple[int, ...] = tuple(r.code for r in PNG_RULES)


@dataclass(frozen=True)
class Tier:
    code: int
    name: str
    description: str
    when: Callable[[ir.Table], ir.BooleanValue]


PYRAMID_RULES: tuple[Tier, ...] = (
    Tier(
        4,
        "End of life or in crisis",
        "palliative care register or end-of-life code in 12 months, or 3+ emergency admissions in 12 months",
        lambda t: (
            t.reg_palliative_care | t.end_of_life_12m | (t.emergency_admissions_12m >= T["crisis_admissions"])
        ),
    ),
    Tier(
        3,
        "Frail or complex at home",
        "moderate or severe frailty (eFI, 65+), PNG 10 or 11, or living in a care home",
        lambda t: (
            ((t.age >= 65) & t.efi_category.isin(["moderate", "severe"])) | t.png.isin([10, 11]) | t.care_home
        ),
    ),
    Tier(
        2,
        "Two or more long-term conditions",
        "two or more long-term conditions on the registers, or two or more of the Cambridge "
        "Multimorbidity Score's conditions (the multimorbidity definition of Payne 2020)",
        lambda t: (t.ltc_count >= 2) | (t.cms_conditions >= T["pyramid_cms_conditions"]),
    ),
    Tier(1, "Generally healthy or one long-term condition", "everyone else", lambda t: ibis.literal(True)),
)
PYRAMID_NAMES: dict[int, str] = {t.code: t.name for t in PYRAMID_RULES}
PYRAMID_TARGETS: dict[int, float] = {
    1: 30_000 / 40_000,
    2: 7_500 / 40_000,
    3: 1_600 / 40_000,
    4: 400 / 40_000,
}


def segment(facts: ir.Table, rules: tuple[Rule, ...] = PNG_RULES) -> ir.Table:
    """``facts`` plus png, png_reason, png_name, band, pyramid_tier, pyramid_name (first matching
    rule wins)."""
    png = ibis.cases(*[(r.when(facts), r.code) for r in rules], else_=3).cast("int8")
    t = facts.mutate(png=png)
    # Everything else in one projection over the group found (each layer of projections makes the
    # query slower to compile): the reason text is chosen by the group, so each rule's condition
    # is evaluated once; the pyramid's name comes from the same rules as its tier.
    return t.mutate(
        png_reason=ibis.cases(
            *[(t.png == r.code, f"PNG {r.code} {r.name}: " + r.reason(t)) for r in rules], else_=""
        ),
        png_name=ibis.cases(*[(t.png == k, v) for k, v in PNG_NAMES.items()], else_="unknown"),
        band=ibis.cases(*[(t.png == k, v) for k, v in BANDS.items()], else_="unknown"),
        pyramid_tier=ibis.cases(*[(r.when(t), r.code) for r in PYRAMID_RULES], else_=1).cast("int8"),
        pyramid_name=ibis.cases(*[(r.when(t), r.name) for r in PYRAMID_RULES], else_=PYRAMID_RULES[-1].name),
    )
