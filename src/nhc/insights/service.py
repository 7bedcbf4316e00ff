"""The insights service: what the pages show, read from the lake's insight tables with DuckDB.

The insight tables are loaded once into an in-memory DuckDB database (sorted by patient, so point
look-ups are quick) and reloaded when ``nhc run`` rewrites them. Aggregates are per-request
invariant, so they are cached until the lake changes. Every aggregate returned here has passed
disclosure control (:func:`nhc.analytics.disclosure.safe_count`: 7 or fewer suppressed, others
rounded to 5); shares are computed from the controlled counts. Person-level methods
(:meth:`InsightsService.worklist`, :meth:`InsightsService.patient`) return raw rows: callers must
have authorised the read with :mod:`nhc.security` first.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np

from nhc.analytics.disclosure import safe_count
from nhc.errors import NhcError
from nhc.insights.funnel import Funnel, FunnelUnit, funnel

BANDS = ("low", "moderate", "high")
BAND_LABELS = {"low": "Lower need", "moderate": "Moderate need", "high": "Higher need"}
BAND_NUMBERS = {"low": 1, "moderate": 2, "high": 3}
AGE_BANDS = ("0-17", "18-44", "45-64", "65-74", "75-84", "85+")
DIMENSIONS = {
    "age_band": "Age band",
    "sex": "Sex",
    "imd_quintile": "Deprivation (IMD quintile, 1 = most deprived)",
    "locality": "Locality",
    "neighbourhood": "Neighbourhood",
    "practice_code": "Practice",
    "png": "Patient Need Group",
}
EFI_CATEGORIES = ("fit", "mild", "moderate", "severe")


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
    """Cache an aggregate until the lake's insight tables change."""

    @functools.wraps(method)
    def wrapper(self: InsightsService, *args: Any) -> T:
        gen = self._generation()
        key = (method.__name__, args)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == gen:
            return hit[1]
        value = method(self, *args)
        self._cache[key] = (gen, value)
        return value

    return wrapper


TOTALS_NOTE = "sum of the published cells (suppressed cells count as 0)"


def derived_total(cells: Any) -> int | None:
    """A margin derived from published cells: their sum, or ``None`` if every cell that could hold
    anyone is suppressed. Being a function of published values, it discloses nothing new."""
    values = list(cells)
    shown = [v for v in values if v]
    if shown:
        return sum(shown)
    return 0 if all(v == 0 for v in values) else None


def share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, 1)


def _order(dimension: str, key: Any) -> tuple:
    if dimension == "age_band":
        return (AGE_BANDS.index(key) if key in AGE_BANDS else 99, str(key))
    if dimension in ("imd_quintile", "png"):
        return (0, int(key)) if key is not None else (1, 0)
    return (0, str(key))


class InsightsService:
    REQUIRED = ("patient_insights", "patient_evidence", "worklists")
    OPTIONAL = ("patients", "practices")

    def __init__(self, lake_dir: Path | str, *, check_seconds: float = 2.0) -> None:
        self.lake_dir = Path(lake_dir)
        self.check_seconds = check_seconds
        self._lock = threading.RLock()
        self._local = threading.local()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: tuple | None = None
        self._gen = 0
        self._checked = 0.0
        self._cache: dict[tuple, tuple[int, Any]] = {}

    # ------------------------------------------------------------- loading
    def _files(self, name: str) -> list[Path]:
        folder = self.lake_dir / name
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []

    def _lake_version(self) -> tuple:
        out = []
        for name in self.REQUIRED + self.OPTIONAL:
            for f in self._files(name):
                st = f.stat()
                out.append((str(f), st.st_mtime_ns, st.st_size))
        return tuple(out)

    def _generation(self) -> int:
        now = time.monotonic()
        if self._con is not None and now - self._checked < self.check_seconds:
            return self._gen
        with self._lock:
            version = self._lake_version()
            self._checked = time.monotonic()
            if self._con is None or version != self._version:
                self._load(version)
            return self._gen

    def _load(self, version: tuple) -> None:
        missing = [n for n in self.REQUIRED if not self._files(n)]
        if missing:
            raise NotReady(
                f"the analytics have not been run on the lake in {self.lake_dir} "
                f"(missing {', '.join(missing)})",
                hint="run `nhc run`",
            )
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")

        def src(name: str) -> str:
            files = ", ".join("'" + str(f).replace("'", "''") + "'" for f in self._files(name))
            return f"read_parquet([{files}])"

        con.execute(f"CREATE TABLE pi AS SELECT * FROM {src('patient_insights')} ORDER BY patient_id")
        con.execute(
            f"CREATE TABLE ev AS SELECT * FROM {src('patient_evidence')} ORDER BY patient_id, kind, item"
        )
        con.execute(
            f"CREATE TABLE wl AS SELECT * FROM {src('worklists')} ORDER BY neighbourhood, worklist, rank"
        )
        if self._files("patients"):
            con.execute(
                "CREATE TABLE people AS SELECT patient_id, nhs_number, given_name, family_name, "
                f"date_of_birth FROM {src('patients')} ORDER BY patient_id"
            )
        else:
            con.execute(
                "CREATE TABLE people (patient_id BIGINT, nhs_number VARCHAR, given_name VARCHAR, "
                "family_name VARCHAR, date_of_birth DATE)"
            )
        if self._files("practices"):
            con.execute(f"CREATE TABLE practices AS SELECT practice_code, name FROM {src('practices')}")
        else:
            con.execute(
                "CREATE TABLE practices AS SELECT DISTINCT practice_code, practice_code AS name FROM pi"
            )
        # Person-level look-ups go to Arrow tables sorted by patient (binary search, no SQL per read).
        people = _arrow(
            con.execute(
                "SELECT pi.*, pe.nhs_number, pe.given_name, pe.family_name, pe.date_of_birth "
                "FROM pi LEFT JOIN people pe USING (patient_id) ORDER BY patient_id"
            )
        )
        evidence = _arrow(
            con.execute(
                "SELECT patient_id, kind, item, code, date, detail FROM ev "
                "ORDER BY patient_id, kind, item, date"
            )
        )
        wl_rows = _arrow(
            con.execute(
                "SELECT wl.worklist, wl.neighbourhood, wl.rank, wl.score, wl.reasons, wl.patient_id, wl.practice_code, "
                "pi.age, pi.sex, pi.band, pi.png, pi.png_name, pi.risk, pe.given_name, pe.family_name, pe.nhs_number "
                "FROM wl JOIN pi USING (patient_id) LEFT JOIN people pe USING (patient_id) "
                "ORDER BY wl.neighbourhood, wl.worklist, wl.rank"
            )
        ).to_pylist()
        by_nb: dict[str, list[dict[str, Any]]] = {}
        by_pid: dict[int, list[dict[str, Any]]] = {}
        for row in wl_rows:
            by_nb.setdefault(row["neighbourhood"], []).append(row)
            by_pid.setdefault(row["patient_id"], []).append(row)
        self._people, self._people_ids = people, people.column("patient_id").to_numpy()
        self._evidence, self._evidence_ids = evidence, evidence.column("patient_id").to_numpy()
        self._wl_by_nb, self._wl_by_pid = by_nb, by_pid
        self._con, self._version = con, version
        self._gen += 1
        self._cache.clear()

    def generation(self) -> int:
        """A number that changes whenever the insight tables are reloaded (for callers' caches)."""
        return self._generation()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        gen = self._generation()
        cur = getattr(self._local, "cursor", None)
        if cur is None or self._local.gen != gen:
            with self._lock:
                cur = self._con.cursor()  # type: ignore[union-attr]
            self._local.cursor, self._local.gen = cur, gen
        return cur

    def _rows(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        return self._cursor().execute(sql, list(params)).fetchall()

    def _dicts(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        cur = self._cursor().execute(sql, list(params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    # -------------------------------------------------------------- lookups
    @cached
    def as_of(self) -> str:
        row = self._rows("SELECT max(as_of) FROM pi")[0][0]
        return row.isoformat() if row else ""

    @cached
    def geography(self) -> dict[str, Any]:
        rows = self._rows(
            "SELECT DISTINCT locality, neighbourhood, pi.practice_code, p.name FROM pi "
            "LEFT JOIN practices p USING (practice_code) ORDER BY 1, 2, 4"
        )
        localities: dict[str, list[str]] = {}
        neighbourhoods: dict[str, str] = {}
        practices: dict[str, dict[str, str]] = {}
        for loc, nb, code, name in rows:
            if nb not in neighbourhoods:
                localities.setdefault(loc, []).append(nb)
            neighbourhoods[nb] = loc
            practices[code] = {"code": code, "name": name or code, "neighbourhood": nb, "locality": loc}
        return {"localities": localities, "neighbourhoods": neighbourhoods, "practices": practices}

    @cached
    def png_names(self) -> dict[int, dict[str, str]]:
        rows = self._rows(
            "SELECT png, any_value(png_name), any_value(band) FROM pi GROUP BY png ORDER BY png"
        )
        return {int(p): {"name": n, "band": b} for p, n, b in rows}

    def check_neighbourhood(self, name: str) -> str:
        if name not in self.geography()["neighbourhoods"]:
            raise NotFound(f"there is no neighbourhood called {name!r}")
        return name

    def check_png(self, png: Any) -> int:
        try:
            value = int(png)
        except (TypeError, ValueError):
            raise BadParameter(f"a Patient Need Group is a number from 1 to 11, not {png!r}") from None
        if value not in self.png_names():
            raise NotFound(f"there is no Patient Need Group {value}")
        return value

    def _where(self, filters: dict[str, Any]) -> tuple[str, list]:
        clauses, params = [], []
        geo = self.geography()
        for key, value in sorted(filters.items()):
            if value is None or value == "":
                continue
            if key == "png":
                value = self.check_png(value)
            elif key == "neighbourhood":
                self.check_neighbourhood(value)
            elif key == "locality":
                if value not in geo["localities"]:
                    raise NotFound(f"there is no locality called {value!r}")
            elif key == "practice_code":
                if value not in geo["practices"]:
                    raise NotFound(f"there is no practice {value!r}")
            elif key == "band":
                if value not in BANDS:
                    raise BadParameter(f"band must be one of {', '.join(BANDS)}")
            else:
                raise BadParameter(f"cannot filter on {key!r}")
            clauses.append(f"{key} = ?")
            params.append(value)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    # ------------------------------------------------------------ overview
    @cached
    def overview(self, filters: tuple = ()) -> dict[str, Any]:
        """People by Patient Need Group (disclosure-controlled cells), with need-band counts and the
        total derived from those cells (sums of published values, so they disclose nothing new).
        A group the filter rules out is ``0`` ("none")."""
        where, params = self._where(dict(filters))
        _, possible = self._possible(dict(filters))
        png_raw = dict(self._rows(f"SELECT png, count(*) FROM pi{where} GROUP BY 1", params))
        cells = {p: safe_count(png_raw.get(p, 0)) if p in possible else 0 for p in self.png_names()}
        band_counts = {
            b: derived_total(c for p, c in cells.items() if self.png_names()[p]["band"] == b) for b in BANDS
        }
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
                "name": meta["name"],
                "band": meta["band"],
                "count": cells[p],
                "share": share(cells[p], total),
            }
            for p, meta in self.png_names().items()
        ]
        return {
            "as_of": self.as_of(),
            "total": total,
            "bands": bands,
            "pngs": pngs,
            "filters": dict(filters),
            "totals": TOTALS_NOTE,
        }

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
        observed = [r[0] for r in self._rows(f"SELECT DISTINCT {dimension} FROM pi")]
        if dimension == "imd_quintile":
            return [1, 2, 3, 4, 5, None]
        return sorted(observed, key=lambda k: _order(dimension, k))

    def _possible(self, filters: dict[str, Any]) -> tuple[set[str], set[int]]:
        """The practices and Patient Need Groups a filtered population can contain, from the
        geography and the filters alone (never from the data): outside them a count is a
        structural zero."""
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
    def breakdown(self, dimension: str, filters: tuple = ()) -> dict[str, Any]:
        """People by ``dimension`` and need band, each cell disclosure-controlled.

        Contract: every possible row is listed (:meth:`categories`); a cell that cannot hold anyone
        (the band is not one of the filtered groups' bands, or the row is outside the filtered
        geography) is ``0`` ("none"); every other cell is :func:`safe_count` of its true count, so a
        count of 0 to 7 is ``None`` ("suppressed"). A row's ``total`` is the sum of its published
        cells (``None`` when they are all suppressed) and never a separately rounded true count, so
        it tells nothing the cells do not; shares are of that total.
        """
        if dimension not in DIMENSIONS:
            raise BadParameter(f"cannot break down by {dimension!r}; choose one of {', '.join(DIMENSIONS)}")
        where, params = self._where(dict(filters))
        raw = self._rows(f"SELECT {dimension}, band, count(*) FROM pi{where} GROUP BY 1, 2", params)
        cells: dict[Any, dict[str, int]] = {}
        for key, band, n in raw:
            cells.setdefault(key, {})[band] = n
        practices, pngs = self._possible(dict(filters))
        bands_possible = {self.png_names()[p]["band"] for p in pngs}
        keys = self.categories(dimension)
        if dimension in ("png", "practice_code", "neighbourhood", "locality"):
            # rows outside the filter are left out: which they are follows from the filter alone
            keys = [k for k in keys if self._row_possible(dimension, k, practices, pngs)]
        rows = []
        for key in keys:
            possible = self._row_possible(dimension, key, practices, pngs)
            counts = {
                b: safe_count(cells.get(key, {}).get(b, 0)) if possible and b in bands_possible else 0
                for b in BANDS
            }
            rows.append(
                {
                    "key": "" if key is None else str(key),
                    "label": self._label(dimension, key),
                    "total": derived_total(counts.values()),
                    **counts,
                    **{f"{b}_share": share(counts[b], derived_total(counts.values())) for b in BANDS},
                }
            )
        return {
            "dimension": dimension,
            "dimension_label": DIMENSIONS[dimension],
            "rows": rows,
            "filters": dict(filters),
            "totals": TOTALS_NOTE,
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

    # -------------------------------------------------------- neighbourhoods
    @cached
    def neighbourhoods(self) -> list[dict[str, Any]]:
        """Each neighbourhood's population and higher-need count: the total and band count of its
        :meth:`overview` (derived from the published cells, so the same figures everywhere)."""
        geo = self.geography()
        practices = dict(self._rows("SELECT neighbourhood, count(DISTINCT practice_code) FROM pi GROUP BY 1"))
        out = []
        for nb, loc in sorted(geo["neighbourhoods"].items(), key=lambda kv: (kv[1], kv[0])):
            ov = self.overview((("neighbourhood", nb),))
            pop, hi = ov["total"], ov["bands"][BANDS.index("high")]["count"]
            out.append(
                {
                    "name": nb,
                    "locality": loc,
                    "population": pop,
                    "high": hi,
                    "high_share": share(hi, pop),
                    "practices": practices.get(nb, 0),
                }
            )
        return out

    def _profile_parts(self, where: str, params: list, filters: tuple) -> dict[str, Any]:
        pop = self.overview(filters)["total"]
        by_imd = {r["key"]: r for r in self.breakdown("imd_quintile", filters)["rows"]}
        regs = dict(
            self._rows(
                f"SELECT r, count(*) FROM (SELECT unnest(string_split(registers, '; ')) AS r FROM pi{where}) "
                "WHERE r <> '' GROUP BY 1",
                params,
            )
        )
        old_where = (where + " AND " if where else " WHERE ") + "age >= 65"
        n65 = safe_count(self._rows(f"SELECT count(*) FROM pi{old_where}", params)[0][0])
        efi = dict(self._rows(f"SELECT efi_category, count(*) FROM pi{old_where} GROUP BY 1", params))
        adm = dict(
            self._rows(
                f"SELECT imd_quintile, sum(emergency_admissions_12m) FROM pi{where} GROUP BY 1", params
            )
        )
        # people by quintile and higher need: the cells and derived totals of the published breakdown
        imd = [
            (
                q,
                by_imd["" if q is None else str(q)]["total"],
                by_imd["" if q is None else str(q)]["high"],
                adm.get(q, 0),
            )
            for q in self.categories("imd_quintile")
        ]
        return {"population": pop, "registers": regs, "n65": n65, "efi": efi, "imd": imd}

    @cached
    def neighbourhood_profile(self, name: str) -> dict[str, Any]:
        self.check_neighbourhood(name)
        geo = self.geography()
        here = self._profile_parts(" WHERE neighbourhood = ?", [name], (("neighbourhood", name),))
        county = self._profile_parts("", [], ())
        from nhc.analytics.registers import REGISTER_NAMES

        registers = []
        for r in REGISTER_NAMES:
            a, b = safe_count(here["registers"].get(r, 0)), safe_count(county["registers"].get(r, 0))
            registers.append(
                {
                    "register": r,
                    "label": r.replace("_", " ").capitalize(),
                    "count": a,
                    "share": share(a, here["population"]),
                    "county_share": share(b, county["population"]),
                }
            )
        frailty = []
        for cat in EFI_CATEGORIES:
            a, b = safe_count(here["efi"].get(cat, 0)), safe_count(county["efi"].get(cat, 0))
            frailty.append(
                {
                    "category": cat,
                    "count": a,
                    "share": share(a, here["n65"]),
                    "county_share": share(b, county["n65"]),
                }
            )
        imd = []
        county_imd = {row[0]: row for row in county["imd"]}
        for q, pop, hi, adm in here["imd"]:
            ad = safe_count(int(adm or 0))
            _, cpop, chi, cadm = county_imd[q]
            cad = safe_count(int(cadm or 0))
            imd.append(
                {
                    "quintile": "Unknown" if q is None else str(q),
                    "population": pop,
                    "population_share": share(pop, here["population"]),
                    "high": hi,
                    "high_share": share(hi, pop),
                    "county_high_share": share(chi, cpop),
                    "admissions_per_1000": round(1000 * ad / pop, 1) if ad and pop else None,
                    "county_admissions_per_1000": round(1000 * cad / cpop, 1) if cad and cpop else None,
                }
            )
        practices = []
        rows = {r["key"]: r for r in self.breakdown("practice_code", (("neighbourhood", name),))["rows"]}
        raw = self._rows(
            "SELECT practice_code, sum(emergency_admissions_12m), count(*) FILTER (WHERE age >= 65) FROM pi "
            "WHERE neighbourhood = ? GROUP BY 1 ORDER BY 1",
            [name],
        )
        for code, adm, old in raw:
            # population and higher need: the practice's row of the published practice breakdown
            pop, hi, ad = rows[code]["total"], rows[code]["high"], safe_count(int(adm or 0))
            practices.append(
                {
                    "code": code,
                    "name": geo["practices"][code]["name"],
                    "population": pop,
                    "aged_65_plus": safe_count(old),
                    "high": hi,
                    "high_share": share(hi, pop),
                    "admissions_per_1000": round(1000 * ad / pop, 1) if ad and pop else None,
                }
            )
        return {
            "name": name,
            "locality": geo["neighbourhoods"][name],
            "as_of": self.as_of(),
            "population": here["population"],
            "county_population": county["population"],
            "aged_65_plus": here["n65"],
            "overview": self.overview((("neighbourhood", name),)),
            "county": self.overview(()),
            "registers": registers,
            "frailty": frailty,
            "imd": imd,
            "practices": practices,
        }

    # ------------------------------------------------------------- variation
    @staticmethod
    def indicators() -> list[Indicator]:
        return list(INDICATORS.values())

    @cached
    def variation(self, indicator: str) -> dict[str, Any]:
        ind = INDICATORS.get(indicator)
        if ind is None:
            raise NotFound(f"there is no indicator {indicator!r}; choose one of {', '.join(INDICATORS)}")
        geo = self.geography()
        raw = self._rows(
            f"SELECT practice_code, {ind.denominator}, {ind.numerator} FROM pi GROUP BY 1 ORDER BY 1"
        )
        # A practice's list size and higher-need count are its row of the published practice
        # breakdown (derived total, band cell), so the funnel adds no second rounding of them.
        rows = {r["key"]: r for r in self.breakdown("practice_code", ())["rows"]}
        units = []
        for code, n, y in raw:
            n_pub = rows[code]["total"] if ind.denominator == "count(*)" else safe_count(int(n or 0))
            y_pub = rows[code]["high"] if indicator == "high_need" else safe_count(int(y or 0))
            units.append(FunnelUnit(code, geo["practices"][code]["name"], n_pub, y_pub))
        f: Funnel = funnel(units, "proportion" if ind.kind == "proportion" else "rate")
        neighbourhood_of = {c: p["neighbourhood"] for c, p in geo["practices"].items()}
        return {"indicator": ind, "funnel": f, "neighbourhood_of": neighbourhood_of, "as_of": self.as_of()}

    # ------------------------------------------------------------- worklists
    @cached
    def worklist_definitions(self) -> dict[str, dict[str, str]]:
        from nhc.analytics.worklists import WORKLISTS

        return {w.name: {"name": w.name, "title": w.title, "rationale": w.rationale} for w in WORKLISTS}

    @cached
    def worklist_counts(self) -> list[dict[str, Any]]:
        """People on each worklist by neighbourhood (disclosure-controlled counts)."""
        raw = self._rows("SELECT neighbourhood, worklist, count(*) FROM wl GROUP BY 1, 2")
        counts = {(nb, w): n for nb, w, n in raw}
        defs = self.worklist_definitions()
        out = []
        for nb in sorted(self.geography()["neighbourhoods"]):
            out.append({"neighbourhood": nb, "counts": {w: safe_count(counts.get((nb, w), 0)) for w in defs}})
        return out

    def check_worklist(self, name: str | None) -> str | None:
        if name and name not in self.worklist_definitions():
            raise NotFound(f"there is no worklist {name!r}")
        return name or None

    def worklist(
        self, neighbourhood: str, worklist: str | None = None, limit: int = 500, offset: int = 0
    ) -> list[dict[str, Any]]:
        """PERSON-LEVEL: the people on a neighbourhood's worklist(s). Authorise before calling."""
        return self.worklist_page(neighbourhood, worklist, limit, offset)[0]

    def worklist_page(
        self, neighbourhood: str, worklist: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """PERSON-LEVEL: one page of a worklist and the number of people on it."""
        self.check_neighbourhood(neighbourhood)
        self.check_worklist(worklist)
        rows = self._wl_by_nb.get(neighbourhood, [])
        if worklist:
            rows = [r for r in rows if r["worklist"] == worklist]
        start = max(0, int(offset))
        return [dict(r) for r in rows[start : start + max(1, min(int(limit), 5000))]], len(rows)

    # --------------------------------------------------------------- patient
    @staticmethod
    def _slice(table: Any, ids: Any, patient_id: int) -> Any:
        lo = int(np.searchsorted(ids, patient_id, side="left"))
        hi = int(np.searchsorted(ids, patient_id, side="right"))
        return table.slice(lo, hi - lo)

    def patient_neighbourhood(self, patient_id: int) -> str | None:
        """The neighbourhood a person is registered in, or ``None`` if there is no such person."""
        self._generation()
        rows = self._slice(self._people, self._people_ids, patient_id).column("neighbourhood").to_pylist()
        return rows[0] if rows else None

    def patient(self, patient_id: int) -> dict[str, Any]:
        """PERSON-LEVEL: everything the analytics say about one person, with the evidence."""
        self._generation()
        with self._lock:  # one consistent generation
            people, pids, ev, eids = self._people, self._people_ids, self._evidence, self._evidence_ids
            wl_by_pid = self._wl_by_pid
        rows = self._slice(people, pids, patient_id).to_pylist()
        if not rows:
            raise NotFound(f"there is no person with id {patient_id}")
        person = rows[0]
        person["band_label"] = BAND_LABELS.get(person["band"], person["band"])
        person["registers_list"] = [r for r in (person.get("registers") or "").split("; ") if r]
        person["risk_factors_list"] = [r for r in (person.get("risk_factors") or "").split("; ") if r]
        evidence = self._slice(ev, eids, patient_id).drop_columns(["patient_id"]).to_pylist()
        defs = self.worklist_definitions()
        lists = [
            {k: r[k] for k in ("worklist", "neighbourhood", "rank", "score", "reasons")}
            for r in sorted(wl_by_pid.get(patient_id, []), key=lambda r: r["worklist"])
        ]
        for w in lists:
            w["title"] = defs.get(w["worklist"], {}).get("title", w["worklist"])
        return {"person": person, "evidence": evidence, "worklists": lists}


def _arrow(result: Any) -> Any:
    """A DuckDB result as a pyarrow Table (``.arrow()`` gives a reader in newer DuckDB)."""
    out = result.arrow()
    return out.read_all() if hasattr(out, "read_all") else out
