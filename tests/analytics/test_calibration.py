"""Calibration on a small synthetic county: need bands near Oxfordshire's 74.0 / 23.1 / 2.9 %.

Also drives the CLI (``nhc run --json``, ``nhc explain``) on that county. Skipped, with the reason,
only if the synthetic county generator cannot be imported.
"""

from __future__ import annotations

import json

import pytest

synth = pytest.importorskip(
    "nhc.synth.county", reason="the synthetic county generator (nhc.synth) is not available"
)

N = 4000


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from nhc.analytics import pipeline
    from nhc.lake.engine import DuckDBEngine
    from nhc.lake.store import Lake

    data = tmp_path_factory.mktemp("county")
    synth.generate_to_lake(synth.SynthOptions(patients=N, seed=7), data / "lake", progress=False)
    result = pipeline.run(DuckDBEngine.open(Lake(data / "lake")))
    return data, result


def test_bands_near_oxfordshire(county):
    _, result = county
    bands = {b["band"]: b["percent"] for b in result.summary["bands"]}
    # generous tolerance at n = 4,000
    assert abs(bands["low"] - 74.0) < 6, bands
    assert abs(bands["moderate"] - 23.1) < 6, bands
    assert 1.0 < bands["high"] < 6.0, bands
    assert sum(g["count"] for g in result.summary["patient_need_groups"]) == result.summary["population"]
    assert all(g["count"] > 0 for g in result.summary["patient_need_groups"] if g["png"] not in (6, 7))


def test_pyramid_and_efi_plausible(county):
    _, result = county
    tiers = {p["tier"]: p["percent"] for p in result.summary["pyramid"]}
    assert tiers[1] > 65 and 10 < tiers[2] < 28 and tiers[3] < 8 and tiers[4] < 3
    efi = {c["category"]: c["percent"] for c in result.summary["efi_65_plus"]["categories"]}
    assert efi["fit"] > efi["mild"] > efi["moderate"] > efi["severe"]
    assert result.summary["risk_model"]["auroc"] > 0.65


def test_cli_run_json_and_explain(county, monkeypatch):
    from typer.testing import CliRunner

    from nhc.cli import app
    from nhc.lake.store import Lake

    data, _ = county
    monkeypatch.setenv("NHC_DATA", str(data))
    monkeypatch.setenv("NHC_ENGINE", "duckdb")
    runner = CliRunner()
    out = runner.invoke(app, ["run", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert [b["band"] for b in summary["bands"]] == ["low", "moderate", "high"]
    ins = Lake(data / "lake").read("patient_insights")
    pid = (
        ins.filter(ins.column("png").to_numpy() == 11).column("patient_id")[0].as_py()
        if any(v == 11 for v in ins.column("png").to_pylist())
        else ins.column("patient_id")[0].as_py()
    )
    patients = Lake(data / "lake").read("patients").to_pylist()
    nhs = next(p["nhs_number"] for p in patients if p["patient_id"] == pid)
    out = runner.invoke(app, ["explain", nhs, "--json"])
    assert out.exit_code == 0, out.output
    x = json.loads(out.output)
    assert x["segment"]["reason"].startswith(f"PNG {x['segment']['png']} ")
    out = runner.invoke(app, ["explain", nhs])
    assert out.exit_code == 0 and "Segment:" in out.output


def test_explain_rejects_invalid_and_unknown_numbers(county):
    from nhc.analytics.explain import explain, valid_nhs_number
    from nhc.errors import NhcError
    from nhc.lake.engine import DuckDBEngine
    from nhc.lake.store import Lake

    data, _ = county
    engine = DuckDBEngine.open(Lake(data / "lake"))
    assert valid_nhs_number("9434765919") and not valid_nhs_number("9434765918")
    assert not valid_nhs_number("12345") and not valid_nhs_number("abcdefghij")
    with pytest.raises(NhcError, match="not a valid NHS number"):
        explain(engine, "1234567890")
    with pytest.raises(NhcError, match="no patient with NHS number 9999999999"):
        explain(engine, "9999999999")


def test_each_person_gets_the_risk_of_their_own_features(county):
    """Scores are joined back to people in Arrow: each risk must be the model's prediction from
    that person's own as-of features (an order mix-up would give people others' risks)."""
    import numpy as np

    from nhc.analytics import pipeline
    from nhc.analytics.rules import risk
    from nhc.lake.engine import DuckDBEngine
    from nhc.lake.store import Lake

    data, result = county
    engine = DuckDBEngine.open(Lake(data / "lake"))
    derived = pipeline.derive(pipeline.load_inputs(engine), result.as_of, cache=False)
    features = engine.to_arrow(risk.risk_features(derived.insights))
    expected = dict(
        zip(
            features.column("patient_id").to_pylist(),
            result.model.predict(risk.matrix(features)).tolist(),
            strict=True,
        )
    )
    ins = result.tables["patient_insights"]
    got = dict(zip(ins.column("patient_id").to_pylist(), ins.column("risk").to_pylist(), strict=True))
    assert got.keys() == expected.keys()
    assert len(set(np.round(list(got.values()), 6))) > 100  # people differ, so a mix-up would show
    assert all(abs(got[p] - expected[p]) < 1e-12 for p in got)


def test_summary_of_the_clusters_the_rules_read_gives_the_same_insights(county):
    """The run summarises only the codelists its rules read; summarising them all must change
    nothing (a rule reading a cluster left out of ``clusters_read`` would lose its codes)."""
    from nhc.analytics import pipeline
    from nhc.lake.engine import DuckDBEngine
    from nhc.lake.store import Lake
    from nhc.reference.codelists import load_codelists

    data, result = county
    engine = DuckDBEngine.open(Lake(data / "lake"))
    inputs = pipeline.load_inputs(engine)
    every = set(load_codelists().column("cluster").to_pylist())
    assert len(pipeline.clusters_read()) < len(every)

    def insights_and_evidence(clusters):
        d = pipeline.derive(inputs, result.as_of, cache=False, clusters=clusters)
        cols = [c for c in pipeline.INSIGHT_COLUMNS if c in d.insights.columns]
        ins = engine.to_arrow(d.insights.select(*cols)).sort_by("patient_id")
        ev = engine.to_arrow(d.evidence)
        return ins, ev.sort_by([(c, "ascending") for c in ev.column_names])

    ins_read, ev_read = insights_and_evidence(None)
    ins_all, ev_all = insights_and_evidence(every)
    assert ins_read.num_rows == result.summary["population"]
    assert ins_read.equals(ins_all)
    assert ev_read.num_rows > 0 and ev_read.equals(ev_all)
