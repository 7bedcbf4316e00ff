"""What each lever does to activity, applied to many runs at once.

Activity is an array ``(runs, strata, settings)``: the projected cells summed into strata that the
levers tell apart (in the prevention groups or not, in the frailty groups or not), so a thousand
runs cost a few small arrays. Levers apply in :data:`~nhc.planning.parameters.LEVER_ORDER`, each to
what the ones before left:

- ``prevention_lowering_incidence`` (p): all activity of the chosen need groups x (1 - p);
- ``frailty_admissions_avoided`` (f): emergency admissions and their bed days in the frailty
  groups x (1 - f);
- ``discharge_delays_reduced`` (d): emergency bed days x (1 - d);
- ``bed_days_to_virtual_ward`` (v): v of the bed days become virtual ward days, one for one;
- ``ae_to_utc`` (u): u of A&E attendances become urgent treatment centre attendances;
- ``gp_appointments_shifted`` (g): g of GP appointments go to pharmacists, physiotherapists and
  link workers in the lever's shares.

``workforce_productivity`` changes no activity (its step's totals are the step before's):
:mod:`nhc.planning.montecarlo` applies it to the WTE needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from nhc.planning.domain import Baseline
from nhc.planning.parameters import LEVER_ORDER, SETTINGS, Levers

S = {name: i for i, name in enumerate(SETTINGS)}


def strata(baseline: Baseline, levers: Levers, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Projected activity summed into strata ``(strata, settings)`` and, per stratum, whether it is
    in the prevention groups (column 0) and the frailty groups (column 1)."""
    prev = (
        set(levers.prevention_lowering_incidence.need_groups)
        if levers.prevention_lowering_incidence
        else set()
    )
    frail = set(levers.frailty_admissions_avoided.need_groups) if levers.frailty_admissions_avoided else set()
    keys = [(c.png in prev, c.png in frail) for c in baseline.cells]
    kinds = sorted(set(keys))
    out = np.zeros((len(kinds), len(SETTINGS)))
    projected = baseline.activity * factors[:, None]
    for i, key in enumerate(keys):
        out[kinds.index(key)] += projected[i]
    return out, np.array(kinds, dtype=bool).reshape(len(kinds), 2)


def _prevention(a: np.ndarray, x: np.ndarray, flags: np.ndarray, _: Levers) -> None:
    a[:, flags[:, 0], :] *= (1.0 - x)[:, None, None]


def _frailty(a: np.ndarray, x: np.ndarray, flags: np.ndarray, _: Levers) -> None:
    cols = [S["emergency_admission"], S["bed_days"]]
    sub = a[:, flags[:, 1], :]
    sub[:, :, cols] *= (1.0 - x)[:, None, None]
    a[:, flags[:, 1], :] = sub


def _discharge(a: np.ndarray, x: np.ndarray, flags: np.ndarray, _: Levers) -> None:
    a[:, :, S["bed_days"]] *= (1.0 - x)[:, None]


def _move(a: np.ndarray, x: np.ndarray, src: str, shares: Mapping[str, float]) -> None:
    moved = a[:, :, S[src]] * x[:, None]
    a[:, :, S[src]] -= moved
    for dst, share in shares.items():
        a[:, :, S[dst]] += moved * share


def _virtual_ward(a: np.ndarray, x: np.ndarray, flags: np.ndarray, _: Levers) -> None:
    _move(a, x, "bed_days", {"virtual_ward_days": 1.0})


def _utc(a: np.ndarray, x: np.ndarray, flags: np.ndarray, _: Levers) -> None:
    _move(a, x, "ae", {"utc": 1.0})


def _gp_shift(a: np.ndarray, x: np.ndarray, flags: np.ndarray, levers: Levers) -> None:
    lever = levers.gp_appointments_shifted
    _move(a, x, "gp", lever.to if lever else {})


def _activity_unchanged(a: np.ndarray, x: np.ndarray, flags: np.ndarray, _: Levers) -> None:
    """Staff productivity acts on the WTE needed, not on activity (see ``montecarlo``)."""


APPLY: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray, Levers], None]] = {
    "prevention_lowering_incidence": _prevention,
    "frailty_admissions_avoided": _frailty,
    "discharge_delays_reduced": _discharge,
    "bed_days_to_virtual_ward": _virtual_ward,
    "ae_to_utc": _utc,
    "gp_appointments_shifted": _gp_shift,
    "workforce_productivity": _activity_unchanged,
}


def apply_all(
    start: np.ndarray, flags: np.ndarray, levers: Levers, values: Mapping[str, np.ndarray], runs: int
) -> list[tuple[str, np.ndarray]]:
    """Apply each pulled lever in order to ``start`` (``(strata, settings)``, the same for each of
    ``runs`` runs) with its value per run; the totals ``(runs, settings)`` after demography and after each
    lever, named: ``[("demography", ...), (lever, ...), ...]``."""
    a = np.repeat(start[None, :, :], runs, axis=0)
    steps = [("demography", a.sum(axis=1))]
    for name in LEVER_ORDER:
        if getattr(levers, name) is None:
            continue
        APPLY[name](a, values[name], flags, levers)
        steps.append((name, a.sum(axis=1)))
    return steps
