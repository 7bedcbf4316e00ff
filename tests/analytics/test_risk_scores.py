"""Everyone's risk, top factors and centile computed by the engine equal the numpy reference.

The run scores people where their data is (:mod:`nhc.analytics.rules.risk_scores`); the numpy
scorer (:func:`nhc.analytics.rules.risk.score`, :func:`nhc.analytics.rules.worklists.risk_centiles`)
is the reference, on every engine.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from nhc.analytics.pipeline.scoring import scored
from nhc.analytics.rules import risk, risk_scores
from nhc.analytics.rules.worklists import risk_centiles, with_risk_centile

N = 400


def _facts(rng: np.random.Generator) -> pa.Table:
    """People with the facts the features read; some alike (equal risks share a centile)."""
    cols: dict[str, object] = {
        "patient_id": np.arange(1, N + 1, dtype=np.int64),
        "neighbourhood": pa.array(rng.choice(["N1", "N2", "N3"], N)),
        "age": rng.integers(0, 100, N).astype(np.int32),
        "sex": pa.array(rng.choice(["F", "M"], N)),
        "imd_quintile": pa.array(
            [None if i % 37 == 0 else int(q) for i, q in enumerate(rng.integers(1, 6, N))]
        ),
        **{f"reg_{c}": rng.random(N) < 0.15 for c in risk.CONDITION_FEATURES},
        "ltc_count": rng.integers(0, 6, N).astype(np.int32),
        "efi_score": np.round(rng.random(N) * 0.4, 3),
        "care_home": rng.random(N) < 0.05,
        "ae_12m": rng.integers(0, 8, N).astype(np.int64),
        "emergency_admissions_12m": rng.poisson(0.4, N).astype(np.int64),
    }
    return pa.table(cols)


def _model(features: pa.Table, rng: np.random.Generator) -> risk.RiskModel:
    x = risk.matrix(features)
    logit = -2.5 + 0.25 * x[:, 0] + 0.8 * x[:, -1] + 0.6 * x[:, 8] + 1.5 * x[:, 22]
    outcome = (rng.random(len(x)) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return risk.train(features.append_column("outcome", pa.array(outcome)))


def _two_effects(features: pa.Table) -> risk.RiskModel:
    """A model with two effects only: nobody has more than two factors, many have none."""
    coefs = dict.fromkeys(risk.FEATURE_NAMES, 0.0) | {"age_decades": 0.3, "emergency_admissions_12m": 0.8}
    means = {f: float(np.mean(features.column(f))) for f in risk.FEATURE_NAMES}
    return risk.RiskModel(-3.0, coefs, means, n_train=0, n_test=0, outcome_rate=0.1, auroc=0.5)


@pytest.mark.parametrize("which", ["fitted", "two effects"])
def test_engine_scores_equal_the_numpy_scores(engine, which):
    rng = np.random.default_rng(5)
    facts = engine.from_arrow(_facts(rng), "risk_scores_facts")
    features = engine.to_arrow(risk.risk_features(facts)).sort_by("patient_id")
    model = _model(features, rng) if which == "fitted" else _two_effects(features)
    expected = risk.score(model, features)

    got = engine.to_arrow(risk_scores.with_scores(model, facts)).sort_by("patient_id")

    assert got.column("patient_id").equals(expected.column("patient_id"))
    diff = np.abs(np.asarray(got.column("risk")) - np.asarray(expected.column("risk")))
    assert diff.max() < 1e-12
    texts = got.column("risk_factors").to_pylist()
    assert texts == expected.column("risk_factors").to_pylist()
    pieces = {t.count("; ") + 1 for t in texts if t != risk_scores.NO_FACTOR}
    assert pieces == ({3} if which == "fitted" else {1, 2})
    assert (risk_scores.NO_FACTOR in texts) == (which == "two effects")


def test_a_model_with_no_effects_gives_even_odds_and_no_factor(engine):
    facts = engine.from_arrow(_facts(np.random.default_rng(7)), "risk_scores_flat")
    zeros = dict.fromkeys(risk.FEATURE_NAMES, 0.0)
    model = risk.RiskModel(0.0, zeros, zeros, n_train=0, n_test=0, outcome_rate=0.5, auroc=0.5)
    got = engine.to_arrow(risk_scores.with_scores(model, facts))
    assert set(got.column("risk").to_pylist()) == {0.5}
    assert set(got.column("risk_factors").to_pylist()) == {"no factor above average"}


def test_engine_centiles_equal_the_numpy_centiles(engine):
    rng = np.random.default_rng(6)
    facts = engine.from_arrow(_facts(rng), "risk_centile_facts")
    features = engine.to_arrow(risk.risk_features(facts)).sort_by("patient_id")
    model = _model(features, rng)

    got = engine.to_arrow(with_risk_centile(scored(model, facts))).sort_by("patient_id")

    reference = risk.score(model, features)
    want = np.asarray(risk_centiles(got.column("neighbourhood"), reference.column("risk")))
    assert len(set(want.tolist())) > 50
    assert np.allclose(np.asarray(got.column("risk_centile_in_neighbourhood")), want, atol=1e-12)


def test_hundredths_print_as_python_prints_them(engine):
    cents = [1, 5, 10, 42, 100, 150, 200, 1234, 99999]
    table = engine.from_arrow(pa.table({"c": pa.array(cents, pa.int64())}), "risk_scores_cents")
    got = engine.to_arrow(table.select("c", text=risk_scores._hundredths(table.c))).sort_by("c")
    assert got.column("text").to_pylist() == [f"{c / 100:g}" for c in cents]


def test_halves_round_to_even_as_numpy_does(engine):
    values = [0.5, 1.5, 2.5, 2.4999, 2.5001, 41.5, 42.5]
    table = engine.from_arrow(pa.table({"v": pa.array(values, pa.float64())}), "risk_scores_halves")
    got = engine.to_arrow(table.select("v", r=risk_scores._rint(table.v))).sort_by("v")
    assert got.column("r").to_pylist() == [int(np.rint(v)) for v in sorted(values)]
