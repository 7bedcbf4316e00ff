"""Fixtures for the command-line tests: cheap password hashing and a small analysed lake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from nhc.lake.store import Lake
from tests.web.fixture_lake import write_fixture_lake

#: People of the small lake who have an NHS number: patient id -> (NHS number, neighbourhood).
#: The fixture lake puts patient 1 in Banbury and patient 3 in Witney; the numbers are valid
#: (mod 11 check digit worked out by hand) and in the 999 test range.
PEOPLE = {1: ("9990000018", "Banbury"), 3: ("9990000034", "Witney")}
UNKNOWN_NHS_NUMBER = "9990000042"  # valid, but no one in the lake has it


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    from nhc.security import passwords

    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords.configure()


@pytest.fixture(autouse=True)
def _no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test's database is the SQLite file in its own data folder.
    monkeypatch.delenv("NHC_DATABASE_URL", raising=False)
    monkeypatch.delenv("NHC_DATA", raising=False)


def write_people(lake: Lake) -> None:
    """The ``patients`` rows of :data:`PEOPLE` (the insight tables already hold them)."""
    ids = sorted(PEOPLE)
    n = len(ids)
    lake.write(
        "patients",
        pa.table(
            {
                "patient_id": ids,
                "nhs_number": [PEOPLE[i][0] for i in ids],
                "given_name": ["Ada", "Cyd"],
                "family_name": ["Banbury-Person", "Witney-Person"],
                "sex": ["F", "M"],
                "date_of_birth": [dt.date(1940, 5, 1)] * n,
                "ethnicity": ["Not stated"] * n,
                "small_area_code": ["E01000001"] * n,
                "address_line": ["1 High Street"] * n,
                "postcode": ["OX1 1AA"] * n,
            }
        ),
    )


@pytest.fixture
def analysed_data(tmp_path: Path) -> Path:
    """A data folder whose lake holds insight tables and two people with NHS numbers."""
    lake = write_fixture_lake(tmp_path / "lake", n=60)
    write_people(lake)
    return tmp_path
