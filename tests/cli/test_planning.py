"""``nhc plan baseline`` and ``nhc plan scenario`` over a small lake written by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from nhc.cli import main
from nhc.lake.store import Lake
from nhc.lake.tables import TABLES
from nhc.planning.parameters import example_scenario_path
from tests.spec.helpers import arrow

AS_OF = dt.date(2026, 3, 31)


def _filled(row: dict) -> dict:
    """``row`` with every other required insight column at a plain value of its type."""
    plain = {"string": "x", "bool": False, "double": 0.0}
    out = {}
    for field in TABLES["patient_insights"].arrow:
        if field.name not in row and not field.nullable:
            out[field.name] = "fit" if field.name == "efi_category" else plain.get(str(field.type), 0)
    return {**out, **row}


def _person(pid: int, png: int, age: int) -> dict:
    return _filled(
        {
            "patient_id": pid,
            "as_of": AS_OF,
            "png": png,
            "png_name": f"group {png}",
            "band": "high",
            "age": age,
            "age_band": "75-84" if age >= 75 else "18-44",
            "sex": "F",
            "imd_quintile": 2,
        }
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """20 frail people aged 75 to 84 (each with 2 GP appointments and one 5-day admission) and 10 adults
    of 30 (one A&E attendance each)."""
    lake = Lake(tmp_path / "lake")
    people = [_person(i, 11, 75 + i % 10) for i in range(1, 21)] + [_person(i, 3, 30) for i in range(21, 31)]
    lake.write("patient_insights", arrow("patient_insights", people))
    enc = []
    for i in range(1, 21):
        enc += [{"patient_id": i, "type": "gp", "start_date": AS_OF - dt.timedelta(days=d)} for d in (3, 40)]
        enc.append(
            {
                "patient_id": i,
                "type": "emergency_admission",
                "start_date": AS_OF - dt.timedelta(days=20),
                "end_date": AS_OF - dt.timedelta(days=15),
            }
        )
    enc += [
        {"patient_id": i, "type": "ae", "start_date": AS_OF - dt.timedelta(days=9)} for i in range(21, 31)
    ]
    lake.write("encounters", arrow("encounters", [{**e, "provider_code": "P1"} for e in enc]))
    return tmp_path


def _run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_baseline_json_gives_rates_per_1000_disclosure_controlled(capsys, data):
    """40 GP appointments for 20 frail people: 2,000 per 1,000 person-years; the 10 adults' A&E
    attendances (10, rounded to 10) over 10 person-years: 1,000 per 1,000; settings not in the lake
    are said to be left out."""
    code, out, err = _run(capsys, "plan", "baseline", "--data", str(data), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["as_of"] == "2026-03-31"
    frail = next(r for r in report["by"]["png"] if r["png"] == 11)
    assert frail["person_years"] == 20
    assert frail["gp"] == pytest.approx(2000)
    assert frail["emergency_admission"] == pytest.approx(1000)
    assert frail["bed_days"] == pytest.approx(5000)
    adults = next(r for r in report["by"]["png"] if r["png"] == 3)
    assert adults["ae"] == pytest.approx(1000)
    assert set(report["left_out"]) == {"virtual_ward", "home_visits", "social_prescribing"}


def test_scenario_json_has_centiles_workforce_and_waterfall(capsys, data):
    code, out, err = _run(
        capsys,
        "plan",
        "scenario",
        str(example_scenario_path()),
        "--runs",
        "300",
        "--data",
        str(data),
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["runs"] == 300
    for s in result["summary"].values():
        assert s["p10"] <= s["p50"] <= s["p90"]
    assert {w["role"] for w in result["workforce"]} >= {"gp", "pharmacist"}
    assert result["waterfall"][0]["step"] == "demography"


def test_scenario_tables_print(capsys, data):
    code, out, _ = _run(capsys, "plan", "scenario", str(example_scenario_path()), "--data", str(data))
    assert code == 0
    assert "Workforce" in out and "demography" in out


def test_a_bad_scenario_file_is_one_line_naming_field_and_range(capsys, data, tmp_path):
    bad = json.loads(example_scenario_path().read_text())
    bad["target_occupancy"] = 1.3
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    code, _, err = _run(capsys, "plan", "scenario", str(path), "--data", str(data))
    assert code == 2
    assert "bad.json: target_occupancy: 1.3 is outside the allowed range 0.5 to 1" in " ".join(err.split())
    assert "Traceback" not in err


def test_without_insights_the_hint_says_run_the_analytics(capsys, tmp_path):
    code, _, err = _run(capsys, "plan", "baseline", "--data", str(tmp_path))
    assert code == 2
    assert "patient_insights" in err


def test_compare_runs_scenarios_side_by_side_on_one_baseline(capsys, data):
    """The example against the same model of care: same baseline, the levers lower bed days."""
    same = example_scenario_path().with_name("same_model_of_care.json")
    code, out, err = _run(
        capsys, "plan", "compare", str(example_scenario_path()), str(same), "--data", str(data), "--json"
    )
    assert code == 0, err
    levers, nothing = json.loads(out)["scenarios"]
    assert levers["summary"]["beds"]["baseline"] == nothing["summary"]["beds"]["baseline"]
    assert levers["summary"]["beds"]["p50"] < nothing["summary"]["beds"]["p50"]
    assert [w["step"] for w in nothing["waterfall"]] == ["demography"]
    code, out, _ = _run(
        capsys, "plan", "compare", str(example_scenario_path()), str(same), "--data", str(data)
    )
    assert code == 0 and "side by side" in out
