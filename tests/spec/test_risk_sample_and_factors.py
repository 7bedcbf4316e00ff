"""Risk model: the training sample (same people on every engine) and each person's factor text."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from nhc.analytics import risk

from .helpers import load


def test_training_sample_is_the_same_people_on_every_engine(engine):
    ids = np.concatenate([np.arange(1, 5001), [9_990_000_001, 4_000_000_000_123]]).astype(np.int64)
    t = load(engine, "ids", pa.table({"patient_id": ids}))
    picked = engine.to_arrow(t.filter(risk.in_training_sample(t.patient_id, 0.25)))
    got = sorted(picked.column("patient_id").to_pylist())
    # the rule, worked in Python integers: hash bucket below a quarter of 2**32
    expected = sorted(int(i) for i in ids if ((int(i) % 1_000_003) * 2_654_435_761) % 2**32 < 2**30)
    assert got == expected
    assert 0.22 < len(got) / len(ids) < 0.28
    # ids used in the held-out split are independent of the sample: about one in five of each
    assert 0.17 < risk.is_test(np.array(got)).mean() < 0.23
    everyone = engine.to_arrow(t.filter(risk.in_training_sample(t.patient_id, 1.0)))
    assert everyone.num_rows == len(ids)


def test_sample_fraction():
    assert risk.sample_fraction(150_000) == 1.0
    assert risk.sample_fraction(800_000, 200_000) == 0.25


def _labels(*names: str) -> list[int]:
    return [risk.FEATURE_NAMES.index(n) for n in names]


def test_factor_text_orders_rounds_and_drops_small_contributions():
    k = len(risk.FEATURE_NAMES)
    c = np.zeros((4, k))
    age, ae, ea, female = _labels("age_decades", "ae_12m", "emergency_admissions_12m", "female")
    c[0, [age, ae, ea, female]] = [0.2, 1.234, 0.5, 0.1]  # four positive: top three, largest first
    c[1, [age, ae]] = [0.004, -2.0]  # nothing above 0.005
    c[2, [ae, ea]] = [0.3, 0.3]  # a tie: the earlier feature first
    c[3, [female]] = [0.456]
    text = risk.factor_text(c).to_pylist()
    assert text == [
        "A&E attendances in 12 months (+1.23); emergency admissions in 12 months (+0.5); age (+0.2)",
        "no factor above average",
        "A&E attendances in 12 months (+0.3); emergency admissions in 12 months (+0.3)",
        "female (+0.46)",
    ]
    assert c[0, ae] == 1.234  # the caller's array is left alone


def test_factor_text_of_nobody_is_empty():
    assert risk.factor_text(np.zeros((0, len(risk.FEATURE_NAMES)))).to_pylist() == []
