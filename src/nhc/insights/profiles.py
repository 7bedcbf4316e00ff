"""Neighbourhood profiles compared with the county: every figure a base cell of the release or a sum
of them (county figures are sums over neighbourhoods), so a profile adds nothing to the tables.
A mixin of :class:`~nhc.insights.service.InsightsService`."""

from __future__ import annotations

from typing import Any

from nhc.analytics.rules.disclosure import derived_total
from nhc.analytics.rules.registers import REGISTER_NAMES
from nhc.insights.catalogue import cached, share
from nhc.insights.release import OLD
from nhc.vocab import EFI_CATEGORIES


def _per_1000(events: int | None, people: int | None) -> float | None:
    return round(1000 * events / people, 1) if events and people else None


class Profiles:
    """The neighbourhood profile page and API."""

    @cached
    def neighbourhood_profile(self, name: str) -> dict[str, Any]:
        self.check_neighbourhood(name)
        geo, rel = self.geography(), self.release()
        nbs = sorted(geo["neighbourhoods"])
        here_filter = (("neighbourhood", name),)
        overview, county = self.overview(here_filter), self.overview(())
        pop, county_pop = overview["total"], county["total"]
        # the 65+ are the three oldest rows of the age breakdown (band cells, summed)
        old_keys = [
            k for band in rel.band_sets() for a in OLD for k in rel.family_keys("age_band", nbs, band, a)
        ]
        n65 = rel.total(k for k in old_keys if k[1] == name)
        registers = []
        for r in REGISTER_NAMES:
            count = rel.value(("reg", name, r))
            registers.append(
                {
                    "register": r,
                    "label": r.replace("_", " ").capitalize(),
                    "count": count,
                    "share": share(count, pop),
                    "county_share": share(rel.total(("reg", nb, r) for nb in nbs), county_pop),
                    "withheld": rel.is_withheld(("reg", name, r)),
                }
            )
        # Frailty shares are of the published eFI counts (the categories part the 65+), not of the
        # 65+ summed from age-band cells: those lose more to suppression, and a share over 100% follows.
        here_65 = rel.total(("efi", name, c) for c in EFI_CATEGORIES)
        county_65 = rel.total(("efi", nb, c) for nb in nbs for c in EFI_CATEGORIES)
        frailty = []
        for cat in EFI_CATEGORIES:
            count = rel.value(("efi", name, cat))
            frailty.append(
                {
                    "category": cat,
                    "count": count,
                    "share": share(count, here_65),
                    "county_share": share(rel.total(("efi", nb, cat) for nb in nbs), county_65),
                    "withheld": rel.is_withheld(("efi", name, cat)),
                }
            )
        return {
            "name": name,
            "locality": geo["neighbourhoods"][name],
            "as_of": self.as_of(),
            "population": pop,
            "county_population": county_pop,
            "aged_65_plus": n65,
            "overview": overview,
            "county": county,
            "registers": registers,
            "frailty": frailty,
            "imd": self._profile_imd(name, pop),
            "practices": self._profile_practices(name),
        }

    def _profile_imd(self, name: str, pop: int | None) -> list[dict[str, Any]]:
        """People, higher need and admissions by IMD quintile: rows of the published IMD
        breakdowns (here and county) and the neighbourhoods' admission cells."""
        rel = self.release()
        nbs = sorted(self.geography()["neighbourhoods"])
        here = {r["key"]: r for r in self.breakdown("imd_quintile", (("neighbourhood", name),))["rows"]}
        county = {r["key"]: r for r in self.breakdown("imd_quintile", ())["rows"]}
        out = []
        for q in self.categories("imd_quintile"):
            key = "" if q is None else str(q)
            row, crow = here[key], county[key]
            ad = rel.value(("admq", name, q))
            cad = derived_total(rel.value(("admq", nb, q)) for nb in nbs)
            out.append(
                {
                    "quintile": "Unknown" if q is None else str(q),
                    "population": row["total"],
                    "population_share": share(row["total"], pop),
                    "high": row["high"],
                    "high_share": share(row["high"], row["total"]),
                    "county_high_share": share(crow["high"], crow["total"]),
                    "admissions_per_1000": _per_1000(ad, row["total"]),
                    "county_admissions_per_1000": _per_1000(cad, crow["total"]),
                    "admissions_withheld": rel.is_withheld(("admq", name, q)),
                }
            )
        return out

    def _profile_practices(self, name: str) -> list[dict[str, Any]]:
        """Each practice's row of the published practice breakdown, with its own base cells."""
        geo, rel = self.geography(), self.release()
        rows = {r["key"]: r for r in self.breakdown("practice_code", (("neighbourhood", name),))["rows"]}
        out = []
        for code in sorted(c for c, p in geo["practices"].items() if p["neighbourhood"] == name):
            pop, hi = rows[code]["total"], rows[code]["high"]
            out.append(
                {
                    "code": code,
                    "name": geo["practices"][code]["name"],
                    "population": pop,
                    "aged_65_plus": rel.value(("old", code)),
                    "high": hi,
                    "high_share": share(hi, pop),
                    "admissions_per_1000": _per_1000(rel.value(("admp", code)), pop),
                    "withheld": [k for k in ("old", "admp") if rel.is_withheld((k, code))],
                }
            )
        return out
