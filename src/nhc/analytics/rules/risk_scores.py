"""Everyone's risk and top factors as engine expressions: a fitted model applied where the data is.

:func:`with_scores` gives the same values as the numpy :func:`nhc.analytics.rules.risk.score` (the
reference the tests hold it to) without bringing anyone's features to Python:

* ``risk`` = sigmoid(intercept + sum of coefficient x feature), the linear predictor clipped to
  [-35, 35] as the numpy sigmoid does (the sum's order may differ from BLAS's: last-digit
  differences only);
* ``risk_factors`` = the ``top`` largest positive contributions ``coefficient x (value - mean)``
  above 0.005, ties to the feature listed first, as "label (+0.42); ...". The contributions are
  sorted in an array per person (a struct of minus the contribution and the feature's position
  sorts largest first, ties by position), and each value is printed from whole hundredths
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


def _ranked_contributions(model: RiskModel, x: dict[str, ir.FloatingValue]) -> ir.ArrayValue:
    """Per person, (minus the contribution, feature position) for every feature, sorted: the largest
    contribution first, ties to the feature listed first (as numpy's row-wise argmax picks)."""
    items = []
    for j, name in enumerate(FEATURE_NAMES):
        mean = ibis.literal(model.means[name], type="float64")
        coef = ibis.literal(model.coefficients[name], type="float64")
        items.append(ibis.struct({"neg": -((x[name] - mean) * coef), "j": ibis.literal(j, type="int16")}))
    return ibis.array(items).sort()


def _rint(x: ir.FloatingValue) -> ir.IntegerValue:
    """``x`` rounded half to even, as ``numpy.rint`` (SQL ROUND rounds halves away from zero)."""
    f = x.floor().cast("int64")
    d = x - f
    return ibis.cases((d > 0.5, f + 1), (d < 0.5, f), else_=f + f % 2)


def _hundredths(cents: ir.IntegerValue) -> ir.StringValue:
    """A non-negative number of hundredths printed as ``:g`` prints ``cents / 100``: 42 -> "0.42",
    150 -> "1.5", 200 -> "2"."""
    whole, frac = cents // 100, cents % 100
    tail = ibis.cases(
        (frac == 0, ibis.literal("")),
        (frac % 10 == 0, "." + (frac // 10).cast("string")),
        else_="." + frac.cast("string").lpad(2, "0"),
    )
    return whole.cast("string") + tail


def _factor_text(ranked: ir.ArrayValue, top: int) -> ir.StringValue:
    labels = ibis.literal([label for _, label in FEATURES], type="array<string>")
    text = None
    for k in range(min(top, len(FEATURE_NAMES))):
        value = -ranked[k]["neg"]
        cents = ibis.least(_rint(value * 100.0), _CENTS_CAP)
        piece = labels[ranked[k]["j"].cast("int32")] + " (+" + _hundredths(cents) + ")"
        if text is None:
            text = ibis.ifelse(value > FACTOR_THRESHOLD, piece, ibis.literal(NO_FACTOR))
        else:  # values come largest first: a piece is present only if every earlier one is
            text = text + ibis.ifelse(value > FACTOR_THRESHOLD, "; " + piece, ibis.literal(""))
    return text


def with_scores(model: RiskModel, facts: ir.Table, top: int = 3) -> ir.Table:
    """``facts`` (with :data:`~nhc.analytics.rules.risk.INPUT_COLUMNS`) plus ``risk`` and
    ``risk_factors``: the model applied by the engine, one row per row of ``facts``."""
    x = feature_values(facts)
    staged = facts.mutate(risk=risk_expression(model, x), _ranked=_ranked_contributions(model, x))
    # the sorted contributions are a column of their own, so each person's are sorted once
    return staged.mutate(risk_factors=_factor_text(staged._ranked, top)).drop("_ranked")
