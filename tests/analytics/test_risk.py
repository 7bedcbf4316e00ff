"""Risk model maths in numpy: AUROC by ranks, IRLS fit, deterministic split, calibration."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from nhc.analytics.rules import risk


def test_auroc_known_values():
    assert risk.auroc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert risk.auroc(np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.3, 0.4])) == 0.0
    assert risk.auroc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    # one tie across classes counts a half: pairs (pos 0.4 vs neg 0.1, 0.4) -> 1 + 0.5 of 2
    assert risk.auroc(np.array([0, 0, 1]), np.array([0.1, 0.4, 0.4])) == 0.75
    assert np.isnan(risk.auroc(np.array([1, 1]), np.array([0.1, 0.2])))


def test_auroc_matches_pairwise_definition():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = rng.integers(0, 20, 300).astype(float)
    pos, neg = s[y == 1], s[y == 0]
    pairwise = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (
        len(pos) * len(neg)
    )
    assert abs(risk.auroc(y, s) - pairwise) < 1e-12


def test_fit_recovers_coefficients():
    rng = np.random.default_rng(1)
    n = 20_000
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    logit = -2.0 + 0.8 * x[:, 0] + 1.2 * x[:, 1]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    b0, b, iterations = risk.fit_logistic(x, y, l2=0.01)
    assert abs(b0 + 2.0) < 0.1 and abs(b[0] - 0.8) < 0.08 and abs(b[1] - 1.2) < 0.1
    assert iterations < 30


def test_fit_survives_separation():
    x = np.array([[0.0], [0.0], [1.0], [1.0]] * 10)
    y = np.array([0.0, 0.0, 1.0, 1.0] * 10)
    b0, b, _ = risk.fit_logistic(x, y, l2=1.0)
    assert np.isfinite(b0) and np.all(np.isfinite(b)) and b[0] > 0


def test_split_is_deterministic_and_about_one_in_five():
    pid = np.arange(1, 100_001, dtype=np.int64)
    t1, t2 = risk.is_test(pid), risk.is_test(pid)
    assert (t1 == t2).all()
    assert 0.19 < t1.mean() < 0.21


def test_calibration_deciles():
    p = np.linspace(0, 1, 100)
    y = (p > 0.5).astype(float)
    cal = risk.calibration(y, p)
    assert len(cal) == 10 and sum(c["n"] for c in cal) == 100
    assert cal[0]["observed"] == 0.0 and cal[-1]["observed"] == 1.0


def test_train_and_score_with_factors():
    rng = np.random.default_rng(2)
    n = 5000
    cols = {f: np.zeros(n) for f in risk.FEATURE_NAMES}
    cols["age_decades"] = rng.uniform(0, 9, n)
    cols["emergency_admissions_12m"] = rng.integers(0, 4, n).astype(float)
    logit = -3 + 0.2 * cols["age_decades"] + 0.9 * cols["emergency_admissions_12m"]
    outcome = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    table = pa.table({"patient_id": np.arange(n, dtype=np.int64), **cols, "outcome": outcome})
    model = risk.train(table)
    assert model.auroc > 0.7
    assert model.coefficients["emergency_admissions_12m"] > 0.5
    scored = risk.score(model, table)
    assert scored.num_rows == n
    r = scored.to_pylist()
    top = max(range(n), key=lambda i: r[i]["risk"])
    assert "emergency admissions in 12 months" in r[top]["risk_factors"]
    low = min(range(n), key=lambda i: r[i]["risk"])
    assert r[low]["risk_factors"] == "no factor above average"
    assert model.table().num_rows == len(risk.FEATURE_NAMES) + 1
    # the run puts everyone's scores in the insights' row order, whatever order the features came in
    from nhc.analytics.pipeline import score_in_order as _score_in_order

    insights = pa.table({"patient_id": table.column("patient_id"), "neighbourhood": ["N1", "N2"] * (n // 2)})
    for features in (table, table.take(rng.permutation(n))):
        in_order, centiles = _score_in_order(model, features, insights)
        assert in_order.column("patient_id").equals(insights.column("patient_id"))
        assert in_order.column("risk").to_pylist() == scored.column("risk").to_pylist()
        assert len(centiles) == n
