"""The published tables: overview, breakdowns, neighbourhood list, practice funnels, worklist sizes.

Every figure here is a sum of base cells of the :class:`~nhc.insights.release.Release` (suppressed
and withheld cells counting as 0), so no table can be differenced against another: see
:mod:`nhc.insights.release` and docs/security.md. A mixin of
:class:`~nhc.insights.service.InsightsService`, which provides ``geography``, ``png_names``,
``release``, ``as_of``, ``_rows`` and the filter checks.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from nhc.analytics.rules.disclosure import derived_total
from nhc.analytics.rules.segmentation import PYRAMID_NAMES
from nhc.insights.catalogue import (
    DIMENSIONS,
    INDICATORS,
    TOTALS_NOTE,
    BadParameter,
    Indicator,
    NotFound,
    cached,
    display_order,
    share,
)
from nhc.insights.funnel import Funnel, FunnelUnit, funnel
from nhc.insights.release import FAMILIES
from nhc.vocab import AGE_BANDS, BAND_LABELS, BAND_NUMBERS, BANDS

# each indicator's denominator and numerator per practice, as base cells of the release
# ("total"/"high": the practice's row of the practice breakdown)
INDICATOR_FIGURES = {
    "emergency_admissions": ("total", "admp"),
    "high_need": ("total", "high"),
    "frailty_65": ("old", "frail"),
    "diabetes_prevalence": ("n17", "dia17"),
}


class PublishedTables:
    """Aggregate tables, each a sum of released base cells."""

    # ------------------------------------------------------------------ filters
    def _possible(self, filters: dict[str, Any]) -> tuple[set[str], set[int]]:
        """The practices and Patient Need Groups a filtered population can contain, from the
        geography and the filters alone (never from the data): outside them a count is a
        structural zero."""
        self._where(filters)  # validates every filter
        geo = self.geography()
        practices = {
            code
            for code, p in geo["practices"].items()
            if filters.get("neighbourhood") in (None, "", p["neighbourhood"])
            and filters.get("locality") in (None, "", p["locality"])
            and filters.get("practice_code") in (None, "", code)
        }
        pngs = {
            p
            for p, meta in self.png_names().items()
            if filters.get("png") in (None, "") or int(filters["png"]) == p
            if filters.get("band") in (None, "", meta["band"])
        }
        return practices, pngs

    def _row_possible(self, dimension: str, key: Any, practices: set[str], pngs: set[int]) -> bool:
        geo = self.geography()
        if dimension == "png":
            return key in pngs
        if dimension in ("practice_code", "neighbourhood", "locality"):
            field = {"practice_code": "code"}.get(dimension, dimension)
            return any(geo["practices"][c][field] == key for c in practices)
        return bool(practices and pngs)

    @cached
    def categories(self, dimension: str) -> list[Any]:
        """Every value ``dimension`` can take in the county, in display order (public: the reference
        lists and the county's geography). Tables list all of them, so a missing row never says
        "nobody here"."""
        geo = self.geography()
        if dimension == "age_band":
            return list(AGE_BANDS)
        if dimension == "png":
            return list(self.png_names())
        if dimension == "practice_code":
            return sorted(geo["practices"])
        if dimension == "neighbourhood":
            return sorted(geo["neighbourhoods"])
        if dimension == "locality":
            return sorted(geo["localities"])
        if dimension == "imd_quintile":
            return [1, 2, 3, 4, 5, None]
        observed = [r[0] for r in self._rows(f"SELECT DISTINCT {dimension} FROM pi")]
        return sorted(observed, key=lambda k: display_order(dimension, k))

    def _cell_keys(self, dimension: str, key: Any, pngs: set[int], practices: set[str]) -> list[Hashable]:
        """The base cells (one per neighbourhood) whose sum is the people with ``dimension = key``
        in the population (``pngs``: one group or the groups of one band)."""
        rel, geo = self.release(), self.geography()["practices"]
        if dimension in FAMILIES:
            nbs = {geo[pr]["neighbourhood"] for pr in practices}
            return rel.family_keys(dimension, nbs, pngs, key)
        if dimension == "png":
            return rel.people_keys(practices, [key] if key in pngs else [])
        field = {"practice_code": "code"}.get(dimension, dimension)
        return rel.people_keys([pr for pr in practices if geo[pr][field] == key], pngs)

    def _whole_neighbourhoods(self, dimension: str, practices: set[str]) -> None:
        if dimension not in FAMILIES:
            return
        geo = self.geography()["practices"]
        nbs = {geo[pr]["neighbourhood"] for pr in practices}
        if any(geo[pr]["neighbourhood"] in nbs and pr not in practices for pr in geo):
            raise BadParameter(f"people by {dimension} are published by neighbourhood, not by practice")

    # ------------------------------------------------------------------ overview
    @cached
    def overview(self, filters: tuple = ()) -> dict[str, Any]:
        """People by Patient Need Group, each the sum of its practices' base cells, with need-band
        counts and the total derived from those cells. A group the filter rules out is ``0``
        ("none")."""
        practices, possible = self._possible(dict(filters))
        rel = self.release()
        names = self.png_names()
        cells = {p: rel.total(rel.people_keys(practices, [p])) if p in possible else 0 for p in names}
        band_counts = {b: derived_total(c for p, c in cells.items() if names[p]["band"] == b) for b in BANDS}
        total = derived_total(cells.values())
        bands = [
            {
                "band": b,
                "number": BAND_NUMBERS[b],
                "label": BAND_LABELS[b],
                "count": band_counts[b],
                "share": share(band_counts[b], total),
            }
            for b in BANDS
        ]
        pngs = [
            {
                "png": p,
                "name": m["name"],
                "band": m["band"],
                "count": cells[p],
                "share": share(cells[p], total),
            }
            for p, m in names.items()
        ]
        withheld = [p for p in possible if any(rel.is_withheld(k) for k in rel.people_keys(practices, [p]))]
        return {
            "as_of": self.as_of(),
            "total": total,
            "bands": bands,
            "pngs": pngs,
            "filters": dict(filters),
            "totals": TOTALS_NOTE,
            "withheld": sorted(withheld),
        }

    # ----------------------------------------------------------------- breakdown
    @cached
    def breakdown(self, dimension: str, filters: tuple = ()) -> dict[str, Any]:
        """People by ``dimension`` and need band.

        Contract: every possible row is listed (:meth:`categories`); a cell that cannot hold anyone
        (the band is not one of the filtered groups' bands, or the row is outside the filtered
        geography) is ``0`` ("none"); every other cell is the sum of its base cells (a
        neighbourhood x group cell for age, sex and IMD; a practice or neighbourhood x group or band cell otherwise), so a
        cell whose base cells are all suppressed is ``None`` ("suppressed"). A row's ``total`` is
        the sum of its published cells; shares are of that total. ``withheld`` lists the
        ``[row key, band]`` cells with a base cell the disclosure audit withheld (counted as 0).
        """
        if dimension not in DIMENSIONS:
            raise BadParameter(f"cannot break down by {dimension!r}; choose one of {', '.join(DIMENSIONS)}")
        practices, pngs = self._possible(dict(filters))
        self._whole_neighbourhoods(dimension, practices)
        rel, names = self.release(), self.png_names()
        keys = self.categories(dimension)
        if dimension in ("png", "practice_code", "neighbourhood", "locality"):
            # rows outside the filter are left out: which they are follows from the filter alone
            keys = [k for k in keys if self._row_possible(dimension, k, practices, pngs)]
        rows, withheld = [], []
        for key in keys:
            cells = {
                b: self._cell_keys(dimension, key, {p for p in pngs if names[p]["band"] == b}, practices)
                for b in BANDS
            }
            counts = {b: rel.total(cells[b]) for b in BANDS}
            total = derived_total(counts.values())
            withheld += [
                ["" if key is None else str(key), b]
                for b in BANDS
                if any(rel.is_withheld(k) for k in cells[b])
            ]
            rows.append(
                {
                    "key": "" if key is None else str(key),
                    "label": self._label(dimension, key),
                    "total": total,
                    **counts,
                    **{f"{b}_share": share(counts[b], total) for b in BANDS},
                }
            )
        return {
            "dimension": dimension,
            "dimension_label": DIMENSIONS[dimension],
            "rows": rows,
            "filters": dict(filters),
            "totals": TOTALS_NOTE,
            "withheld": withheld,
        }

    def _label(self, dimension: str, key: Any) -> str:
        if dimension == "practice_code":
            return f"{self.geography()['practices'].get(key, {}).get('name', key)} ({key})"
        if dimension == "png":
            return f"{key} {self.png_names()[int(key)]['name']}"
        if dimension == "imd_quintile":
            return "Unknown" if key is None else f"Quintile {key}"
        if dimension == "sex":
            return {"F": "Female", "M": "Male"}.get(key, str(key))
        return str(key)

    # ------------------------------------------------------------ neighbourhoods
    @cached
    def neighbourhoods(self) -> list[dict[str, Any]]:
        """Each neighbourhood's population and higher-need count: the total and band count of its
        :meth:`overview` (so the same figures everywhere)."""
        geo = self.geography()
        out = []
        for nb, loc in sorted(geo["neighbourhoods"].items(), key=lambda kv: (kv[1], kv[0])):
            ov = self.overview((("neighbourhood", nb),))
            pop, hi = ov["total"], ov["bands"][BANDS.index("high")]["count"]
            practices = sum(1 for p in geo["practices"].values() if p["neighbourhood"] == nb)
            out.append(
                {
                    "name": nb,
                    "locality": loc,
                    "population": pop,
                    "high": hi,
                    "high_share": share(hi, pop),
                    "practices": practices,
                }
            )
        return out

    # ----------------------------------------------------------------- variation
    @staticmethod
    def indicators() -> list[Indicator]:
        return list(INDICATORS.values())

    @cached
    def variation(self, indicator: str) -> dict[str, Any]:
        """Practices on a funnel plot: each practice's denominator and numerator are its base
        cells (or its row of the practice breakdown), the same figures the profiles show."""
        ind = INDICATORS.get(indicator)
        if ind is None:
            raise NotFound(f"there is no indicator {indicator!r}; choose one of {', '.join(INDICATORS)}")
        geo = self.geography()
        rel = self.release()
        rows = {r["key"]: r for r in self.breakdown("practice_code", ())["rows"]}
        n_kind, y_kind = INDICATOR_FIGURES[indicator]
        units = []
        for code in sorted(geo["practices"]):
            n = rows[code][n_kind] if n_kind in rows[code] else rel.value((n_kind, code))
            y = rows[code][y_kind] if y_kind in rows[code] else rel.value((y_kind, code))
            units.append(FunnelUnit(code, geo["practices"][code]["name"], n, y))
        f: Funnel = funnel(units, "proportion" if ind.kind == "proportion" else "rate")
        neighbourhood_of = {c: p["neighbourhood"] for c, p in geo["practices"].items()}
        return {"indicator": ind, "funnel": f, "neighbourhood_of": neighbourhood_of, "as_of": self.as_of()}

    # ------------------------------------------------------------------- pyramid
    @cached
    def pyramid(self) -> dict[str, Any]:
        """People in each tier of the neighbourhood pyramid, county-wide: each tier the sum of its
        neighbourhoods' base cells (suppressed and withheld cells count as 0), highest tier first;
        ``total`` is the sum of the tiers; ``withheld`` the neighbourhoods whose pyramid the
        disclosure audit withheld."""
        rel, nbs = self.release(), sorted(self.geography()["neighbourhoods"])
        tiers = [
            {"tier": t, "name": PYRAMID_NAMES[t], "count": rel.total(("pyr", nb, t) for nb in nbs)}
            for t in sorted(PYRAMID_NAMES, reverse=True)
        ]
        total = derived_total(t["count"] for t in tiers)
        for t in tiers:
            t["share"] = share(t["count"], total)
        withheld = [nb for nb in nbs if rel.is_withheld(("pyr", nb, min(PYRAMID_NAMES)))]
        return {
            "as_of": self.as_of(),
            "tiers": tiers,
            "total": total,
            "withheld": withheld,
            "totals": TOTALS_NOTE,
        }

    # ----------------------------------------------------------------- worklists
    @cached
    def worklist_counts(self) -> list[dict[str, Any]]:
        """People on each worklist by neighbourhood (disclosure-controlled base cells)."""
        rel = self.release()
        defs = self.worklist_definitions()
        return [
            {"neighbourhood": nb, "counts": {w: rel.value(("wl", nb, w)) for w in defs}}
            for nb in sorted(self.geography()["neighbourhoods"])
        ]
