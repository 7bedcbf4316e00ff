"""The released figures: the base cells every published aggregate is summed from.

Disclosure control across tables (docs/security.md, "Disclosure control"):

* **Base cells** are the figures about people of *one neighbourhood*, each :func:`safe_count` of
  its true count, once (one value per population): people of the neighbourhood or of one of its
  practices in one Patient Need Group or one need band; the same by age band, sex and IMD
  quintile (neighbourhood level); people aged 65+, aged 17+, aged 17+ with diabetes, aged 65+ with
  moderate or severe frailty, and emergency admissions, by practice; frailty categories of the 65+,
  register counts and emergency admissions by IMD quintile, and people in each tier of the
  neighbourhood pyramid, by neighbourhood; worklist sizes
  (an empty worklist is ``0``, "none": see :func:`_worklist_figures`).
* **Every figure about more than one neighbourhood is the sum of its neighbourhoods' base cells**
  (:meth:`Release.total`, suppressed cells counting as 0): county and locality figures say nothing
  the neighbourhoods' figures do not.
* What is left is the overlap *within* a neighbourhood: one population counted by practice, by
  group and band, by age, by sex and by IMD quintile. The :mod:`audit <nhc.insights.audit>`
  checks, by linear programming, that no suppressed count of 1-7 can be pinned to within ±2 from
  a neighbourhood's base cells and the relations between them, and withholds whole breakdowns
  (published as withheld, counted as 0) until none can.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from nhc.analytics.rules.disclosure import derived_total, safe_count
from nhc.insights.audit import Fact, Figure, withhold_until_safe
from nhc.vocab import AGE_BANDS, EFI_CATEGORIES

FAMILIES = ("age_band", "sex", "imd_quintile")  # breakdowns published per neighbourhood x group
REMEDY_ORDER = ("imd_quintile", "sex", "age_band")  # which breakdown of a population goes first
OLD = AGE_BANDS[3:]  # 65 and over
CHILDREN = AGE_BANDS[0]
EFI = EFI_CATEGORIES

Rows = Callable[[str], list[tuple]]


@dataclass
class Release:
    """Base cells (true and published), which groups the audit withheld, and sums over them."""

    practices: dict[str, str]  # practice -> neighbourhood
    pngs: dict[int, str]  # group -> need band
    categories: dict[str, list[Any]]  # family -> every value, in order
    truth: dict[Hashable, int] = field(default_factory=dict)
    published: dict[Hashable, int | None] = field(default_factory=dict)
    terms: dict[Hashable, dict[Hashable, int]] = field(default_factory=dict)
    group: dict[Hashable, Hashable] = field(default_factory=dict)
    withheld: set = field(default_factory=set)

    def value(self, key: Hashable) -> int | None:
        """A base cell as published: ``None`` when suppressed or withheld."""
        if self.group.get(key) in self.withheld:
            return None
        return self.published.get(key)

    def is_withheld(self, key: Hashable) -> bool:
        return self.group.get(key) in self.withheld

    def total(self, keys: Iterable[Hashable]) -> int | None:
        """The published sum of base cells: no cells (a structural zero) is ``0``; cells all
        suppressed or withheld is ``None``; otherwise the sum of those published."""
        return derived_total(self.value(k) for k in keys)

    def band_sets(self) -> list[tuple[int, ...]]:
        """The Patient Need Groups of each need band."""
        bands: dict[str, list[int]] = defaultdict(list)
        for p, band in sorted(self.pngs.items()):
            bands[band].append(p)
        return [tuple(ps) for ps in bands.values()]

    def png_sets(self) -> list[tuple[int, ...]]:
        """The groups of people a cell can be about: one Patient Need Group, or one need band."""
        singles = [(p,) for p in sorted(self.pngs)]
        return singles + [s for s in self.band_sets() if s not in singles]

    def people_keys(self, practices: Iterable[str], pngs: Iterable[int]) -> list[Hashable]:
        """The base cells, one per neighbourhood, whose sum is the people of ``practices`` in
        ``pngs`` (a group or a band). Within a neighbourhood the practices are all of them or one."""
        pngset = tuple(sorted(pngs))
        if not pngset:
            return []
        by_nb: dict[str, list[str]] = defaultdict(list)
        for pr in sorted(practices):
            by_nb[self.practices[pr]].append(pr)
        out = []
        for nb, prs in sorted(by_nb.items()):
            if prs == self.practices_in(nb):
                out.append(("people", nb, pngset))
            else:
                out += [("people", pr, pngset) for pr in prs]
        return out

    def family_keys(
        self, family: str, neighbourhoods: Iterable[str], pngs: Iterable[int], value: Any
    ) -> list:
        """The base cells whose sum is the people of ``neighbourhoods`` in ``pngs`` with
        ``family = value``."""
        pngset = tuple(sorted(pngs))
        return [(family, nb, pngset, value) for nb in sorted(neighbourhoods)] if pngset else []

    def practices_in(self, neighbourhood: str) -> list[str]:
        return sorted(p for p, nb in self.practices.items() if nb == neighbourhood)

    def base(self, key: Hashable, true: int, terms: dict[Hashable, int], group: Hashable) -> None:
        self.truth[key] = true
        self.published[key] = safe_count(true)
        self.terms[key] = terms
        self.group[key] = group

    # ------------------------------------------------------------------------ the audit
    def audit(self) -> None:
        """Withhold, neighbourhood by neighbourhood, the breakdowns that would let anyone pin a
        small count (each neighbourhood's figures are linked only among themselves)."""
        by_nb: dict[str, list[Figure]] = defaultdict(list)
        for key, terms in self.terms.items():
            nb = self._home(key)
            if nb is not None:
                by_nb[nb].append(Figure(key, terms, self.published[key], self.group[key]))
        for nb in sorted(by_nb):
            self.withheld |= withhold_until_safe(by_nb[nb], self.facts(nb), self.truth, self._remedies)

    def _home(self, key: Any) -> str | None:
        kind = key[0]
        if kind in ("old", "frail", "n17", "dia17", "admp"):
            return self.practices[key[1]]
        if kind == "people":
            return self.practices.get(key[1], key[1])
        if kind in (*FAMILIES, "efi", "reg", "admq", "pyr"):
            return key[1]
        return None  # worklist sizes: no other figure counts the same people

    def _remedies(self, figure: Figure) -> list[Hashable]:
        """What may be withheld when ``figure`` is pinned, preferred first: its own breakdown; the
        neighbourhood's band cells and its practices' cells for the same people; the breakdowns of
        the same people by the other dimensions; last, a group's own neighbourhood cell."""
        kind, nb = figure.group[0], figure.group[1]
        # The pyramid first: withholding it leaves every other figure as it was before the pyramid
        # was published, so a cell pinned only through the pyramid costs the pyramid and nothing
        # else (and a cell pinned without it is freed by the same remedies as before).
        if kind == "pyr":
            return [figure.group]
        pyramid = [("pyr", nb)]
        if kind in ("admq", "admp"):
            return [*pyramid, ("admq", nb), ("admp", nb)]
        if kind not in (*FAMILIES, "people", "practices"):
            return [*pyramid, *(("age_band", nb, s) for s in self.png_sets()), figure.group]
        pngset = figure.key[2]
        related = [pngset] + [s for s in self.png_sets() if s != pngset and set(s) & set(pngset)]
        out = [*pyramid, figure.group] if kind != "people" or len(pngset) > 1 else [*pyramid]
        out += [("people", nb, s) for s in related if len(s) > 1] + [("practices", nb, s) for s in related]
        out += [(d, nb, s) for s in related for d in REMEDY_ORDER]
        return [*out, figure.group]

    def facts(self, nb: str) -> list[Fact]:
        """What is true of any population in ``nb``: the same people counted two ways."""
        prs = self.practices_in(nb)
        out = []
        for p in self.pngs:
            people = {("z", pr, p): -1 for pr in prs}
            for family in FAMILIES:
                cells = {(family, nb, p, v): 1 for v in self.categories[family]}
                out.append(Fact({**cells, **people}, 0, 0))
            aged = {("age_band", nb, p, a): -1 for a in OLD}
            out.append(Fact({**{("old", pr, p): 1 for pr in prs}, **aged}, 0, 0))
            out += [Fact({("old", pr, p): 1, ("z", pr, p): -1}, -float("inf"), 0) for pr in prs]
        old = {("old", pr, p): -1 for pr in prs for p in self.pngs}
        out.append(Fact({**{("efi", nb, c): 1 for c in EFI}, **old}, 0, 0))
        frail = {("frail", pr): 1 for pr in prs}
        out.append(Fact({**frail, ("efi", nb, "moderate"): -1, ("efi", nb, "severe"): -1}, 0, 0))
        ages = {("age_band", nb, p, a): -1 for p in self.pngs for a in self.categories["age_band"]}
        adults = {k: v for k, v in ages.items() if k[3] != CHILDREN}
        n17 = {("n17", pr): 1 for pr in prs}
        out += [Fact({**n17, **adults}, 0, float("inf")), Fact({**n17, **ages}, -float("inf"), 0)]
        tiers = {("pyr", nb, t): 1 for t in self.categories.get("pyr", [])}
        if tiers:  # the pyramid's tiers are the neighbourhood's people, counted another way
            out.append(Fact({**tiers, **{("z", pr, p): -1 for pr in prs for p in self.pngs}}, 0, 0))
        dia = {("dia17", pr): 1 for pr in prs}
        out.append(Fact({**dia, ("reg", nb, "diabetes"): -1}, -float("inf"), 0))
        everyone = {("z", pr, p): -1 for pr in prs for p in self.pngs}
        out += [Fact({("reg", nb, r): 1, **everyone}, -float("inf"), 0) for r in self.categories["reg"]]
        for pr in prs:
            aged_here = {("old", pr, p): -1 for p in self.pngs}
            here = {("z", pr, p): -1 for p in self.pngs}
            out += [
                Fact({("frail", pr): 1, **aged_here}, -float("inf"), 0),
                Fact({("dia17", pr): 1, ("n17", pr): -1}, -float("inf"), 0),
                Fact({("n17", pr): 1, **here}, -float("inf"), 0),
                Fact({("n17", pr): 1, **aged_here}, 0, float("inf")),
            ]
        return out


def build(
    rows: Rows, practices: dict[str, str], pngs: dict[int, str], categories: dict[str, list]
) -> Release:
    """The base cells from the insight tables (``pi``, ``wl``), published and audited."""
    rel = Release(practices, pngs, categories)
    truth: dict[Hashable, int] = defaultdict(int)
    for pr, png, age_band, sex, imd, n, old in rows(
        "SELECT practice_code, png, age_band, sex, imd_quintile, count(*), "
        "count(*) FILTER (WHERE age >= 65) FROM pi GROUP BY ALL"
    ):
        nb = practices[pr]
        truth["z", pr, png] += n
        truth["old", pr, png] += old
        for family, v in zip(FAMILIES, (age_band, sex, imd), strict=True):
            truth[family, nb, png, v] += n
    for pr, q, adm in rows(
        "SELECT practice_code, imd_quintile, sum(emergency_admissions_12m) FROM pi GROUP BY ALL"
    ):
        truth["adm", pr, q] = int(adm or 0)
    rel.truth.update(truth)
    for nb in sorted(set(practices.values())):
        for pngset in rel.png_sets():
            _population_figures(rel, nb, pngset)
    _practice_figures(rel, rows, truth)
    _neighbourhood_figures(rel, rows)
    _worklist_figures(rel, rows)
    _pyramid_figures(rel, rows)
    rel.audit()
    return rel


def _population_figures(rel: Release, nb: str, pngset: tuple[int, ...]) -> None:
    """The base cells of the people of ``nb`` in ``pngset``: all of them, each practice's (when
    the neighbourhood has several), and by each value of age band, sex and IMD quintile."""
    prs = rel.practices_in(nb)
    places = [nb] + (prs if len(prs) > 1 else [])
    for place in places:
        terms = {("z", pr, p): 1 for pr in ([place] if place in rel.practices else prs) for p in pngset}
        group = ("people", nb, pngset) if place == nb else ("practices", nb, pngset)
        key = ("people", place, pngset)
        rel.base(key, sum(rel.truth.get(k, 0) for k in terms), terms, group)
    for family in FAMILIES:
        for v in rel.categories[family]:
            terms = {(family, nb, p, v): 1 for p in pngset}
            rel.base(
                (family, nb, pngset, v), sum(rel.truth.get(k, 0) for k in terms), terms, (family, nb, pngset)
            )


def _practice_figures(rel: Release, rows: Rows, truth: dict[Hashable, int]) -> None:
    found = {
        pr: (n17, dia, frail)
        for pr, n17, dia, frail in rows(
            "SELECT practice_code, count(*) FILTER (WHERE age >= 17), "
            "count(*) FILTER (WHERE age >= 17 AND list_contains(string_split(registers, '; '), 'diabetes')), "
            "count(*) FILTER (WHERE age >= 65 AND efi_category IN ('moderate', 'severe')) FROM pi GROUP BY 1"
        )
    }
    for pr, nb in rel.practices.items():
        n17, dia, frail = found.get(pr, (0, 0, 0))
        old = {("old", pr, p): 1 for p in rel.pngs}
        rel.base(("old", pr), sum(truth[k] for k in old), old, ("old", nb))
        rel.base(("n17", pr), n17, {("n17", pr): 1}, ("diabetes", nb))
        rel.base(("dia17", pr), dia, {("dia17", pr): 1}, ("diabetes", nb))
        rel.base(("frail", pr), frail, {("frail", pr): 1}, ("frail", nb))
        adm = {("adm", pr, q): 1 for q in rel.categories["imd_quintile"]}
        rel.base(("admp", pr), sum(truth[k] for k in adm), adm, ("admp", nb))


def _neighbourhood_figures(rel: Release, rows: Rows) -> None:
    efi = {
        (nb, c): n
        for nb, c, n in rows(
            "SELECT neighbourhood, efi_category, count(*) FROM pi WHERE age >= 65 GROUP BY ALL"
        )
    }
    regs = {
        (nb, r): n
        for nb, r, n in rows(
            "SELECT neighbourhood, r, count(*) FROM (SELECT neighbourhood, "
            "unnest(string_split(registers, '; ')) AS r FROM pi) WHERE r <> '' GROUP BY ALL"
        )
    }
    for nb in sorted(set(rel.practices.values())):
        for c in EFI:
            rel.base(("efi", nb, c), efi.get((nb, c), 0), {("efi", nb, c): 1}, ("efi", nb))
        for r in rel.categories["reg"]:
            rel.base(("reg", nb, r), regs.get((nb, r), 0), {("reg", nb, r): 1}, ("reg", nb))
        for q in rel.categories["imd_quintile"]:
            adm = {("adm", pr, q): 1 for pr in rel.practices_in(nb)}
            rel.base(("admq", nb, q), sum(rel.truth.get(k, 0) for k in adm), adm, ("admq", nb))


def _worklist_figures(rel: Release, rows: Rows) -> None:
    """Worklist sizes, one per neighbourhood and worklist (``categories["wl"]``: every worklist
    defined). A worklist with no one on it is published as ``0`` ("none"), not suppressed: worklist
    sizes share people with no other figure (the audit has nothing to link them to), so an exact
    zero pins no other count, and a suppressed size then means 1-7 people, which is still 7 wide."""
    found = {(nb, w): n for nb, w, n in rows("SELECT neighbourhood, worklist, count(*) FROM wl GROUP BY ALL")}
    names = list(rel.categories.get("wl", [])) or sorted({w for _, w in found})
    for nb in sorted(set(rel.practices.values())):
        for w in names:
            n = found.get((nb, w), 0)
            rel.base(("wl", nb, w), n, {("wl", nb, w): 1}, ("wl", nb))
            if n == 0:
                rel.published["wl", nb, w] = 0


def _pyramid_figures(rel: Release, rows: Rows) -> None:
    """The neighbourhood pyramid (``categories["pyr"]``: its tiers): people of each neighbourhood
    in each tier, one base cell each, withheld together as ``("pyr", neighbourhood)``."""
    tiers = list(rel.categories.get("pyr", []))
    if not tiers:
        return
    found = {
        (nb, t): n for nb, t, n in rows("SELECT neighbourhood, pyramid_tier, count(*) FROM pi GROUP BY ALL")
    }
    for nb in sorted(set(rel.practices.values())):
        for t in tiers:
            rel.base(("pyr", nb, t), found.get((nb, t), 0), {("pyr", nb, t): 1}, ("pyr", nb))
