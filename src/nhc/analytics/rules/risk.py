"""Risk of an emergency admission in the next 12 months: a transparent logistic regression.

Features (built in Ibis, :func:`risk_features`) describe a person at a date ``at``: age, sex,
deprivation (IMD quintile, reference = quintile 5, least deprived), long-term conditions, eFI,
care-home residence and prior use (A&E attendances and emergency admissions in the 12 months before
``at``, each capped at 5). The model is trained with features at ``as_of - 365 days`` and the outcome
"one or more emergency admissions in the following 12 months", then applied to features at
``as_of``. Conditions count at a date when first recorded on or before it.

Fitting is Newton-Raphson / IRLS with a small L2 penalty (not on the intercept) in numpy on
standardised features; coefficients are reported on the original scale. One patient in five is
held out, chosen deterministically by a hash of patient_id, for AUROC (rank-based, Mann-Whitney,
ties averaged) and calibration by decile of predicted risk.

Each person's top factors are the largest positive contributions ``coefficient x (value - mean)``:
how much each feature moves their log-odds away from an average person's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    import ibis.expr.types as ir

CONDITION_FEATURES: tuple[str, ...] = (
    "diabetes",
    "copd",
    "heart_failure",
    "chd",
    "atrial_fibrillation",
    "ckd",
    "cancer",
    "dementia",
    "smi",
    "stroke_tia",
    "asthma",
    "depression",
)
# (feature, readable label) — label is used in each person's list of factors.
FEATURES: tuple[tuple[str, str], ...] = (
    ("age_decades", "age"),
    ("age_75_plus", "aged 75+"),
    ("female", "female"),
    ("imd_q1", "most deprived quintile"),
    ("imd_q2", "IMD quintile 2"),
    ("imd_q3", "IMD quintile 3"),
    ("imd_q4", "IMD quintile 4"),
    *[(f"reg_{c}", c.replace("_", " ")) for c in CONDITION_FEATURES],
    ("ltc_count", "number of long-term conditions"),
    ("efi_score", "eFI score"),
    ("care_home", "care home resident"),
    ("ae_12m", "A&E attendances in 12 months"),
    ("emergency_admissions_12m", "emergency admissions in 12 months"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f for f, _ in FEATURES)
L2_PENALTY = 1.0
# The model has ~30 coefficients: a deterministic sample of this many people estimates them as well
# as everyone would (thousands of outcomes) at a fraction of the cost on a county.
TRAINING_SAMPLE = 200_000
TEST_FRACTION_MOD = 5  # one in five held out
USE_CAP = 5


# The facts columns :func:`risk_features` reads.
INPUT_COLUMNS: tuple[str, ...] = (
    "age",
    "sex",
    "imd_quintile",
    *[f"reg_{c}" for c in CONDITION_FEATURES],
    "ltc_count",
    "efi_score",
    "care_home",
    "ae_12m",
    "emergency_admissions_12m",
)


def risk_features(facts: ir.Table) -> ir.Table:
    """Model features from a facts table (see :mod:`nhc.analytics.rules.facts`): patient_id + FEATURE_NAMES."""
    return facts.select("patient_id", **feature_values(facts))


def feature_values(facts: ir.Table) -> dict[str, ir.FloatingValue]:
    """Each of :data:`FEATURE_NAMES` as an expression over the facts columns (:data:`INPUT_COLUMNS`)."""
    f = facts
    q = f.imd_quintile.fill_null(3)
    return {
        "age_decades": f.age.cast("float64") / 10.0,
        "age_75_plus": (f.age >= 75).cast("float64"),
        "female": (f.sex == "F").cast("float64"),
        **{f"imd_q{i}": (q == i).cast("float64") for i in range(1, 5)},
        **{f"reg_{c}": f[f"reg_{c}"].cast("float64") for c in CONDITION_FEATURES},
        "ltc_count": f.ltc_count.cast("float64"),
        "efi_score": f.efi_score.cast("float64"),
        "care_home": f.care_home.cast("float64"),
        "ae_12m": ibis.least(f.ae_12m, USE_CAP).cast("float64"),
        "emergency_admissions_12m": ibis.least(f.emergency_admissions_12m, USE_CAP).cast("float64"),
    }


def sample_fraction(population: int, sample: int = TRAINING_SAMPLE) -> float:
    """The fraction of ``population`` people to train on so that about ``sample`` are used."""
    return 1.0 if population <= sample else sample / population


def in_training_sample(patient_id: ir.IntegerValue, fraction: float) -> ir.BooleanValue:
    """Whether a person is in the training sample: about ``fraction`` of people, chosen by a
    multiplicative hash of patient_id in integer arithmetic, so every engine picks the same people
    (and independently of the held-out split, :func:`is_test`)."""
    if fraction >= 1.0:
        return ibis.literal(True)
    bucket = ((patient_id % 1_000_003) * 2_654_435_761) % 4_294_967_296
    return bucket < int(fraction * 4_294_967_296)


def with_outcome(features: ir.Table, admissions: ir.Table) -> ir.Table:
    """Add ``outcome``: 1 for the people in ``admissions`` (those with an emergency admission in the
    outcome year), 0 for everyone else."""
    a = admissions.select("patient_id", has=ibis.literal(1))
    j = features.left_join(a, "patient_id").drop("patient_id_right")
    return j.mutate(outcome=j.has.fill_null(0).cast("int8")).drop("has")


# --- numpy part -------------------------------------------------------------------------------


def is_test(patient_id: np.ndarray) -> np.ndarray:
    """Deterministic held-out split: splitmix64 hash of patient_id, one in :data:`TEST_FRACTION_MOD`."""
    with np.errstate(over="ignore"):
        z = patient_id.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(TEST_FRACTION_MOD)) == 0


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = L2_PENALTY, max_iter: int = 50, tol: float = 1e-8
) -> tuple[float, np.ndarray, int]:
    """Penalised logistic regression by Newton-Raphson (IRLS). Returns (intercept, coefs, iterations).

    ``x`` is standardised internally; the penalty ``l2 * ||beta||^2 / 2`` acts on standardised
    coefficients (not the intercept). Coefficients are returned on the original scale.
    """
    n, k = x.shape
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    z = np.hstack([np.ones((n, 1)), (x - mu) / sd])
    beta = np.zeros(k + 1)
    p0 = min(max(y.mean(), 1e-6), 1 - 1e-6)
    beta[0] = np.log(p0 / (1 - p0))
    pen = np.full(k + 1, l2)
    pen[0] = 0.0

    def objective(b: np.ndarray) -> float:
        eta = z @ b
        # penalised log-likelihood, written stably: y*eta - log(1 + e^eta)
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)) - 0.5 * np.sum(pen * b * b))

    current = objective(beta)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        p = _sigmoid(z @ beta)
        w = p * (1 - p)
        grad = z.T @ (y - p) - pen * beta
        hess = (z * w[:, None]).T @ z + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        # damped Newton: halve the step until the penalised likelihood improves
        t = 1.0
        while t > 1e-6:
            candidate = beta + t * step
            value = objective(candidate)
            if value >= current - 1e-12:
                break
            t /= 2
        beta, current = candidate, value
        if np.max(np.abs(t * step)) < tol:
            break
    coefs = beta[1:] / sd
    intercept = beta[0] - float(np.sum(coefs * mu))
    return float(intercept), coefs, it


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by ranks (Mann-Whitney U), ties given average ranks."""
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    s = np.asarray(score)[order]
    ranks = np.empty(len(s), dtype=float)
    # average ranks for ties
    _, first, counts = np.unique(s, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks_sorted = np.repeat(avg, counts)
    ranks[order] = ranks_sorted
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def calibration(y: np.ndarray, p: np.ndarray, groups: int = 10) -> list[dict]:
    """Observed vs mean predicted risk by decile of predicted risk."""
    if len(p) == 0:
        return []
    order = np.argsort(p, kind="mergesort")
    out = []
    for i, idx in enumerate(np.array_split(order, groups), start=1):
        if len(idx) == 0:
            continue
        out.append(
            {"decile": i, "n": len(idx), "predicted": float(p[idx].mean()), "observed": float(y[idx].mean())}
        )
    return out


@dataclass
class RiskModel:
    intercept: float
    coefficients: dict[str, float]
    means: dict[str, float]
    n_train: int
    n_test: int
    outcome_rate: float
    auroc: float
    calibration: list[dict] = field(default_factory=list)
    iterations: int = 0

    def predict(self, x: np.ndarray) -> np.ndarray:
        b = np.array([self.coefficients[f] for f in FEATURE_NAMES])
        return _sigmoid(self.intercept + x @ b)

    def as_dict(self) -> dict:
        return {
            "intercept": self.intercept,
            "coefficients": self.coefficients,
            "means": self.means,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "outcome_rate": self.outcome_rate,
            "auroc": self.auroc,
            "calibration": self.calibration,
            "iterations": self.iterations,
        }

    def table(self) -> pa.Table:
        labels = dict(FEATURES)
        names = ["(intercept)", *FEATURE_NAMES]
        return pa.table(
            {
                "term": names,
                "label": ["baseline log-odds", *[labels[f] for f in FEATURE_NAMES]],
                "coefficient": [self.intercept, *[self.coefficients[f] for f in FEATURE_NAMES]],
                "mean": [1.0, *[self.means[f] for f in FEATURE_NAMES]],
            }
        )


def matrix(features: pa.Table) -> np.ndarray:
    """The feature columns of ``features`` as an (n, k) float64 array, in :data:`FEATURE_NAMES` order."""
    x = np.empty((features.num_rows, len(FEATURE_NAMES)), order="F")  # column-wise fill is cache-friendly
    for j, name in enumerate(FEATURE_NAMES):
        x[:, j] = features.column(name).to_numpy()
    return x


def train(training: pa.Table, l2: float = L2_PENALTY) -> RiskModel:
    """Fit on the training rows of ``training`` (features + outcome), evaluate on the held-out rows."""
    pid = training.column("patient_id").to_numpy(zero_copy_only=False)
    x = matrix(training)
    y = training.column("outcome").to_numpy(zero_copy_only=False).astype(float)
    test = is_test(pid)
    if (~test).sum() < 10 or y[~test].sum() == 0:
        intercept, coefs, it = float(np.log(max(y.mean(), 1e-6))), np.zeros(len(FEATURE_NAMES)), 0
    else:
        intercept, coefs, it = fit_logistic(x[~test], y[~test], l2=l2)
    model = RiskModel(
        intercept=intercept,
        coefficients={f: float(c) for f, c in zip(FEATURE_NAMES, coefs, strict=True)},
        means={
            f: float(m)
            for f, m in zip(
                FEATURE_NAMES, x.mean(axis=0) if len(x) else np.zeros(len(FEATURE_NAMES)), strict=True
            )
        },
        n_train=int((~test).sum()),
        n_test=int(test.sum()),
        outcome_rate=float(y.mean()) if len(y) else float("nan"),
        auroc=float("nan"),
        iterations=it,
    )
    if test.any():
        p = model.predict(x[test])
        model.auroc = auroc(y[test], p)
        model.calibration = calibration(y[test], p)
    return model


def contributions(model: RiskModel, x: np.ndarray) -> np.ndarray:
    """Per-person, per-feature contribution to the log-odds: coefficient x (value - mean)."""
    b = np.array([model.coefficients[f] for f in FEATURE_NAMES])
    m = np.array([model.means[f] for f in FEATURE_NAMES])
    out = np.empty(x.shape)  # row-major whatever x's layout: rows are scanned for top factors
    np.subtract(x, m, out=out)
    out *= b
    return out


def score(model: RiskModel, features: pa.Table, top: int = 3) -> pa.Table:
    """Risk for everyone in ``features``: patient_id, risk, risk_factors (top positive contributions).

    Vectorised (no per-person Python loop): the top factors come from row-wise argmax, and the
    text is formatted once per distinct (factors, values) combination, then taken per person.
    """
    x = matrix(features)
    risk = model.predict(x) if len(x) else np.zeros(0)
    return pa.table(
        {
            "patient_id": features.column("patient_id"),
            "risk": pa.array(risk, type=pa.float64()),
            # the contributions are made here for this call only, so they may be overwritten
            "risk_factors": factor_text(contributions(model, x), top, overwrite=True),
        }
    )


def factor_text(contrib: np.ndarray, top: int = 3, *, overwrite: bool = False) -> pa.Array:
    """Per row, the ``top`` largest positive contributions as "label (+0.42); ..." text.

    Contributions of 0.005 or less are not factors; a row with none reads "no factor above average".
    ``overwrite``: ``contrib`` may be changed (saves copying a county's matrix).
    """
    import pyarrow.compute as pc

    n, k = contrib.shape
    if n == 0:
        return pa.array([], type=pa.string())
    # picked cells are overwritten below
    c = contrib if overwrite and contrib.flags.c_contiguous else np.array(contrib, order="C")
    rows = np.arange(n)
    keys = []
    for _ in range(min(top, k)):
        # repeated row-wise argmax (ties: first feature) is far cheaper than sorting every row
        idx = c.argmax(axis=1)
        val = c[rows, idx]
        c[rows, idx] = -np.inf
        cents = np.minimum(np.rint(val * 100), 10**9).astype(np.int64)
        keys.append(np.where(val > 0.005, idx * 10**10 + cents, -1))
    # each piece is formatted once per distinct (feature, value), then taken per row and joined;
    # missing pieces are always the last ones, so the joined text's tail is trimmed
    labels = [label for _, label in FEATURES]
    pieces = []
    for key in keys:
        encoded = pc.dictionary_encode(pa.array(key))  # hash-based: cheaper than sorting for unique
        texts = [
            f"{labels[code // 10**10]} (+{(code % 10**10) / 100:g})" if code >= 0 else ""
            for code in encoded.dictionary.to_pylist()
        ]
        pieces.append(pa.array(texts, type=pa.string()).take(encoded.indices))
    joined = pc.utf8_rtrim(pc.binary_join_element_wise(*pieces, "; "), characters="; ")
    return pc.if_else(pc.equal(joined, ""), "no factor above average", joined)


def training_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """(feature date, outcome end): features at as_of - 365 days, outcome in the following 365 days."""
    return as_of - dt.timedelta(days=365), as_of
