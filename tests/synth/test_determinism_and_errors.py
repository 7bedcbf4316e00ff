"""Same seed, same bytes; impossible options fail with one clear line and write nothing."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from nhc.errors import NhcError
from nhc.lake.store import Lake
from nhc.synth.county import SynthOptions, generate_to_lake


def _digest(lake: Path) -> dict[str, str]:
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*.parquet"))
    }


def test_same_seed_gives_a_byte_identical_lake(tmp_path):
    a = generate_to_lake(SynthOptions(patients=3000, seed=11), tmp_path / "a").lake_dir
    b = generate_to_lake(SynthOptions(patients=3000, seed=11), tmp_path / "b").lake_dir
    assert _digest(a) == _digest(b)
    assert len(_digest(a)) == 9


def test_different_seed_gives_a_different_lake(tmp_path):
    a = generate_to_lake(SynthOptions(patients=3000, seed=11), tmp_path / "a").lake_dir
    c = generate_to_lake(SynthOptions(patients=3000, seed=12), tmp_path / "c").lake_dir
    da, dc = _digest(a), _digest(c)
    assert da["patients/part-00000.parquet"] != dc["patients/part-00000.parquet"]
    assert da["clinical_events/part-00000.parquet"] != dc["clinical_events/part-00000.parquet"]
    # Reference tables do not depend on the seed.
    assert da["practices/part-00000.parquet"] == dc["practices/part-00000.parquet"]


def test_one_locality_only(tmp_path):
    result = generate_to_lake(
        SynthOptions(patients=2000, seed=1, localities=("oxford city",)), tmp_path / "l"
    )
    practices = Lake(result.lake_dir).read("practices")
    assert set(practices["locality"].to_pylist()) == {"Oxford City"}
    assert practices.num_rows == 20
    assert result.rows["patients"] >= 2000


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SynthOptions(patients=-5), "--patients must be at least 1"),
        (SynthOptions(patients=0), "--patients must be at least 1"),
        (SynthOptions(patients=2_000_000), "999 test range"),
        (SynthOptions(seed=-1), "--seed must be zero or positive"),
        (SynthOptions(localities=("Narnia",)), "unknown locality 'Narnia'"),
    ],
)
def test_impossible_options_are_refused_before_any_work(tmp_path, options, message):
    with pytest.raises(NhcError, match=message):
        generate_to_lake(options, tmp_path / "lake")
    assert not (tmp_path / "lake").exists()


def _nhc(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nhc.cli", *args, "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_reports_bad_options_in_one_line_without_traceback(tmp_path):
    for args, message in (
        (("synth", "--patients", "-3"), "--patients must be at least 1"),
        (("synth", "--locality", "Atlantis"), "unknown locality 'Atlantis'"),
        (("synth", "--as-of", "31/03/2026"), "--as-of must be a date like 2026-03-31"),
    ):
        proc = _nhc(*args, data=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "lake").exists()


def test_cli_unwritable_data_folder(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    proc = _nhc("synth", "--patients", "500", data=blocker / "data")
    assert proc.returncode == 2
    assert "cannot write to data folder" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_synth_then_lake_info_as_json(tmp_path):
    import json

    proc = _nhc("synth", "--patients", "1500", "--seed", "3", "--json", data=tmp_path)
    assert proc.returncode == 0, proc.stderr
    built = json.loads(proc.stdout)
    assert built["summary"]["alive and registered at as-of"] == 1500
    info = json.loads(_nhc("lake", "info", "--json", data=tmp_path).stdout)
    rows = {t["name"]: t["rows"] for t in info}
    assert rows == built["rows"]
    assert rows["patients"] >= 1500 and rows["clinical_events"] > 1500


def test_lake_info_on_an_empty_folder_says_what_to_do(tmp_path):
    proc = _nhc("lake", "info", data=tmp_path)
    assert proc.returncode == 2 and "run `nhc synth` first" in proc.stderr
