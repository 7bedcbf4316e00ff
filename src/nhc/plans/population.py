"""The plan's first two sections from the insights service: who lives here (population, ages, the
neighbourhood pyramid's tiers per 40,000, need groups against the county) and health and
inequalities (conditions, frailty, deprivation, Core20 gaps from the outcomes report).

Every number is one the insights service publishes (its release's disclosure-controlled base cells
or their sums, as the neighbourhood profile pages show them); a locality or the county sums its
neighbourhoods' published figures (:func:`nhc.analytics.rules.disclosure.derived_total`).
"""

from __future__ import annotations

from typing import Any

from nhc.analytics.rules.disclosure import derived_total
from nhc.analytics.rules.segmentation import PYRAMID_NAMES
from nhc.insights.catalogue import share
from nhc.insights.comparison import PYRAMID_SOURCE, comparison
from nhc.insights.service import InsightsService
from nhc.outcomes.catalogue import INDICATORS
from nhc.outcomes.report import OutcomesReport
from nhc.plans.plan import TITLES, Chart, Scope, Section, Table
from nhc.vocab import BANDS, EFI_CATEGORIES

EFI_LABELS = {
    "fit": "Fit",
    "mild": "Mild frailty",
    "moderate": "Moderate frailty",
    "severe": "Severe frailty",
}


def neighbourhoods_of(insights: InsightsService, scope: Scope) -> list[str]:
    """The neighbourhoods a scope covers."""
    geo = insights.geography()["neighbourhoods"]
    if scope.kind == "neighbourhood":
        return [scope.name]
    return sorted(nb for nb, loc in geo.items() if scope.kind == "county" or loc == scope.name)


def _profiles(insights: InsightsService, nbs: list[str]) -> list[dict[str, Any]]:
    return [insights.neighbourhood_profile(nb) for nb in nbs]


def figures(insights: InsightsService, scope: Scope) -> dict[str, int | None]:
    """Headline numbers: population, people aged 65 and over, higher need (the profile's and the
    overview's published figures; a locality or the county sums its neighbourhoods')."""
    nbs = neighbourhoods_of(insights, scope)
    overview = insights.overview(scope.filters)
    high = overview["bands"][BANDS.index("high")]["count"]
    old = derived_total(p["aged_65_plus"] for p in _profiles(insights, nbs))
    return {"population": overview["total"], "aged_65_plus": old, "higher_need": high}


def _pyramid(insights: InsightsService, nbs: list[str]) -> dict[str, Any]:
    """The neighbourhood pyramid's tiers over ``nbs`` in the shape of ``InsightsService.pyramid``."""
    rel = insights.release()
    tiers = [
        {"tier": t, "name": PYRAMID_NAMES[t], "count": rel.total(("pyr", nb, t) for nb in nbs)}
        for t in sorted(PYRAMID_NAMES, reverse=True)
    ]
    withheld = [nb for nb in nbs if rel.is_withheld(("pyr", nb, min(PYRAMID_NAMES)))]
    return {"tiers": tiers, "total": derived_total(t["count"] for t in tiers), "withheld": withheld}


def people_section(insights: InsightsService, scope: Scope, numbers: dict[str, int | None]) -> Section:
    """Who lives here: population, age bands, pyramid tiers per 40,000, need bands against the county."""
    nbs = neighbourhoods_of(insights, scope)
    overview, county = insights.overview(scope.filters), insights.overview(())
    ages = insights.breakdown("age_band", scope.filters)["rows"]
    found = comparison(overview, _pyramid(insights, nbs))
    pop, old, high = numbers["population"], numbers["aged_65_plus"], numbers["higher_need"]
    sentences = (
        f"{_n(pop)} people are registered with the practices of {scope.title}.",
        f"Of them, {_n(old, 'a few')} are aged 65 or over ({_pct(share(old, pop))}), and {_n(high, 'a few')} are in the higher "
        f"need groups ({_pct(share(high, pop))}; county {_pct(county['bands'][2]['share'])}).",
    )
    age_table = Table(
        "ages",
        "People by age band",
        (("label", "Age band", "text"), ("total", "People", "count"), ("share", "Share", "pct")),
        tuple({"label": r["label"], "total": r["total"], "share": share(r["total"], pop)} for r in ages),
    )
    tiers = Table(
        "pyramid",
        "The neighbourhood pyramid per 40,000 people",
        (
            ("name", "Tier", "text"),
            ("count", "People here", "count"),
            ("per_40000", "Here per 40,000", "count"),
            ("model_per_40000", "Model per 40,000", "count"),
        ),
        tuple(found["pyramid"]),
        note=PYRAMID_SOURCE,
    )
    county_bands = {b["band"]: b for b in county["bands"]}
    bands = Table(
        "need-bands",
        "Need bands against the county",
        (
            ("label", "Need band", "text"),
            ("count", "People here", "count"),
            ("share", "Share here", "pct"),
            ("county_share", "Share in the county", "pct"),
        ),
        tuple({**b, "county_share": county_bands[b["band"]]["share"]} for b in overview["bands"]),
    )
    chart = Chart("People by age band", tuple((r["label"], r["total"]) for r in ages))
    return Section("people", TITLES["people"], sentences, (age_table, tiers, bands), (chart,))


def _summed(profiles: list[dict[str, Any]], part: str, key: str) -> list[dict[str, Any]]:
    """A profile table (registers, frailty) over several neighbourhoods: counts summed, shares of
    the summed population (or 65+), the county's shares kept."""
    first = profiles[0][part]
    out = []
    for i, row in enumerate(first):
        count = derived_total(p[part][i]["count"] for p in profiles)
        out.append({**row, key: row[key], "count": count})
    return out


def health_section(insights: InsightsService, scope: Scope, report: OutcomesReport | None) -> Section:
    """Conditions, frailty and deprivation against the county; Core20 gaps (county) from outcomes."""
    profiles = _profiles(insights, neighbourhoods_of(insights, scope))
    pop = derived_total(p["population"] for p in profiles)
    registers = _summed(profiles, "registers", "register")
    for r in registers:
        r["share"] = share(r["count"], pop)
    frailty = _summed(profiles, "frailty", "category")
    old = derived_total(r["count"] for r in frailty)
    for r in frailty:
        r["share"], r["label"] = share(r["count"], old), EFI_LABELS.get(r["category"], r["category"])
    conditions = Table(
        "conditions",
        "People on each condition register",
        (
            ("label", "Condition", "text"),
            ("count", "People", "count"),
            ("share", "Share here", "pct"),
            ("county_share", "Share in the county", "pct"),
        ),
        tuple(sorted(registers, key=lambda r: -(r["count"] or 0))),
    )
    frail = Table(
        "frailty",
        "Electronic Frailty Index, people aged 65 and over",
        (
            ("label", "Category", "text"),
            ("count", "People", "count"),
            ("share", "Share here", "pct"),
            ("county_share", "Share in the county", "pct"),
        ),
        tuple(r for r in frailty if r["category"] in EFI_CATEGORIES),
    )
    tables = [conditions, frail]
    if scope.kind == "neighbourhood":
        tables.append(_imd_table(profiles[0]["imd"]))
    tables.append(_core20_table(report))
    chart = Chart(
        "Share of people on each register (%)",
        tuple((r["label"], r["share"]) for r in conditions.rows[:8]),
        "%",
    )
    sentences = (
        "Conditions and frailty here beside the county's shares; the gaps between the most and least "
        "deprived show where to act first.",
    )
    return Section("health", TITLES["health"], sentences, tuple(tables), (chart,))


def _imd_table(rows: list[dict[str, Any]]) -> Table:
    return Table(
        "deprivation",
        "People by deprivation quintile (1 is the most deprived)",
        (
            ("quintile", "IMD quintile", "text"),
            ("population", "People", "count"),
            ("high_share", "Higher need here", "pct"),
            ("county_high_share", "Higher need in the county", "pct"),
            ("admissions_per_1000", "Admissions per 1,000", "number"),
        ),
        tuple(rows),
    )


def _core20_table(report: OutcomesReport | None) -> Table:
    """Core20 (IMD quintile 1) against the rest for each outcome indicator, county-wide (the
    outcomes report's published quintile counts; the gap is not published by neighbourhood)."""
    rows = []
    if report is not None:
        for ind in INDICATORS:
            if ind.id in report.unavailable:
                continue
            gap, _ = report.gaps(ind)
            if gap is not None:
                rows.append({"title": ind.title, "core20": gap.core20, "rest": gap.rest, "gap": gap.absolute})
    note = (
        "County-wide: the outcomes report publishes the Core20 gap for the whole county."
        if report is not None
        else "The outcomes report is not ready (no lake to compute it from)."
    )
    return Table(
        "core20",
        "Core20 gaps: the most deprived fifth against the rest (county)",
        (
            ("title", "Indicator", "text"),
            ("core20", "Core20", "number"),
            ("rest", "Everyone else", "number"),
            ("gap", "Gap", "number"),
        ),
        tuple(rows),
        note=note,
    )


def _n(v: int | None, suppressed: str = "A suppressed number of") -> str:
    """A count in a sentence; ``suppressed`` stands for one disclosure control withheld."""
    return suppressed if v is None else f"{v:,}"


def _pct(v: float | None) -> str:
    return "suppressed" if v is None else f"{v:.1f}%"
