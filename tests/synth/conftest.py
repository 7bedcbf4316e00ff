"""A synthetic county shared by the synth tests: generated once per test process."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from nhc.reference.codelists import load_codelists
from nhc.synth.county import SynthOptions, generate_to_lake

SAMPLE_PATIENTS = 200_000


@pytest.fixture(scope="session")
def county_200k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 200k-person county (the acceptance sample for prevalences), seed 7."""
    lake = tmp_path_factory.mktemp("county200k") / "lake"
    generate_to_lake(SynthOptions(patients=SAMPLE_PATIENTS, seed=7), lake)
    return lake


@pytest.fixture(scope="session")
def county_sql(county_200k: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the 200k lake plus the packaged codelists, for checking from the outside."""
    con = duckdb.connect()
    for folder in county_200k.iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            con.execute(f"CREATE VIEW {folder.name} AS SELECT * FROM read_parquet('{folder}/*.parquet')")
    con.register("codelists_arrow", load_codelists())
    con.execute("CREATE TABLE codelists AS SELECT * FROM codelists_arrow")
    con.execute(
        """
        CREATE TABLE living AS
        SELECT p.patient_id, p.sex,
               date_diff('year', p.date_of_birth, DATE '2026-03-31')
                 - CASE WHEN strftime(p.date_of_birth, '%m%d') > '0331' THEN 1 ELSE 0 END AS age
        FROM patients p
        JOIN practice_registrations r ON r.patient_id = p.patient_id AND r.end_date IS NULL
        WHERE p.patient_id NOT IN (SELECT patient_id FROM deaths)
        """
    )
    return con
