"""Shared fixtures: a small synthetic county and its FHIR export (made once per test process)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from nhc.synth.county import SynthOptions, generate_to_lake

SAMPLE_PATIENTS = 3_000


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-person synthetic lake (seed 11). Treat as read-only."""
    lake = tmp_path_factory.mktemp("fhir-county") / "lake"
    generate_to_lake(SynthOptions(patients=SAMPLE_PATIENTS, seed=11), lake)
    return lake


@pytest.fixture(scope="session")
def exported(county: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county exported as FHIR NDJSON. Treat as read-only."""
    from nhc.fhir.export import export_fhir

    out = tmp_path_factory.mktemp("fhir-export")
    export_fhir(county, out)
    return out


def lake_fingerprint(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the SHA-256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
