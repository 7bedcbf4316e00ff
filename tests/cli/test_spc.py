"""``nhc spc``: the Making Data Count chart on the command line, as the outcomes issue's contract says."""

from __future__ import annotations

import json

import pytest

from nhc.cli import main

PUBLISHED = "1,2,1,2,10,1,2,1,2,1,2,1,2,1,2,1,2,1"


def _nhc(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["spc", *args])
        status = 0
    except SystemExit as exit_:
        status = exit_.code or 0
    out = capsys.readouterr()
    return status, out.out, out.err


def test_the_published_example_as_json(capsys) -> None:
    status, out, _ = _nhc(capsys, "--values", PUBLISHED, "--json")
    doc = json.loads(out)
    assert status == 0
    assert (round(doc["mean"], 3), round(doc["lower_limit"], 3), round(doc["upper_limit"], 3)) == (
        1.944,
        -0.716,
        4.604,
    )
    assert [p["type"] for p in doc["points"]].count("special_cause_improvement") == 1
    assert doc["points"][4] == {"value": 10.0, "type": "special_cause_improvement", "rule": "outside_limits"}
    assert doc["variation_icon"] == "common_cause" and doc["assurance_icon"] is None


def test_without_screening_and_with_a_target_lower_being_better(capsys) -> None:
    status, out, _ = _nhc(
        capsys,
        "--values",
        PUBLISHED,
        "--no-screen-outliers",
        "--target",
        "8",
        "--improvement",
        "decrease",
        "--json",
    )
    doc = json.loads(out)
    assert status == 0
    assert (round(doc["lower_limit"], 3), round(doc["upper_limit"], 3)) == (-3.063, 6.952)
    assert doc["points"][4]["type"] == "special_cause_concern"  # above the limits, and lower is better
    assert doc["assurance_icon"] == "consistent_pass"  # 8 is above every likely value


def test_bad_values_are_one_line_and_exit_2(capsys) -> None:
    status, out, err = _nhc(capsys, "--values", "1,two,3", "--json")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "--values" in err
