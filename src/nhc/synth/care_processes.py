"""Annual reviews of people with diabetes, COPD and asthma, with practice-level variation.

People with diabetes are invited to a yearly review, about a month after each anniversary of
their diagnosis. Whether they come depends on their practice (some practices get about 55% of
their people reviewed, some nearly all), on deprivation (fewer in deprived areas) and on the
person (8% hardly ever come). At a review the National Diabetes Audit's eight care processes are
usually all done (bloods a week before): HbA1c, blood pressure, cholesterol, serum creatinine,
urine albumin:creatinine ratio, foot surveillance, BMI and smoking status; HbA1c is often checked
again six months later. People who miss their review may still have some measured in passing.
So every practice has people overdue for review, and their latest HbA1c can be old and high.

One practice improves from a date (:data:`nhc.synth.history.DIABETES_IMPROVES`). COPD and asthma
have a yearly review coded with the NHC clusters ``copd-review`` and ``asthma-review``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from nhc.synth import observations as obs
from nhc.synth.conditions import CONDITION_INDEX
from nhc.synth.history import DIABETES_IMPROVES, HISTORY_DAYS, first_day, step_day
from nhc.synth.population import Population
from nhc.synth.records import CodePicker, EventCollector

#: Conditions with a yearly review, whose diagnosis dates the reviews start from.
REVIEWED = ("diabetes", "copd", "asthma")
Emit = Callable[[np.random.Generator, np.ndarray, np.ndarray, obs.Levels, CodePicker, EventCollector], None]


def _emit_code(cluster: str) -> Emit:
    def emit(
        rng: np.random.Generator,
        rows: np.ndarray,
        days: np.ndarray,
        _levels: obs.Levels,
        picker: CodePicker,
        out: EventCollector,
    ) -> None:
        out.add(rows, days, picker.pick(rng, cluster, len(rows)))

    return emit


@dataclass(frozen=True)
class Process:
    """One care process: how to record it, the chance it is done at a review and otherwise (in the
    year, in passing), and how many days before the review it is done (blood tests)."""

    name: str
    emit: Emit
    at_review: float
    otherwise: float
    days_before: int = 0


# At a review nearly everything is done; urine ACR is the process most often missed (the NDA
# reports it lowest, ~60-70%); foot checks need a trained person in the room. Without a review,
# blood tests and blood pressure are often taken for other reasons, the rest seldom.
DIABETES_PROCESSES: tuple[Process, ...] = (
    Process("hba1c", obs.emit_hba1c, 0.99, 0.45, 7),
    Process("blood pressure", obs.emit_blood_pressure, 0.99, 0.5),
    Process("cholesterol", obs.emit_cholesterol, 0.96, 0.2, 7),
    Process("serum creatinine", obs.emit_creatinine, 0.98, 0.4, 7),
    Process("urine albumin", obs.emit_acr, 0.82, 0.04, 7),
    Process("foot surveillance", _emit_code("foot-surveillance"), 0.93, 0.04),
    Process("bmi", obs.emit_bmi, 0.95, 0.15),
    Process("smoking status", obs.emit_smoking, 0.96, 0.15),
)
# People who hardly ever come to reviews (50 percentage points less likely than their neighbours,
# and seldom measured in passing), with poorer control.
DISENGAGED_SHARE = 0.08
DISENGAGED_HBA1C = 6.0  # mmol/mol


@dataclass(frozen=True)
class ReviewRates:
    """Per practice: the share of people with diabetes, and with COPD or asthma, reviewed in a year;
    per person: how much more or less likely than that they are to come."""

    diabetes: np.ndarray
    respiratory: np.ndarray
    improving: int  # index of the practice that improves (-1 if it is not in this county)
    improves_from: int  # day number
    person: np.ndarray  # added to the practice's rate
    disengaged: np.ndarray  # bool per person


def review_rates(rng: np.random.Generator, practice_codes: pa.Array, pop: Population) -> ReviewRates:
    """Practices spread evenly (in a random order) over 55-100% for diabetes and 50-90% for COPD and
    asthma reviews, so the best and worst are always far apart; the improving practice starts at
    its ``before`` rate. People in deprived areas come less often."""
    n = len(practice_codes)
    spread = max(n - 1, 1)
    diabetes = 0.55 + 0.45 * rng.permutation(n) / spread
    respiratory = 0.50 + 0.40 * rng.permutation(n) / spread
    disengaged = rng.random(pop.n) < DISENGAGED_SHARE
    deprivation = (5.5 - pop.imd_decile) / 2.87
    person = rng.normal(0, 0.06, pop.n) - 0.07 * deprivation - 0.5 * disengaged
    codes = practice_codes.to_pylist()
    improving = (
        codes.index(DIABETES_IMPROVES.practice_code) if DIABETES_IMPROVES.practice_code in codes else -1
    )
    if improving >= 0:
        diabetes[improving] = DIABETES_IMPROVES.before
    improves_from = step_day(pop.as_of_day, DIABETES_IMPROVES.months_before_as_of)
    return ReviewRates(diabetes, respiratory, improving, improves_from, person, disengaged)


def _yearly_reviews(
    rng: np.random.Generator, pop: Population, people: np.ndarray, since: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(person, day) of each yearly review due over the history: about a month after each
    anniversary of ``since`` (their diagnosis; give or take three weeks), up to their last day."""
    start = first_day(pop.as_of_day)
    phase = (since[people] + 30 - start) % 365
    k = HISTORY_DAYS // 365 + 1
    rows = np.repeat(people, k)
    slot = np.tile(np.arange(k), len(people))
    days = start + np.repeat(phase, k) + 365 * slot + rng.integers(-21, 22, len(rows))
    keep = (days >= start) & (days <= pop.last_day[rows]) & (days >= since[rows])
    return rows[keep], days[keep]


def _attends(
    rng: np.random.Generator,
    pop: Population,
    rows: np.ndarray,
    days: np.ndarray,
    rates: ReviewRates,
    *,
    diabetes: bool,
) -> np.ndarray:
    """Whether each due review happens: the practice's rate (for diabetes, after the improving
    practice's step from its date) plus the person's own offset."""
    practice = pop.practice[rows]
    p = (rates.diabetes if diabetes else rates.respiratory)[practice]
    if diabetes and rates.improving >= 0:
        later = (practice == rates.improving) & (days >= rates.improves_from)
        p = np.where(later, DIABETES_IMPROVES.after, p)
    p = np.clip(p + rates.person[rows], 0.02, 0.995)
    return rng.random(len(rows)) < p


def emit_diabetes_reviews(
    rng: np.random.Generator,
    pop: Population,
    diabetes: np.ndarray,
    diagnosed: np.ndarray,
    rates: ReviewRates,
    levels: obs.Levels,
    picker: CodePicker,
    out: EventCollector,
) -> np.ndarray:
    """The eight care processes for people with diabetes over the history. Returns who attended a
    review in the 12 months to as-of (their medication review happens there)."""
    rows, days = _yearly_reviews(rng, pop, np.flatnonzero(diabetes), diagnosed)
    start = first_day(pop.as_of_day)
    came = _attends(rng, pop, rows, days, rates, diabetes=True)
    levels = replace(levels, hba1c=levels.hba1c + DISENGAGED_HBA1C * rates.disengaged)
    in_passing = np.where(rates.disengaged[rows], 0.3, 1.0)
    for process in DIABETES_PROCESSES:
        done = np.where(
            came,
            rng.random(len(rows)) < process.at_review,
            rng.random(len(rows)) < process.otherwise * in_passing,
        )
        # In passing: some day in the year around the missed review.
        when = np.where(came, days - process.days_before, days + rng.integers(-180, 180, len(rows)))
        keep = done & (when >= np.maximum(diagnosed[rows], start)) & (when <= pop.last_day[rows])
        process.emit(rng, rows[keep], when[keep], levels, picker, out)
    # A second HbA1c about six months after a review, more often when control is poor.
    high = levels.hba1c[rows] > 58
    again = came & (rng.random(len(rows)) < np.where(high, 0.75, 0.4))
    when = days + 182 + rng.integers(-21, 22, len(rows))
    keep = again & (when <= pop.last_day[rows])
    obs.emit_hba1c(rng, rows[keep], when[keep], levels, picker, out)
    recent = np.zeros(pop.n, dtype=bool)
    recent[rows[came & (days > pop.as_of_day - 365)]] = True
    return recent


def emit_respiratory_reviews(
    rng: np.random.Generator,
    pop: Population,
    has_condition: np.ndarray,
    diagnosed: np.ndarray,
    cluster: str,
    rates: ReviewRates,
    picker: CodePicker,
    out: EventCollector,
) -> None:
    """A yearly COPD or asthma review (``cluster``) at the practice's rate, from diagnosis on."""
    rows, days = _yearly_reviews(rng, pop, np.flatnonzero(has_condition), diagnosed)
    came = _attends(rng, pop, rows, days, rates, diabetes=False)
    out.add(rows[came], days[came], picker.pick(rng, cluster, int(came.sum())))


def readings_and_reviews(
    streams: tuple[np.random.Generator, np.random.Generator],
    pop: Population,
    has: np.ndarray,
    diagnosed: dict[str, np.ndarray],
    on_statin: np.ndarray,
    practice_codes: pa.Array,
    picker: CodePicker,
    events: EventCollector,
) -> np.ndarray:
    """Readings for everyone, then the annual reviews of diabetes, COPD and asthma. Returns who
    with diabetes had *no* review in the 12 months to as-of. ``streams``: one for the readings,
    one for the reviews."""
    rng, review_rng = streams
    effects = obs.practice_effects(rng, len(practice_codes))
    levels = obs.person_levels(rng, pop, has, effects, on_statin)
    obs.emit_observations(rng, pop, has, levels, picker, events)
    rates = review_rates(review_rng, practice_codes, pop)
    diabetes = has[:, CONDITION_INDEX["diabetes"]]
    reviewed = emit_diabetes_reviews(
        review_rng, pop, diabetes, diagnosed["diabetes"], rates, levels, picker, events
    )
    for name in ("copd", "asthma"):
        emit_respiratory_reviews(
            review_rng,
            pop,
            has[:, CONDITION_INDEX[name]],
            diagnosed[name],
            f"{name}-review",
            rates,
            picker,
            events,
        )
    return diabetes & ~reviewed
