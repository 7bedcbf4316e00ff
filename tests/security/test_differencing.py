"""Finding 3 of the security review: disclosure control must hold *across* tables.

An attacker with the analyst role fetches every aggregate the API offers (overview, every breakdown
dimension under every combination of filters, the neighbourhood list and profiles, the practice
funnels for every indicator, worklist counts), turns every published number into linear
constraints on the true counts, and asks a linear programme (HiGHS, through ``scipy``) for the
smallest and largest value each true count of 1–7 can take. A count pinned to an interval of width
4 or less (within ±2) is a disclosure; the test fails and says which cells and why.

Model (the published rule, as a reader of ``docs/security.md`` knows it): a suppressed cell is
0..7; "none" is exactly 0; a published count r is r-2..r+2 and at least 8; a cell the service
lists as ``withheld`` says nothing; a total or band count equal to the sum of its table's published
cells is a function of them (no new fact), any other total is one more rounded count. Figures about
one neighbourhood are read as rounded counts; figures about several neighbourhoods are functions of
the neighbourhoods' figures if *all* of them are those sums, and rounded counts otherwise. Shares
and rates are turned back into the counts they came from when those are not published themselves.

Unknowns, chosen so the linear programme is exact for what is published and splits into
independent parts: people by practice x Patient Need Group (``z``); by neighbourhood x group x age
band / sex / IMD quintile (``age``, ``sex``, ``imd``), tied to ``z`` by equal totals; by practice
x group x aged 65+ (``old``); frailty among the 65+ by neighbourhood (``efi``) and moderate/severe
by practice (``frail``); people aged 17+ and with diabetes aged 17+ by practice; people on each
register by neighbourhood; emergency admissions by practice x IMD quintile (``adm``); people on a
worklist by neighbourhood. The pages render the same service results as ``/api`` (same methods,
same cache), so reading the API reads the pages' numbers.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from tests.web.fixture_lake import GEOGRAPHY, PNGS, write_fixture_lake

BANDS = ("low", "moderate", "high")
AGES = ("0-17", "18-44", "45-64", "65-74", "75-84", "85+")
OLD = ("65-74", "75-84", "85+")
SEXES = ("F", "M")
QUINTILES = ("1", "2", "3", "4", "5", "")
EFI = ("fit", "mild", "moderate", "severe")
REGISTERS = ("diabetes", "hypertension", "asthma", "copd", "dementia")
SUPPRESSED_MAX = 7
HALF_WIDTH = 2  # a published count r means r-2..r+2
PINNED_WIDTH = 4  # a true 1-7 pinned to an interval this wide or narrower is disclosed

Expr = frozenset  # of (unknown, coefficient) pairs


def expr(*terms: Any) -> Expr:
    """A linear expression: unknowns (coefficient 1) or (unknown, coefficient) pairs, summed."""
    out: dict[Any, int] = defaultdict(int)
    for t in terms:
        if isinstance(t, tuple) and len(t) == 2 and isinstance(t[1], int | float) and isinstance(t[0], tuple):
            out[t[0]] += t[1]
        else:
            out[t] += 1
    return Expr((k, v) for k, v in out.items() if v)


def published_interval(value: int | None) -> tuple[float, float]:
    """What a published count says about the true count."""
    if value is None:
        return 0, SUPPRESSED_MAX
    if value == 0:
        return 0, 0
    return max(SUPPRESSED_MAX + 1, value - HALF_WIDTH), value + HALF_WIDTH


@dataclass
class Attack:
    """Linear constraints on unknown true counts, and the bounds an attacker can prove."""

    bounds: dict[Expr, list] = field(default_factory=dict)  # expression -> [lo, hi, sources]
    targets: dict[Expr, str] = field(default_factory=dict)  # small cells to bound -> where seen
    sums: list[tuple[Expr, Any, str, bool]] = field(default_factory=list)  # read, not yet settled
    derived_mode: bool = False  # every figure over several unknowns is a sum of base cells
    _truth: dict[Any, int] = field(default_factory=dict)

    def constrain(self, e: Expr, lo: float, hi: float, source: str) -> None:
        if not e:
            assert lo <= 0 <= hi, f"{source}: an empty population published as {lo}..{hi}"
            return
        have = self.bounds.setdefault(e, [-math.inf, math.inf, []])
        have[0], have[1] = max(have[0], lo), min(have[1], hi)
        have[2].append(source)

    def publish(self, e: Expr, value: int | None, source: str, small: bool = True) -> None:
        """A published count of ``e``; a suppressed one becomes a target (kept if its truth is 1-7)."""
        lo, hi = published_interval(value)
        self.constrain(e, lo, hi, f"{source} = {'suppressed' if value is None else value}")
        if value is None and small and e:
            self.targets.setdefault(e, source)

    def publish_sum(self, e: Expr, value: int | None, source: str, withheld: bool = False) -> None:
        """A published figure that may be a sum of published base cells (see :meth:`settle`);
        ``withheld``: the service says it withheld this cell (no value, so no constraint)."""
        self.sums.append((e, value, source, withheld))

    def settle(self) -> None:
        """Figures about people of one neighbourhood are controlled counts (base cells). Figures
        about several neighbourhoods are either all sums of their neighbourhoods' published figures
        (suppressed as 0; all suppressed: suppressed) — then they are functions of those and say
        nothing more — or, if any one is not, the system rounds every figure separately and each
        is a controlled count too."""
        if not self.sums:
            return
        base: dict[Expr, Any] = {}
        for e, value, _, withheld in self.sums:
            if len({home(k) for k, _ in e}) == 1:
                base[e] = None if withheld else value
        derivable = {}
        for i, (e, _, _, withheld) in enumerate(self.sums):
            parts = defaultdict(set)
            for k, c in e:
                parts[home(k)].add((k, c))
            if len(parts) > 1 and not withheld and all(Expr(p) in base for p in parts.values()):
                values = [base[Expr(p)] for p in parts.values()]
                shown = [v for v in values if v]
                derivable[i] = sum(shown) if shown else (0 if all(v == 0 for v in values) else None)
        self.derived_mode = all(self.sums[i][1] == d for i, d in derivable.items())
        for i, (e, value, source, withheld) in enumerate(self.sums):
            if withheld:
                continue
            if i in derivable and self.derived_mode:
                if value is None:
                    self.targets.setdefault(e, source)
                continue
            self.publish(e, value, source)
        self.sums.clear()

    def components(self) -> list[tuple[list[Any], list[Expr]]]:
        parent: dict[Any, Any] = {}

        def find(u: Any) -> Any:
            while parent.setdefault(u, u) != u:
                parent[u] = parent[parent[u]]
                u = parent[u]
            return u

        for e in itertools.chain(self.bounds, self.targets):
            keys = [k for k, _ in e]
            for k in keys[1:]:
                parent[find(k)] = find(keys[0])
            find(keys[0])
        groups: dict[Any, list[Any]] = defaultdict(list)
        for u in list(parent):
            groups[find(u)].append(u)
        exprs: dict[Any, list[Expr]] = defaultdict(list)
        for e in self.bounds:
            exprs[find(next(iter(e))[0])].append(e)
        return [(sorted(us, key=repr), exprs[root]) for root, us in groups.items()]

    def solve(self, truth: dict[Any, int], tolerance: float = 1e-6) -> dict[Expr, tuple[int, int]]:
        """For every target whose true value is 1-7, the integer interval the constraints allow."""
        self.settle()
        value = lambda e: sum(truth.get(k, 0) * c for k, c in e)  # noqa: E731
        wrong = [
            (self.bounds[e][2], value(e), self.bounds[e][:2])
            for e in self.bounds
            if not self.bounds[e][0] - tolerance <= value(e) <= self.bounds[e][1] + tolerance
        ]
        assert not wrong, f"the attacker misread the published rule: truth outside {wrong[:5]}"
        small = {e for e in self.targets if 1 <= value(e) <= SUPPRESSED_MAX}
        self._truth = truth
        out: dict[Expr, tuple[int, int]] = {}
        for unknowns, exprs in self.components():
            mine = [e for e in small if next(iter(e))[0] in set(unknowns)]
            if mine:
                out.update(self._bound(unknowns, exprs, mine))
        return out

    def _bound(self, unknowns: list[Any], exprs: list[Expr], targets: list[Expr]) -> dict:
        col = {u: i for i, u in enumerate(unknowns)}
        rows, cols, vals, b_ub, eq_rows, eq_cols, eq_vals, b_eq = [], [], [], [], [], [], [], []
        for e in exprs:
            lo, hi, _ = self.bounds[e]
            if lo == hi:
                for k, c in e:
                    eq_rows.append(len(b_eq)), eq_cols.append(col[k]), eq_vals.append(c)
                b_eq.append(lo)
                continue
            for sign, limit in ((1, hi), (-1, -lo)):
                if math.isfinite(limit):
                    for k, c in e:
                        rows.append(len(b_ub)), cols.append(col[k]), vals.append(sign * c)
                    b_ub.append(limit)
        n = len(unknowns)
        a_ub = csr_matrix((vals, (rows, cols)), shape=(len(b_ub), n)) if b_ub else None
        a_eq = csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(len(b_eq), n)) if b_eq else None
        vectors = {}
        for e in targets:
            vectors[e] = np.zeros(n)
            for k, v in e:
                vectors[e][col[k]] += v
        truth = np.array([self._truth.get(u, 0) for u in unknowns], dtype=float)
        seen = {e: [c @ truth, c @ truth] for e, c in vectors.items()}  # values feasible points give

        def solve(objective: np.ndarray) -> float:
            r = linprog(
                objective,
                A_ub=a_ub,
                b_ub=b_ub or None,
                A_eq=a_eq,
                b_eq=b_eq or None,
                bounds=(0, None),
                method="highs",
            )
            assert r.status == 0, r.message
            for e, c in vectors.items():  # every vertex is a feasible point for every target
                v = c @ r.x
                seen[e][0], seen[e][1] = min(seen[e][0], v), max(seen[e][1], v)
            return r.fun

        def open_(e: Expr) -> bool:  # two feasible points already more than 4 apart: not pinned
            return math.floor(seen[e][1] + 1e-6) - math.ceil(seen[e][0] - 1e-6) > PINNED_WIDTH

        everything = sum(vectors.values())
        solve(everything), solve(-everything)  # one vertex each way moves many targets at once
        out = {}
        for e, c in vectors.items():
            if open_(e):
                out[e] = (math.ceil(seen[e][0] - 1e-6), math.floor(seen[e][1] + 1e-6))
                continue
            lo, hi = solve(c), -solve(-c)
            out[e] = (math.ceil(lo - 1e-6), math.floor(hi + 1e-6))
        return out


def pinned(attack: Attack, truth: dict[Any, int]) -> list[str]:
    """Every small true count the attacker pins to within ±2, described for a failure message."""
    attack.settle()
    found = []
    for e, (lo, hi) in sorted(attack.solve(truth).items(), key=lambda kv: attack.targets[kv[0]]):
        if hi - lo <= PINNED_WIDTH:
            true = sum(truth.get(k, 0) * c for k, c in e)
            found.append(f"{attack.targets[e]}: true {true}, pinned to {lo}..{hi}; from {explain(attack, e)}")
    return found


def home(unknown: Any) -> Any:
    """The neighbourhood an unknown's people live in (``None`` outside the county's geography)."""
    if len(unknown) > 1 and unknown[1] in GEOGRAPHY:
        return GEOGRAPHY[unknown[1]][0]
    return unknown[1] if len(unknown) > 1 else None


def explain(attack: Attack, target: Expr, limit: int = 8) -> list[str]:
    """Published figures on the same people as the target, then on people linked to those."""
    near = {k for k, _ in target}
    out: list[str] = []
    for _ in range(2):
        linked = [f for f in attack.bounds if near & {k for k, _ in f}]
        out += [s for f in linked for s in attack.bounds[f][2] if s not in out]
        near |= {k for f in linked for k, _ in f}
    return out[:limit]


# --------------------------------------------------------------------- the attacker on a toy table
def test_the_attacker_pins_a_cell_from_a_group_count_and_its_breakdown_by_sex() -> None:
    """Overview: the group has 10; breakdown: female 10, male suppressed => male is 0..4."""
    attack = Attack()
    attack.publish(expr(("F",), ("M",)), 10, "overview group")
    attack.publish(expr(("F",)), 10, "female")
    attack.publish(expr(("M",)), None, "male")
    found = pinned(attack, {("F",): 9, ("M",): 2})
    assert len(found) == 1 and found[0].startswith("male: true 2, pinned to 0..4"), found


def test_the_attacker_pins_a_cell_from_two_partitions_of_one_population() -> None:
    """By sex 10 + suppressed, by age 5 bands: the age cells bound the total, and so the male cell."""
    attack = Attack()
    attack.publish(expr(("F",)), 10, "female")
    attack.publish(expr(("M",)), None, "male")
    attack.publish(expr(("A1",)), 10, "age 1")
    attack.constrain(expr(("F",), ("M",), (("A1",), -1)), 0, 0, "same people")
    found = pinned(attack, {("F",): 8, ("M",): 2, ("A1",): 10})
    assert found and "true 2, pinned to 0..4" in found[0], found


def test_the_attacker_does_not_pin_what_the_tables_leave_open() -> None:
    """Overview 15, female 10, male suppressed: male can be 1..7 (width 6), not a disclosure."""
    attack = Attack()
    attack.publish(expr(("F",), ("M",)), 15, "overview group")
    attack.publish(expr(("F",)), 10, "female")
    attack.publish(expr(("M",)), None, "male")
    assert pinned(attack, {("F",): 10, ("M",): 5}) == []


# ------------------------------------------------------------------ the attacker against the app
N_PEOPLE = 1207  # not a multiple of 5, so no total is accidentally exact
NEIGHBOURHOODS = sorted({nb for nb, _ in GEOGRAPHY.values()})
LOCALITIES = sorted({loc for _, loc in GEOGRAPHY.values()})
PRACTICES_IN = {nb: [p for p, (n, _) in GEOGRAPHY.items() if n == nb] for nb in NEIGHBOURHOODS}
BAND_OF = {p: band for p, (_, band) in PNGS.items()}


@dataclass(frozen=True)
class Population:
    """A filter the API accepts: Patient Need Groups and practices it can contain (public facts)."""

    pngs: frozenset[int]
    practices: frozenset[str]
    query: str

    @property
    def neighbourhoods(self) -> list[str]:
        return sorted({GEOGRAPHY[p][0] for p in self.practices})

    def people(self, pngs: Any = None, practices: Any = None) -> Expr:
        """People by group x practice (``z``), within this population."""
        ps = self.pngs if pngs is None else self.pngs & set(pngs)
        prs = self.practices if practices is None else self.practices & set(practices)
        return expr(*(("z", pr, p) for pr in prs for p in ps))

    def by(self, dim: str, value: str, pngs: Any = None) -> Expr:
        ps = self.pngs if pngs is None else self.pngs & set(pngs)
        return expr(*((dim, nb, p, value) for nb in self.neighbourhoods for p in ps))


def filters() -> list[Population]:
    out = []
    for png, nb, loc in itertools.product([None, *PNGS], [None, *NEIGHBOURHOODS], [None, *LOCALITIES]):
        practices = frozenset(
            pr for pr, (n, lo) in GEOGRAPHY.items() if nb in (None, n) and loc in (None, lo)
        )
        pngs = frozenset(PNGS if png is None else [png])
        parts = [f"{k}={v}" for k, v in (("png", png), ("neighbourhood", nb), ("locality", loc)) if v]
        out.append(Population(pngs, practices, "?" + "&".join(parts) if parts else ""))
    return out


def derived_or_published(attack: Attack, value: Any, cells: list[Any], e: Expr, source: str) -> None:
    """A margin equal to the sum of its table's published cells adds nothing; anything else is a
    controlled count."""
    shown = [c for c in cells if c]
    derived = sum(shown) if shown else (0 if all(c == 0 for c in cells) else None)
    if value != derived:
        attack.publish(e, value, source + " (not derived from its cells)")


def read_overview(attack: Attack, pop: Population, ov: dict, source: str) -> None:
    for g in ov["pngs"]:
        e, withheld = pop.people([g["png"]]), g["png"] in ov.get("withheld", [])
        single = len({home(k) for k, _ in e}) == 1
        attack.publish_sum(e, g["count"], f"{source} group {g['png']}", withheld=withheld and single)
    for b in ov["bands"]:
        ps = [p for p in PNGS if BAND_OF[p] == b["band"]]
        cells = [g["count"] for g in ov["pngs"] if g["png"] in ps]
        derived_or_published(attack, b["count"], cells, pop.people(ps), f"{source} band {b['band']}")
    derived_or_published(attack, ov["total"], [g["count"] for g in ov["pngs"]], pop.people(), source)


def cell(pop: Population, dimension: str, key: str, band: str) -> Expr:
    ps = [p for p in PNGS if BAND_OF[p] == band]
    if dimension in ("age_band", "sex", "imd_quintile"):
        return pop.by({"age_band": "age", "sex": "sex", "imd_quintile": "imd"}[dimension], key, ps)
    if dimension == "png":
        return pop.people([int(key)] if int(key) in ps else [])
    field_of = {"practice_code": 0, "neighbourhood": 1, "locality": 2}[dimension]
    prs = [pr for pr, geo in GEOGRAPHY.items() if (pr, *geo)[field_of] == key]
    return pop.people(ps, prs)


def read_breakdown(attack: Attack, pop: Population, dimension: str, table: dict, source: str) -> None:
    withheld = {tuple(w) for w in table.get("withheld", [])}
    for row in table["rows"]:
        here = f"{source} row {row['key'] or 'Unknown'}"
        for b in BANDS:
            e = cell(pop, dimension, row["key"], b)
            single = len({home(k) for k, _ in e}) == 1  # one neighbourhood's base cell
            attack.publish_sum(e, row[b], f"{here} {b}", withheld=(row["key"], b) in withheld and single)
        everyone = expr(*(t for b in BANDS for t in cell(pop, dimension, row["key"], b)))
        derived_or_published(attack, row["total"], [row[b] for b in BANDS], everyone, f"{here} total")


def candidates(share: float | None, whole: int | None, per: float = 100.0) -> list[Any] | None:
    """The controlled values a published share (or rate) of a published whole can come from:
    ``[None]`` for a missing share of a known whole (the part is suppressed), ``None`` when the
    whole is unknown (the share says nothing)."""
    if not whole:
        return None
    if share is None:
        return [None]
    centre = int(share * whole / per) // 5 * 5
    fits = [v for v in range(max(10, centre - 10), centre + 15, 5) if round(per * v / whole, 1) == share]
    assert fits, (share, whole)
    return fits


def hull(values: list[Any]) -> tuple[float, float]:
    ends = [published_interval(v) for v in values]
    return min(lo for lo, _ in ends), max(hi for _, hi in ends)


def old_people(practices: list[str]) -> Expr:
    return expr(*(("old", pr, p) for pr in practices for p in PNGS))


def aged_65(neighbourhoods: list[str]) -> Expr:
    return expr(*(("age", nb, p, a) for nb in neighbourhoods for p in PNGS for a in OLD))


def adm(practices: list[str], quintiles: Any = QUINTILES) -> Expr:
    return expr(*(("adm", pr, q) for pr in practices for q in quintiles))


def read_profile(attack: Attack, nb: str, p: dict, county_imd: dict, source: str) -> dict:
    """A neighbourhood profile; returns the admission counts its IMD rates come from."""
    here = Population(frozenset(PNGS), frozenset(PRACTICES_IN[nb]), f"?neighbourhood={nb}")
    county = Population(frozenset(PNGS), frozenset(GEOGRAPHY), "")
    read_overview(attack, here, p["overview"], f"{source} overview")
    read_overview(attack, county, p["county"], f"{source} county overview")
    for key, total, ov in (
        ("population", here.people(), "overview"),
        ("county_population", county.people(), "county"),
    ):
        derived_or_published(attack, p[key], [g["count"] for g in p[ov]["pngs"]], total, f"{source} {key}")
    old_cells = [
        row[b]
        for row in TABLES["age_band", f"?neighbourhood={nb}"]["rows"]
        if row["key"] in OLD
        for b in BANDS
    ]
    derived_or_published(attack, p["aged_65_plus"], old_cells, aged_65([nb]), f"{source} aged 65+")
    for r in p["registers"]:
        if not r.get("withheld"):
            attack.publish(expr(("reg", nb, r["register"])), r["count"], f"{source} register {r['register']}")
    for f in p["frailty"]:
        if not f.get("withheld"):
            attack.publish(expr(("efi", nb, f["category"])), f["count"], f"{source} frailty {f['category']}")
    admissions = {}
    for row in p["imd"]:
        q = "" if row["quintile"] == "Unknown" else row["quintile"]
        here_q = expr(*(t for b in BANDS for t in cell(here, "imd_quintile", q, b)))
        published = county_imd[nb][q]
        derived_or_published(
            attack, row["population"], [published["total"]], here_q, f"{source} IMD {q} people"
        )
        derived_or_published(
            attack,
            row["high"],
            [published["high"]],
            cell(here, "imd_quintile", q, "high"),
            f"{source} IMD {q} higher",
        )
        fits = candidates(row["admissions_per_1000"], row["population"], 1000)
        if fits and not row.get("admissions_withheld"):
            attack.constrain(adm(PRACTICES_IN[nb], [q]), *hull(fits), f"{source} IMD {q} admissions rate")
            if fits == [None]:
                attack.targets.setdefault(
                    adm(PRACTICES_IN[nb], [q]), f"{source} IMD {q} admissions (suppressed)"
                )
        admissions[q] = fits
    for pr in p["practices"]:
        code = pr["code"]
        if "old" not in pr.get("withheld", []):
            attack.publish(old_people([code]), pr["aged_65_plus"], f"{source} practice {code} aged 65+")
        fits = candidates(pr["admissions_per_1000"], pr["population"], 1000)
        if fits and "admp" not in pr.get("withheld", []):
            attack.constrain(adm([code]), *hull(fits), f"{source} practice {code} admissions rate")
    return admissions


def read_county_figures(attack: Attack, profiles: dict[str, dict], admissions: dict[str, dict]) -> None:
    """County registers, frailty and admissions appear only as shares and rates. When they are the
    sums of the neighbourhoods' published figures they say nothing more; otherwise the attacker
    recovers the counts behind them."""
    any_profile = next(iter(profiles.values()))
    county_pop = any_profile["county_population"]
    county_65 = derived([f["count"] for p in profiles.values() for f in p["frailty"]])
    for i, r in enumerate(any_profile["registers"]):
        parts = [p["registers"][i]["count"] for p in profiles.values()]
        fits = candidates(r["county_share"], county_pop)
        if share(derived(parts), county_pop) != r["county_share"] and fits:
            reg = expr(*(("reg", nb, r["register"]) for nb in NEIGHBOURHOODS))
            attack.constrain(reg, *hull(fits), f"county share on {r['register']} = {r['county_share']}")
    for i, f in enumerate(any_profile["frailty"]):
        parts = [p["frailty"][i]["count"] for p in profiles.values()]
        if share(derived(parts), county_65) != f["county_share"]:
            read_county_frailty(attack, any_profile, "county frailty")
            break
    for row in any_profile["imd"]:
        q = "" if row["quintile"] == "Unknown" else row["quintile"]
        parts = [admissions[nb][q] for nb in profiles]
        county_rate = row["county_admissions_per_1000"]
        people = COUNTY_IMD[q]["total"]
        most = int((county_rate or 0) * (people or 0) / 1000) + 10
        parts = [f or [None, *range(10, most, 5)] for f in parts]  # a rate of nobody hides its count
        if any(  # some reading of the neighbourhoods' rates sums to the county's
            _per_1000(derived(list(combo)), people) == county_rate for combo in itertools.product(*parts)
        ):
            continue
        fits = candidates(county_rate, COUNTY_IMD[q]["total"], 1000)
        if fits:
            attack.constrain(
                adm(list(GEOGRAPHY), [q]), *hull(fits), f"county IMD {q} admissions rate = {county_rate}"
            )


COUNTY_IMD: dict[str, dict] = {}
TABLES: dict[tuple[str, str], dict] = {}  # (dimension, query) -> the breakdown as fetched


def _per_1000(events: Any, people: Any) -> float | None:
    return round(1000 * events / people, 1) if events and people else None


def derived(values: list[Any]) -> Any:
    shown = [v for v in values if v]
    return sum(shown) if shown else (0 if all(v == 0 for v in values) else None)


def share(part: Any, whole: Any) -> float | None:
    return None if part is None or not whole else round(100.0 * part / whole, 1)


def read_county_frailty(attack: Attack, p: dict, source: str) -> None:
    """County frailty published as shares of a county 65+ count not derived from published cells:
    every (count, 65+) pair of controlled values that gives all the shares bounds both."""
    fits: dict[int, list[tuple[float, float]]] = {}
    for whole in range(10, (p["county_population"] or 5 * N_PEOPLE) + 50, 5):  # every possible 65+
        found = [
            candidates(f["county_share"], whole) if _fits(f["county_share"], whole) else None
            for f in p["frailty"]
        ]
        if all(found):
            fits[whole] = [hull(c) for c in found]  # type: ignore[arg-type]
    if not fits:
        return
    attack.constrain(
        old_people(list(GEOGRAPHY)), min(fits) - HALF_WIDTH, max(fits) + HALF_WIDTH, f"{source}: county 65+"
    )
    for i, f in enumerate(p["frailty"]):
        lo, hi = min(h[i][0] for h in fits.values()), max(h[i][1] for h in fits.values())
        county = expr(*(("efi", nb, f["category"]) for nb in NEIGHBOURHOODS))
        attack.constrain(county, lo, hi, f"{source} {f['category']} share {f['county_share']}")


def _fits(value: float | None, whole: int) -> bool:
    try:
        return candidates(value, whole) is not None
    except AssertionError:
        return False


def read_variation(attack: Attack, indicator: str, v: dict, practice_rows: dict) -> None:
    source = f"/api/variation/{indicator}"
    for u in v["practices"]:
        code, here = u["unit"], f"{source} {u['unit']}"
        row = practice_rows[code]
        everyone = Population(frozenset(PNGS), frozenset([code]), "").people()
        if indicator in ("emergency_admissions", "high_need"):
            derived_or_published(attack, u["n"], [row["total"]], everyone, f"{here} n")
        if indicator == "emergency_admissions":
            attack.publish(adm([code]), u["y"], f"{here} admissions")
        elif indicator == "high_need":
            high = Population(frozenset(p for p in PNGS if BAND_OF[p] == "high"), frozenset([code]), "")
            derived_or_published(attack, u["y"], [row["high"]], high.people(), f"{here} y")
        elif indicator == "frailty_65":
            attack.publish(old_people([code]), u["n"], f"{here} aged 65+")
            attack.publish(expr(("frail", code)), u["y"], f"{here} moderate/severe frailty")
        else:
            attack.publish(expr(("n17", code)), u["n"], f"{here} aged 17+")
            attack.publish(expr(("dia17", code)), u["y"], f"{here} diabetes aged 17+")


def add_links(attack: Attack) -> None:
    """What is true of any population: the same people counted by different unknowns."""

    def minus(e: Expr) -> list:
        return [(k, -c) for k, c in e]

    for nb, prs in PRACTICES_IN.items():
        for p in PNGS:
            people = expr(*(("z", pr, p) for pr in prs))
            for dim, values in (("age", AGES), ("sex", SEXES), ("imd", QUINTILES)):
                attack.constrain(
                    expr(*((dim, nb, p, v) for v in values), *minus(people)), 0, 0, f"{dim} partition"
                )
            aged = expr(*(("age", nb, p, a) for a in OLD))
            attack.constrain(
                expr(*(("old", pr, p) for pr in prs), *minus(aged)), 0, 0, "65+ is the age bands"
            )
            for pr in prs:
                attack.constrain(expr(("old", pr, p), (("z", pr, p), -1)), -math.inf, 0, "65+ within")
        old = old_people(prs)
        attack.constrain(expr(*(("efi", nb, c) for c in EFI), *minus(old)), 0, 0, "frailty of the 65+")
        attack.constrain(
            expr(
                *(("frail", pr) for pr in prs), *minus(expr(("efi", nb, "moderate"), ("efi", nb, "severe")))
            ),
            0,
            0,
            "moderate/severe",
        )
        adults = expr(*(("age", nb, p, a) for p in PNGS for a in AGES[1:]))
        children = expr(*(("age", nb, p, AGES[0]) for p in PNGS))
        n17 = expr(*(("n17", pr) for pr in prs))
        attack.constrain(expr(*n17, *minus(adults)), 0, math.inf, "17+ includes 18+")
        attack.constrain(expr(*n17, *minus(adults), *minus(children)), -math.inf, 0, "17+ within everyone")
        dia = expr(*(("dia17", pr) for pr in prs), (("reg", nb, "diabetes"), -1))
        attack.constrain(dia, -math.inf, 0, "diabetes 17+ on the register")
        everyone = expr(*(("z", pr, p) for pr in prs for p in PNGS))
        for r in REGISTERS:
            attack.constrain(expr(("reg", nb, r), *minus(everyone)), -math.inf, 0, "register within everyone")
        for pr in prs:
            attack.constrain(expr(("frail", pr), *minus(old_people([pr]))), -math.inf, 0, "frail within 65+")
            attack.constrain(expr(("dia17", pr), (("n17", pr), -1)), -math.inf, 0, "diabetes 17+ within 17+")
            attack.constrain(
                expr(("n17", pr), *minus(expr(*(("z", pr, p) for p in PNGS)))),
                -math.inf,
                0,
                "17+ within everyone",
            )
            attack.constrain(expr(("n17", pr), *minus(old_people([pr]))), 0, math.inf, "17+ includes 65+")


def truth_of(lake: Any) -> dict[Any, int]:
    """The true value of every unknown, from the lake (to pick the targets and check the model)."""
    t: dict[Any, int] = defaultdict(int)
    for r in lake.read("patient_insights").to_pylist():
        pr, nb, p = r["practice_code"], r["neighbourhood"], r["png"]
        q = "" if r["imd_quintile"] is None else str(r["imd_quintile"])
        regs = [x for x in (r["registers"] or "").split("; ") if x]
        t["z", pr, p] += 1
        t["age", nb, p, r["age_band"]] += 1
        t["sex", nb, p, r["sex"]] += 1
        t["imd", nb, p, q] += 1
        t["adm", pr, q] += r["emergency_admissions_12m"]
        for reg in regs:
            t["reg", nb, reg] += 1
        if r["age"] >= 65:
            t["old", pr, p] += 1
            t["efi", nb, r["efi_category"]] += 1
            t["frail", pr] += r["efi_category"] in ("moderate", "severe")
        if r["age"] >= 17:
            t["n17", pr] += 1
            t["dia17", pr] += "diabetes" in regs
        t["pyr", nb, r["pyramid_tier"]] += 1
    for r in lake.read("worklists").to_pylist():
        t["wl", r["neighbourhood"], r["worklist"]] += 1
    return dict(t)


def fetch(get: Any, path: str) -> Any:
    r = get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.json()


def read_everything(get: Any) -> tuple[Attack, int]:
    """Every aggregate the analyst can fetch, read into one set of constraints."""
    attack, requests = Attack(), 0
    county_imd: dict[str, dict] = {}
    for pop in filters():
        if pop.query == "":  # (a group's own page shows its cell of this overview: one value per population)
            read_overview(attack, pop, fetch(get, f"/api/overview{pop.query}"), f"overview{pop.query}")
            requests += 1
        for dimension in (
            "age_band",
            "sex",
            "imd_quintile",
            "locality",
            "neighbourhood",
            "practice_code",
            "png",
        ):
            table = TABLES[dimension, pop.query] = fetch(get, f"/api/breakdown/{dimension}{pop.query}")
            requests += 1
            read_breakdown(attack, pop, dimension, table, f"breakdown/{dimension}{pop.query}")
            if dimension == "imd_quintile" and "png" not in pop.query and "locality" not in pop.query:
                nb = pop.query.partition("=")[2] if pop.query else ""
                county_imd[nb] = {r["key"]: r for r in table["rows"]}
            if dimension == "practice_code" and pop.query == "":
                practice_rows = {r["key"]: r for r in table["rows"]}
    COUNTY_IMD.update(county_imd[""])
    profiles, admissions = {}, {}
    for row in fetch(get, "/api/neighbourhoods"):
        profile = profiles[row["name"]] = fetch(get, f"/api/neighbourhoods/{row['name']}")
        requests += 1
        admissions[row["name"]] = read_profile(
            attack, row["name"], profile, county_imd, f"neighbourhoods/{row['name']}"
        )
        here = Population(frozenset(PNGS), frozenset(PRACTICES_IN[row["name"]]), "")
        derived_or_published(
            attack, row["population"], [profile["population"]], here.people(), f"neighbourhoods {row['name']}"
        )
        high = [p for p in PNGS if BAND_OF[p] == "high"]
        high_count = profile["overview"]["bands"][2]["count"]
        derived_or_published(
            attack, row["high"], [high_count], here.people(high), f"neighbourhoods {row['name']} higher"
        )
    read_county_figures(attack, profiles, admissions)
    for indicator in ("emergency_admissions", "high_need", "frailty_65", "diabetes_prevalence"):
        read_variation(attack, indicator, fetch(get, f"/api/variation/{indicator}"), practice_rows)
        requests += 1
    for row in fetch(get, "/api/worklists")["neighbourhoods"]:
        for w, v in row["counts"].items():
            size, source = expr(("wl", row["neighbourhood"], w)), f"worklists {row['neighbourhood']} {w}"
            attack.publish(size, v, source)
            if v is None:  # an empty worklist is published as "none", so a suppressed one is 1-7
                attack.constrain(size, 1, SUPPRESSED_MAX, f"{source}: suppressed, not none")
    read_pyramid(attack, fetch(get, "/api/pyramid"))
    add_links(attack)
    return attack, requests + 2


def read_pyramid(attack: Attack, pyramid: dict) -> None:
    """County pyramid tiers are sums of the neighbourhoods' controlled tier counts, which are not
    published one by one: a sum ``c`` of published cells (each r-2..r+2) and suppressed ones (0-7,
    counted as 0) puts the true county tier within ``c - 2n .. c + 7n`` for ``n`` neighbourhoods;
    the tiers of a neighbourhood are its people, counted another way."""
    n = len(NEIGHBOURHOODS)
    for t in pyramid["tiers"]:
        tier = expr(*(("pyr", nb, t["tier"]) for nb in NEIGHBOURHOODS))
        c = t["count"] or 0
        attack.constrain(
            tier, max(0, c - HALF_WIDTH * n), c + SUPPRESSED_MAX * n, f"pyramid tier {t['tier']}"
        )
    for nb, prs in PRACTICES_IN.items():
        tiers = [("pyr", nb, t["tier"]) for t in pyramid["tiers"]]
        everyone = [(("z", pr, p), -1) for pr in prs for p in PNGS]
        attack.constrain(expr(*tiers, *everyone), 0, 0, f"{nb}: pyramid tiers are everyone")


@pytest.fixture(scope="module")
def analyst(tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    from nhc.insights import InsightsService
    from nhc.settings import Settings
    from nhc.web.app import create_app
    from tests.web.test_app import PASSWORD, _token

    data = tmp_path_factory.mktemp("differencing")
    lake = write_fixture_lake(data / "lake", n=N_PEOPLE, seed=3)  # a lake where the audit withholds
    app = create_app(
        Settings(data_dir=data, database_url=f"sqlite:///{data / 'nhc.sqlite3'}"),
        insights=InsightsService(lake.root),
    )
    app.state.security.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    client = TestClient(app, follow_redirects=False)
    form = {
        "username": "ana",
        "password": PASSWORD,
        "csrf_token": _token(client.get("/sign-in").text),
        "next": "/",
    }
    assert client.post("/sign-in", data=form).status_code == 303
    yield client, lake
    app.state.security.db.dispose()


def test_no_small_count_can_be_pinned_by_differencing_any_tables_the_analyst_can_fetch(analyst) -> None:
    client, lake = analyst
    start = time.perf_counter()
    attack, requests = read_everything(client.get)
    read = time.perf_counter() - start
    truth = truth_of(lake)
    found = pinned(attack, truth)
    solved = time.perf_counter() - start - read
    unknowns = {k for e in attack.bounds for k, _ in e}
    small = [e for e in attack.targets if 1 <= sum(truth.get(k, 0) * c for k, c in e) <= SUPPRESSED_MAX]
    stats = (
        f"{requests} requests read in {read:.1f}s (coarse figures are sums of base cells: "
        f"{attack.derived_mode}); {len(attack.bounds)} distinct constraints on "
        f"{len(unknowns)} unknowns in {len(attack.components())} independent parts; {len(small)} small "
        f"cells bounded in {solved:.1f}s"
    )
    print(stats)
    assert not found, f"{len(found)} small counts pinned ({stats}):\n" + "\n".join(found[:40])
