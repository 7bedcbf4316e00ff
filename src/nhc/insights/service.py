"""The insights service: what the pages show, read from the lake's insight tables with DuckDB.

The insight tables are loaded once into an in-memory DuckDB database (sorted by patient, so point
look-ups are quick) and reloaded when ``nhc run`` rewrites them. Aggregates are per-request
invariant, so they are cached until the lake changes. Every aggregate is a sum of the audited
base cells of :mod:`nhc.insights.release` (disclosure control within and across tables:
:mod:`nhc.insights.tables`, :mod:`nhc.insights.profiles`). Person-level methods
(:meth:`InsightsService.worklist`, :meth:`InsightsService.patient`) return raw rows: callers must
have authorised the read with :mod:`nhc.security` first.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from nhc.analytics.rules.registers import REGISTER_NAMES
from nhc.analytics.rules.segmentation import PYRAMID_NAMES
from nhc.analytics.rules.worklists import WORKLISTS
from nhc.insights import release as release_module
from nhc.insights.catalogue import (
    DIMENSIONS,
    INDICATORS,
    TOTALS_NOTE,
    BadParameter,
    Indicator,
    NotFound,
    NotReady,
    cached,
    share,
)
from nhc.insights.profiles import Profiles
from nhc.insights.release import FAMILIES, Release
from nhc.insights.search import PeopleSearch
from nhc.insights.tables import PublishedTables
from nhc.lake.memo import lake_value
from nhc.lake.merge_on_read import delta_of, duckdb_source
from nhc.lake.store import tables_version
from nhc.vocab import AGE_BANDS, BAND_LABELS, BAND_NUMBERS, BANDS, EFI_CATEGORIES

__all__ = [
    "AGE_BANDS",
    "BANDS",
    "BAND_LABELS",
    "BAND_NUMBERS",
    "DIMENSIONS",
    "EFI_CATEGORIES",
    "INDICATORS",
    "TOTALS_NOTE",
    "BadParameter",
    "Indicator",
    "InsightsService",
    "NotFound",
    "NotReady",
    "share",
]


class InsightsService(PublishedTables, Profiles, PeopleSearch):
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
        # a table's delta too: a nightly refresh publishes the same base files with a new delta
        return tables_version(self.lake_dir, self.REQUIRED + self.OPTIONAL)

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
            return duckdb_source(self._files(name), delta_of(self.lake_dir / name))

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

    # ------------------------------------------------------------ the release
    @cached
    def release(self) -> Release:
        """The audited base cells every published aggregate is summed from
        (:mod:`nhc.insights.release`), built once per lake generation."""
        geo = self.geography()
        categories = {d: self.categories(d) for d in FAMILIES} | {
            "reg": list(REGISTER_NAMES),
            "wl": [w.name for w in WORKLISTS],
            "pyr": sorted(PYRAMID_NAMES),
        }
        self._generation()
        # Kept once per process for the loaded tables (the audit solves thousands of small linear
        # programs; each app or service built over the same lake would otherwise solve them again).
        return lake_value(
            ("insights-release", self._version),
            self.lake_dir,
            (),
            lambda: release_module.build(
                self._rows,
                {code: p["neighbourhood"] for code, p in geo["practices"].items()},
                {p: m["band"] for p, m in self.png_names().items()},
                categories,
            ),
        )

    # ------------------------------------------------------------- worklists
    @cached
    def worklist_definitions(self) -> dict[str, dict[str, str]]:
        return {w.name: {"name": w.name, "title": w.title, "rationale": w.rationale} for w in WORKLISTS}

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
