"""``nhc outcomes`` over a small lake with the packaged codelists."""

from __future__ import annotations

import json

import pytest

from nhc.cli import main

from .lake import write_lake


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_lake(tmp_path_factory.mktemp("outcomes-cli"))


def _run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return exit_.value.code, out.out, out.err


def test_outcomes_json_lists_every_indicator_with_its_latest_value(capsys, data):
    code, out, _ = _run(capsys, "outcomes", "--data", str(data), "--months", "24", "--json")
    assert code == 0
    doc = json.loads(out)
    rows = {r["id"]: r for r in doc["indicators"]}
    assert rows["diabetes-hba1c"]["latest"] == {
        "month": "2026-03",
        "value": 75.0,
        "numerator": 30,
        "denominator": 40,
    }
    assert rows["diabetes-hba1c"]["core20_gap"]["absolute"] == 50.0
    assert rows["diabetes-hba1c"]["spc"]["variation_icon"] == "common_cause"
    assert "virtual-ward-length-of-stay" in doc["left_out"]
    assert doc["months"] == {"first": "2024-04", "last": "2026-03"}


def test_outcomes_series_by_practice(capsys, data):
    code, out, _ = _run(
        capsys,
        "outcomes",
        "--data",
        str(data),
        "--indicator",
        "diabetes-hba1c",
        "--by",
        "practice",
        "--months",
        "13",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert [s["group"] for s in doc["series"]] == ["P1", "P2"]
    assert doc["series"][0]["points"][-1] == {
        "month": "2026-03",
        "numerator": 15,
        "denominator": 20,
        "value": 75.0,
    }


def test_outcomes_table(capsys, data):
    code, out, _ = _run(capsys, "outcomes", "--data", str(data), "--months", "13")
    assert code == 0
    assert "diabetes-hba1c" in out and "75.0 %" in out and "virtual-ward-length-of-stay" in out


def test_an_unknown_indicator_is_one_line_and_exit_2(capsys, data):
    code, _, err = _run(capsys, "outcomes", "--data", str(data), "--indicator", "nope")
    assert code == 2 and "no indicator 'nope'" in err and "Traceback" not in err
