"""What the outcomes pages show, as plain rows: the summary matrix, one series' points and one
breakdown's groups, with the Making Data Count icons in words.

Every figure comes from the report's *published* series (disclosure-controlled counts; values, SPC
and gaps computed from them), so a row here, its CSV and its chart show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nhc.outcomes.catalogue import BY_ID, INDICATORS, LEFT_OUT, Indicator
from nhc.outcomes.report import OutcomesReport, Series
from nhc.outcomes.series import COUNTY
from nhc.vocab import AGE_BANDS
from nhc.web import tables


@dataclass(frozen=True)
class Icon:
    """A Making Data Count icon as text: its words, its NHS.UK tag colour, a symbol and its order
    when a column is sorted (concern first)."""

    label: str
    colour: str
    symbol: str
    order: int


#: Variation icons (Making Data Count): blue improvement, orange concern, purple neither, grey common.
VARIATION: dict[str, Icon] = {
    "concern_high": Icon("Special cause concern: high", "orange", "▲", 0),
    "concern_low": Icon("Special cause concern: low", "orange", "▼", 1),
    "neutral_high": Icon("Special cause: high (neither better nor worse)", "purple", "▲", 2),
    "neutral_low": Icon("Special cause: low (neither better nor worse)", "purple", "▼", 3),
    "common_cause": Icon("Common cause variation", "grey", "●", 4),
    "improvement_high": Icon("Special cause improvement: high", "blue", "▲", 5),
    "improvement_low": Icon("Special cause improvement: low", "blue", "▼", 6),
}
NO_CHART = Icon("Too few published months to chart", "white", "–", 7)
NO_DATA = Icon("No data", "white", "–", 8)
ASSURANCE: dict[str, Icon] = {
    "consistent_fail": Icon("Will consistently fail the target", "orange", "F", 0),
    "inconsistent": Icon("Will hit and miss the target", "grey", "?", 1),
    "consistent_pass": Icon("Will consistently pass the target", "blue", "P", 2),
}
NO_TARGET = Icon("No target", "white", "–", 3)
NO_ASSURANCE = Icon("Too few published months to tell", "white", "–", 4)
#: Point types of an SPC chart, in words, with the shape and colour the chart draws them in.
POINT_TYPES = {
    "common_cause": ("Common cause", "circle", "#4c6272"),
    "special_cause_improvement": ("Special cause: improvement", "square", "#005eb8"),
    "special_cause_concern": ("Special cause: concern", "triangle", "#b34700"),
    "special_cause_neutral_high": ("Special cause: high", "diamond", "#330072"),
    "special_cause_neutral_low": ("Special cause: low", "diamond", "#330072"),
}
#: The sortable columns of a series' table of months (:func:`point_rows`).
POINT_COLUMNS = (
    tables.Col("month", tables.by("month")),
    tables.Col("value", tables.by("value")),
    tables.Col("numerator", tables.by("numerator")),
    tables.Col("denominator", tables.by("denominator")),
    tables.Col("point_type", tables.by("point_label")),
)
BREAKDOWN_LABELS = {
    "county": "County",
    "practice": "Practice",
    "neighbourhood": "Neighbourhood",
    "locality": "Locality",
    "imd_quintile": "Deprivation (IMD quintile)",
    "sex": "Sex",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
}
DRILL_DOWNS = tuple(b for b in BREAKDOWN_LABELS if b != "county")
SEXES = {"F": "Female", "M": "Male", "U": "Not known"}


def month_of(index: int) -> dt.date:
    """The first day of a month index (year x 12 + month - 1, as :class:`~nhc.outcomes.months.Span`)."""
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(month: dt.date | None) -> str:
    return "" if month is None else month.strftime("%B %Y")


def value_text(value: float | None, unit: str, *, data: bool = True) -> str:
    """A value with its unit as people read it; ``None`` is "suppressed" ("no data" when ``data``
    is false: no month at all)."""
    if not data:
        return "no data"
    if value is None:
        return "suppressed"
    return f"{value:.1f}%" if unit == "%" else f"{value:.1f} {unit}"


def group_label(by: str, group: str, names: Mapping[str, str] | None = None) -> str:
    """A breakdown's group in words (quintile 1 is the most deprived; 0 an unknown small area; a
    practice by its name and code when ``names`` has it)."""
    if by == "practice" and names and group in names:
        return f"{names[group]} ({group})"
    if by == "imd_quintile":
        return {"0": "Not known", "1": "1 (most deprived)", "5": "5 (least deprived)"}.get(group, group)
    if by == "sex":
        return SEXES.get(group, group)
    if by == "county":
        return "County" if group == COUNTY else group
    return group


def group_order(by: str, group: str) -> tuple:
    if by == "age_band":
        return (AGE_BANDS.index(group) if group in AGE_BANDS else 99, group)
    if by == "imd_quintile" and group.isdigit():
        return (int(group) or 9, group)
    return (0, group)


def _icons(series: Series | None) -> tuple[str | None, Icon, str | None, Icon]:
    """The variation and assurance icons of a series (keys and icons), or why there are none."""
    chart = series.chart if series else None
    if chart is None:
        no_target = series is None or series.indicator.target is None
        return None, NO_CHART if series else NO_DATA, None, NO_TARGET if no_target else NO_ASSURANCE
    v = chart.variation_icon
    a = chart.assurance_icon.value if chart.assurance_icon is not None else None
    return v, VARIATION[v], a, ASSURANCE[a] if a else NO_TARGET


def summary_rows(report: OutcomesReport) -> list[dict[str, Any]]:
    """One row per available indicator: latest county month and value, icons, Core20 gap, SII."""
    rows = []
    for i in INDICATORS:
        if i.id in report.unavailable:
            continue
        county = report.series.get((i.id, "county", COUNTY))
        last = county.latest() if county else None
        v, v_icon, a, a_icon = _icons(county)
        gap, slope = report.gaps(i)
        rows.append(
            {
                "id": i.id,
                "title": i.title,
                "unit": i.unit,
                "month": last.month if last else None,
                "month_label": month_label(last.month if last else None),
                "value": last.value if last else None,
                "value_text": value_text(last.value if last else None, i.unit, data=last is not None),
                "variation": v,
                "variation_icon": v_icon,
                "variation_label": v_icon.label,
                "variation_order": v_icon.order,
                "assurance": a,
                "assurance_icon": a_icon,
                "assurance_label": a_icon.label,
                "assurance_order": a_icon.order,
                "target": county.indicator.target if county else i.target,
                "core20_gap": None if gap is None else round(gap.absolute, 1),
                "core20_relative": None if gap is None or gap.relative is None else round(gap.relative, 2),
                "sii": None if slope is None else round(slope.value, 1),
                "sii_lower": None if slope is None else round(slope.lower, 1),
                "sii_upper": None if slope is None else round(slope.upper, 1),
            }
        )
    return rows


def unavailable_rows(report: OutcomesReport) -> list[dict[str, str]]:
    """Indicators not shown, and why: codelist clusters missing, or left out of the catalogue."""
    rows = [
        {
            "id": i,
            "title": BY_ID[i].title,
            "why": "the codelists lack " + ", ".join(missing) + ", which it needs",
        }
        for i, missing in report.unavailable.items()
    ]
    rows += [
        {"id": name, "title": name.replace("-", " ").capitalize(), "why": why}
        for name, why in LEFT_OUT.items()
    ]
    return rows


def series_of(report: OutcomesReport, indicator: Indicator, by: str, group: str) -> Series | None:
    return report.series.get((indicator.id, by, group))


def point_rows(series: Series) -> list[dict[str, Any]]:
    """Every month of a series: value, published counts and the SPC point type (suppressed months
    have no value and no point type; the chart is drawn from the published months in order)."""
    types = iter(p.type.value for p in series.chart.points) if series.chart else iter(())
    rows = []
    for p in series.points:
        kind = next(types, None) if p.value is not None else None
        rows.append(
            {
                "month": p.month.isoformat()[:7],
                "month_label": month_label(p.month),
                "value": None if p.value is None else round(p.value, 2),
                "numerator": p.numerator,
                "denominator": p.denominator,
                "point_type": kind,
                "point_label": POINT_TYPES[kind][0] if kind else "Not charted (suppressed)",
            }
        )
    return rows


def group_rows(
    report: OutcomesReport, indicator: Indicator, by: str, names: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Each group of one breakdown: latest month, value and variation icon (practices named by
    ``names``)."""
    found = [s for (i, b, _), s in report.series.items() if i == indicator.id and b == by]
    found.sort(key=lambda s: group_order(by, s.group))
    rows = []
    for s in found:
        last = s.latest()
        v, v_icon, _, a_icon = _icons(s)
        rows.append(
            {
                "group": s.group,
                "group_label": group_label(by, s.group, names),
                "month": last.month.isoformat()[:7] if last else None,
                "month_label": month_label(last.month if last else None),
                "value": None if last is None or last.value is None else round(last.value, 2),
                "value_text": value_text(last.value if last else None, indicator.unit),
                "numerator": last.numerator if last else None,
                "denominator": last.denominator if last else None,
                "variation": v,
                "variation_icon": v_icon,
                "variation_label": v_icon.label,
                "variation_order": v_icon.order,
                "assurance_label": a_icon.label,
            }
        )
    return rows
