"""Everyone's risk and top factors as engine expressions: a fitted model applied where the data is.

:func:`with_scores` gives the same values as the numpy :func:`nhc.analytics.rules.risk.score` (the
reference the tests hold it to) without bringing anyone's features to Python:

* ``risk`` = sigmoid(intercept + sum of coefficient x feature), the linear predictor clipped to
  [-35, 35] as the numpy sigmoid does (the sum's order may differ from BLAS's: last-digit
  differences only);
* ``risk_factors`` = the ``top`` largest positive contributions ``coefficient x (value - mean)``
  above 0.005, ties to the feature listed first, as "label (+0.42); ...". They are picked as
  numpy picks them (a row-wise maximum, then the first feature holding it, then again without
  it: cheaper for an engine than sorting every person's contributions), and each value is printed from whole hundredths
  rounded half to even (as ``numpy.rint``) in integer arithmetic, as Python's ``:g`` prints them
  for contributions below 10,000 (log-odds never come near).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from nhc.analytics.rules.risk import FEATURE_NAMES, FEATURES, RiskModel, feature_values

if TYPE_CHECKING:
    import ibis.expr.types as ir

FACTOR_THRESHOLD = 0.005  # a contribution must exceed this to be a factor
NO_FACTOR = "no factor above average"
_CENTS_CAP = 10**9  # as the numpy formatter caps them


def risk_expression(model: RiskModel, x: dict[str, ir.FloatingValue]) -> ir.FloatingValue:
    """The model's probability for features ``x`` (one expression per feature name)."""
    z = None
    for name in FEATURE_NAMES:
        term = x[name] * ibis.literal(model.coefficients[name], type="float64")
        z = term if z is None else z + term
    z = ibis.literal(model.intercept, type="float64") + z
    return 1.0 / (1.0 + (-z.clip(-35.0, 35.0)).exp())


def _with_top(t: ir.Table, model: RiskModel, x: dict[str, ir.FloatingValue], top: int) -> ir.Table:
    """``t`` with ``_v{k}``, ``_j{k}`` for k < ``top``: the k-th largest contribution and its feature's
    position, as numpy's repeated row-wise argmax finds them (ties to the feature listed first; a
    picked cell is left out of the next pick). Each step is a projection of its own, so the engine
    computes each once: a ``greatest`` over the contributions, then the first position holding it."""
    k_all = len(FEATURE_NAMES)
    t = t.mutate(
        **{
            f"_c{j}": (x[name] - ibis.literal(model.means[name], type="float64"))
            * ibis.literal(model.coefficients[name], type="float64")
            for j, name in enumerate(FEATURE_NAMES)
        }
    )
    for k in range(min(top, k_all)):

        def picked(j: int, t: ir.Table = t, k: int = k) -> ir.BooleanValue | None:
            conds = [t[f"_j{i}"] == j for i in range(k)]
            return ibis.or_(*conds) if conds else None

        def free(j: int, t: ir.Table = t, k: int = k) -> ir.FloatingValue:
            c, p = t[f"_c{j}"], picked(j, t, k)
            return c if p is None else ibis.ifelse(p, ibis.null("float64"), c)

        t = t.mutate(**{f"_v{k}": ibis.greatest(*[free(j) for j in range(k_all)])})
        v = t[f"_v{k}"]
        first = [((free(j, t) == v).fill_null(False), j) for j in range(k_all)]
        t = t.mutate(**{f"_j{k}": ibis.cases(*first, else_=-1).cast("int32")})
    return t


def _rint(x: ir.FloatingValue) -> ir.IntegerValue:
    """``x`` rounded half to even, as ``numpy.rint`` (SQL ROUND rounds halves away from zero)."""
    f = x.floor().cast("int64")
    d = x - f
    return ibis.cases((d > 0.5, f + 1), (d < 0.5, f), else_=f + f % 2)


def _hundredths(cents: ir.IntegerValue) -> ir.StringValue:
    """A non-negative number of hundredths printed as ``:g`` prints ``cents / 100``: 42 -> "0.42",
    150 -> "1.5", 200 -> "2", 5 -> "0.05"."""
    whole, frac = cents // 100, cents % 100
    tail = ibis.cases(
        (frac == 0, ibis.literal("")),
        (frac % 10 == 0, "." + (frac // 10).cast("string")),
        (frac < 10, ".0" + frac.cast("string")),
        else_="." + frac.cast("string"),
    )
    return whole.cast("string") + tail


def _label(j: ir.IntegerValue) -> ir.StringValue:
    # one array literal, indexed (29 CASE branches per piece would triple the SQL Ibis compiles)
    return ibis.literal([label for _, label in FEATURES], type="array<string>")[j]


def _factor_text(t: ir.Table, top: int) -> ir.StringValue:
    """The text from ``_v{k}``, ``_j{k}`` and ``_n{k}`` (the value in whole hundredths)."""
    text = None
    for k in range(min(top, len(FEATURE_NAMES))):
        value = t[f"_v{k}"]
        piece = _label(t[f"_j{k}"]) + " (+" + _hundredths(t[f"_n{k}"]) + ")"
        if text is None:
            text = ibis.ifelse(value > FACTOR_THRESHOLD, piece, ibis.literal(NO_FACTOR))
        else:  # values come largest first: a piece is present only if every earlier one is
            text = text + ibis.ifelse(value > FACTOR_THRESHOLD, "; " + piece, ibis.literal(""))
    return text


def with_scores(model: RiskModel, facts: ir.Table, top: int = 3) -> ir.Table:
    """``facts`` (with :data:`~nhc.analytics.rules.risk.INPUT_COLUMNS`) plus ``risk`` and
    ``risk_factors``: the model applied by the engine, one row per row of ``facts``."""
    x = feature_values(facts)
    staged = _with_top(facts.mutate(risk=risk_expression(model, x)), model, x, top)
    # the values in whole hundredths, a projection of their own (the text reads each several times)
    k_top = min(top, len(FEATURE_NAMES))
    staged = staged.mutate(
        **{f"_n{k}": ibis.least(_rint(staged[f"_v{k}"] * 100.0), _CENTS_CAP) for k in range(k_top)}
    )
    scratch = [c for c in staged.columns if c not in facts.columns and c != "risk"]
    return staged.mutate(risk_factors=_factor_text(staged, top)).drop(*scratch)
