"""The indicators, as data: what each counts, over whom, in which unit, which way is better, and where
the definition comes from.

Three kinds (:class:`Kind`):

* **rate** — events in the month per 1,000 people registered and alive at the month's end (not
  annualised: multiply by 12 for a yearly rate);
* **proportion** — of the people of a population (:data:`POPULATIONS`) at the month's end who meet
  the denominator condition, the percentage who also meet the numerator condition;
* **deaths** — of the deaths of registered people in the month, the percentage at home.

Conditions (:mod:`nhc.outcomes.conditions`) read *event groups* (:data:`EVENT_GROUPS`): codelist
clusters matched to ``clinical_events`` (or ``medications`` for medicines). A group is available when
at least one of its clusters is in the codelists; an indicator is available when its population's
clusters and every group it reads are. An unavailable indicator is reported with the clusters it
lacks, never computed from nothing (:func:`missing_clusters`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from nhc.analytics.rules.facts import WINDOW_FLAGS
from nhc.analytics.rules.frailty import CONDITION_DEFICITS, PATIENT_DEFICITS
from nhc.outcomes.conditions import EVERYONE, AgeBetween, AllOf, AnyOf, Condition, LatestAtMost, Recorded
from nhc.outcomes.spc import Improvement


class Kind(StrEnum):
    RATE = "rate"
    PROPORTION = "proportion"
    DEATHS = "deaths"


PER_1000 = "per 1,000"
PERCENT = "%"

NDA = (
    "NHS England, National Diabetes Audit: eight care processes and three treatment targets, "
    "audit period 15 months (1 January to 31 March of the next year), latest reading in the period"
)
QOF = "NHS England, Quality and Outcomes Framework business rules v49 (2024/25)"
NDA_WINDOW = 15
YEAR = 12


@dataclass(frozen=True)
class EventGroup:
    """Codelist clusters read as one kind of event; ``medicine``: matched to ``medications``."""

    name: str
    clusters: tuple[str, ...]
    medicine: bool = False


@dataclass(frozen=True)
class Population:
    """Who a proportion is about: people on a register (first code on or before the month's end) of
    at least ``min_age``; ``frailty``: instead, people with at least :data:`FRAIL_DEFICITS` eFI
    deficits (moderate or severe frailty)."""

    name: str
    label: str
    clusters: tuple[str, ...] = ()
    min_age: int = 0
    frailty: bool = False
    source: str = QOF


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    kind: Kind
    unit: str
    improvement: Improvement
    source: str
    numerator: str  # in plain English
    denominator: str
    population: str | None = None  # proportions: a key of POPULATIONS
    events: str | None = None  # rates: a key of RATE_EVENTS
    numerator_rule: Condition = EVERYONE
    denominator_rule: Condition = EVERYONE
    target: float | None = None
    note: str = ""

    @property
    def scale(self) -> float:
        return 1000.0 if self.unit == PER_1000 else 100.0

    def groups(self) -> frozenset[str]:
        return self.numerator_rule.groups() | self.denominator_rule.groups()

    def valued(self) -> frozenset[str]:
        """The event groups whose values the indicator reads."""
        return self.numerator_rule.valued() | self.denominator_rule.valued()


_CARE_PLAN_FLAG = next(f for f in WINDOW_FLAGS if f.name == "care_plan_12m")

#: Event groups by name (a group's name is also its column suffix: ``last_hba1c``, ``value_hba1c``).
EVENT_GROUPS: dict[str, EventGroup] = {
    g.name: g
    for g in (
        EventGroup("hba1c", ("hba1c",)),
        EventGroup("bp", ("blood-pressure", "systolic-blood-pressure", "diastolic-blood-pressure")),
        EventGroup("systolic", ("systolic-blood-pressure",)),
        EventGroup("diastolic", ("diastolic-blood-pressure",)),
        EventGroup("cholesterol", ("cholesterol",)),
        EventGroup("creatinine", ("creatinine",)),
        EventGroup("acr", ("urinary-albumin-creatinine-ratio",)),
        EventGroup("foot", ("foot-surveillance",)),
        EventGroup("bmi", ("bmi",)),
        EventGroup("smoking", ("smoking-status-current", "smoking-status-ex", "smoking-status-never")),
        EventGroup("statin", ("statins",), medicine=True),
        EventGroup("cvd", ("chd_cod", "strk_cod", "pad_cod")),
        EventGroup("copd_review", ("copd-review",)),
        EventGroup("asthma_review", ("asthma-review",)),
        EventGroup("care_plan", _CARE_PLAN_FLAG.clusters),
    )
}

#: Moderate or severe frailty: 9 or more of the 36 eFI deficits (Clegg et al. 2016; see
#: :mod:`nhc.analytics.rules.frailty`). The monthly series counts the 35 code-based deficits ever
#: recorded; polypharmacy (a 12-month medicines count) is left out, so it slightly undercounts.
FRAIL_DEFICITS = 9
EFI_CLUSTERS = (*CONDITION_DEFICITS, *PATIENT_DEFICITS)

POPULATIONS: dict[str, Population] = {
    p.name: p
    for p in (
        Population("diabetes", "People with diabetes aged 17+", ("dm_cod",), 17),
        Population("hypertension", "People with hypertension", ("hyp_cod",)),
        Population("copd", "People with COPD", ("copd_cod",)),
        Population("asthma", "People with asthma aged 6+", ("ast_cod",), 6),
        Population(
            "frailty",
            "People aged 65+ with moderate or severe frailty (eFI)",
            EFI_CLUSTERS,
            65,
            frailty=True,
            source="Clegg et al., Age and Ageing 2016 (electronic Frailty Index)",
        ),
    )
}

#: The chronic ambulatory care sensitive conditions of the NHS Outcomes Framework indicator 2.3.i
#: (NHS Digital, "Unplanned hospitalisation for chronic ambulatory care sensitive conditions":
#: a primary diagnosis of angina, asthma, congestive heart failure, COPD, dementia, diabetes,
#: epilepsy or hypertension, among others). The lake's admissions carry no diagnosis, so the
#: approximation counts emergency admissions of people on one of these registers.
ACS_CLUSTERS = ("ast_cod", "copd_cod", "chd_cod", "hf_cod", "dm_cod", "epil_cod", "dem_cod", "hyp_cod")

#: Rate numerators: the encounter type counted, and for ACS the registers the person must be on.
RATE_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "emergency_admission": ("emergency_admission", ()),
    "ae": ("ae", ()),
    "acs_admission": ("emergency_admission", ACS_CLUSTERS),
}

#: What the issue asks for that the lake cannot give, and why (reported, never faked).
LEFT_OUT: dict[str, str] = {
    "virtual-ward-length-of-stay": (
        "virtual ward stays are kept in the care database and do not reach the lake yet "
        "(issue 17, item 6: care records as coded facts)"
    ),
}


def _care_process(group: str, name: str, title: str) -> Indicator:
    return Indicator(
        id=f"diabetes-{name}",
        title=f"People with diabetes with {title} recorded in 15 months",
        kind=Kind.PROPORTION,
        unit=PERCENT,
        improvement=Improvement.INCREASE,
        source=NDA,
        numerator=f"{title[0].upper()}{title[1:]} recorded in the 15 months to the month's end",
        denominator="People on the diabetes register aged 17+ at the month's end",
        population="diabetes",
        numerator_rule=Recorded(group, NDA_WINDOW),
    )


CARE_PROCESSES: tuple[tuple[str, str, str], ...] = (
    ("hba1c", "hba1c", "an HbA1c"),
    ("bp", "blood-pressure", "a blood pressure"),
    ("cholesterol", "cholesterol", "a cholesterol"),
    ("creatinine", "creatinine", "a serum creatinine"),
    ("acr", "urine-albumin", "a urine albumin (ACR)"),
    ("foot", "foot-surveillance", "foot surveillance"),
    ("bmi", "bmi", "a BMI"),
    ("smoking", "smoking-status", "a smoking status"),
)

_BP_DIABETES = AllOf((LatestAtMost("systolic", 140, NDA_WINDOW), LatestAtMost("diastolic", 80, NDA_WINDOW)))
_BP_QOF = AnyOf(
    (
        AllOf((AgeBetween(0, 79), LatestAtMost("systolic", 140, YEAR), LatestAtMost("diastolic", 90, YEAR))),
        AllOf((AgeBetween(80), LatestAtMost("systolic", 150, YEAR), LatestAtMost("diastolic", 90, YEAR))),
    )
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "emergency-admissions",
        "Emergency admissions per 1,000 registered people",
        Kind.RATE,
        PER_1000,
        Improvement.DECREASE,
        "Hospital Episode Statistics admission method 'emergency' (lake encounters of that type)",
        "Emergency admissions starting in the month",
        "People registered and alive at the month's end",
        events="emergency_admission",
    ),
    Indicator(
        "ae-attendances",
        "A&E attendances per 1,000 registered people",
        Kind.RATE,
        PER_1000,
        Improvement.DECREASE,
        "Emergency Care Data Set attendances (lake encounters of type 'ae')",
        "A&E attendances in the month",
        "People registered and alive at the month's end",
        events="ae",
    ),
    Indicator(
        "acs-admissions",
        "Emergency admissions of people with a chronic ambulatory care sensitive condition per 1,000",
        Kind.RATE,
        PER_1000,
        Improvement.DECREASE,
        "Approximates NHS Outcomes Framework 2.3.i (chronic ACS conditions: angina, asthma, heart "
        "failure, COPD, dementia, diabetes, epilepsy, hypertension)",
        "Emergency admissions in the month of people on one of those registers at the month's end",
        "People registered and alive at the month's end",
        events="acs_admission",
        note="The lake's admissions carry no diagnosis: every emergency admission of a person on an "
        "ACS register counts, so this is an upper bound of the diagnosis-based indicator.",
    ),
    Indicator(
        "frailty-care-plan",
        "People with moderate or severe frailty who have a care plan",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        "eFI (Clegg 2016) categories; care plan or multidisciplinary team codes (GM SDE, OpenSAFELY)",
        "A care plan or multidisciplinary team code in the 12 months to the month's end",
        "People aged 65+ with 9 or more eFI deficits at the month's end",
        population="frailty",
        numerator_rule=Recorded("care_plan", YEAR),
        note="Care plans written in NHC's care records do not reach the lake yet; polypharmacy is "
        "not counted among the deficits in the monthly series.",
    ),
    *(_care_process(group, name, title) for group, name, title in CARE_PROCESSES),
    Indicator(
        "diabetes-all-eight",
        "People with diabetes with all eight care processes in 15 months",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        NDA,
        "All eight care processes recorded in the 15 months to the month's end",
        "People on the diabetes register aged 17+ at the month's end",
        population="diabetes",
        numerator_rule=AllOf(tuple(Recorded(g, NDA_WINDOW) for g, _, _ in CARE_PROCESSES)),
    ),
    Indicator(
        "diabetes-hba1c-target",
        "People with diabetes whose latest HbA1c is 58 mmol/mol or less",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        NDA,
        "Latest HbA1c in the 15 months is 58 mmol/mol or less",
        "People on the diabetes register aged 17+ with an HbA1c in the 15 months",
        population="diabetes",
        denominator_rule=Recorded("hba1c", NDA_WINDOW),
        numerator_rule=LatestAtMost("hba1c", 58, NDA_WINDOW),
    ),
    Indicator(
        "diabetes-bp-target",
        "People with diabetes whose latest blood pressure is 140/80 mmHg or less",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        NDA,
        "Latest systolic 140 or less and latest diastolic 80 or less, in the 15 months",
        "People on the diabetes register aged 17+ with a systolic and a diastolic in the 15 months",
        population="diabetes",
        denominator_rule=AllOf((Recorded("systolic", NDA_WINDOW), Recorded("diastolic", NDA_WINDOW))),
        numerator_rule=_BP_DIABETES,
    ),
    Indicator(
        "diabetes-statins",
        "People with diabetes prescribed a statin",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        NDA,
        "A statin issued in the 15 months to the month's end",
        "People on the diabetes register aged 40+, or of any age with cardiovascular disease "
        "(coronary heart disease, stroke/TIA or peripheral arterial disease ever coded)",
        population="diabetes",
        denominator_rule=AnyOf((AgeBetween(40), Recorded("cvd"))),
        numerator_rule=Recorded("statin", NDA_WINDOW),
    ),
    Indicator(
        "copd-review",
        "People with COPD who had a review in 12 months",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        f"{QOF}, COPD010 (review in the preceding 12 months)",
        "A COPD review in the 12 months to the month's end",
        "People on the COPD register at the month's end",
        population="copd",
        numerator_rule=Recorded("copd_review", YEAR),
    ),
    Indicator(
        "asthma-review",
        "People with asthma who had a review in 12 months",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        f"{QOF}, AST007 (review in the preceding 12 months)",
        "An asthma review in the 12 months to the month's end",
        "People on the asthma register aged 6+ at the month's end",
        population="asthma",
        numerator_rule=Recorded("asthma_review", YEAR),
    ),
    Indicator(
        "hypertension-controlled",
        "People with hypertension whose blood pressure is controlled to target",
        Kind.PROPORTION,
        PERCENT,
        Improvement.INCREASE,
        f"{QOF}, HYP008 (aged 79 or under: 140/90 or less) and HYP009 (80 or over: 150/90 or less)",
        "Latest systolic and diastolic in the 12 months at or below the target for their age",
        "People on the hypertension register at the month's end (no exception reporting)",
        population="hypertension",
        numerator_rule=_BP_QOF,
    ),
    Indicator(
        "deaths-at-home",
        "Deaths at home",
        Kind.DEATHS,
        PERCENT,
        Improvement.INCREASE,
        "Place of death on the death registration (ONS); OHID's 'deaths in usual place of residence' "
        "also counts care homes",
        "Deaths in the month whose place of death is home",
        "Deaths in the month of people registered on the day they died",
        note="More deaths at home is better only where that is the person's choice (seed 003).",
    ),
)

BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}


def clusters_needed(indicator: Indicator) -> list[tuple[str, ...]]:
    """The cluster sets the indicator needs, each satisfied by any one of its clusters."""
    needs: list[tuple[str, ...]] = []
    if indicator.population is not None:
        needs.append(POPULATIONS[indicator.population].clusters)
    if indicator.events is not None and RATE_EVENTS[indicator.events][1]:
        needs.append(RATE_EVENTS[indicator.events][1])
    needs += [EVENT_GROUPS[g].clusters for g in sorted(indicator.groups())]
    return needs


def missing_clusters(indicator: Indicator, available: Collection[str]) -> list[str]:
    """The clusters an indicator cannot be computed without (empty: it can be)."""
    have = set(available)
    return [c for needs in clusters_needed(indicator) if not have & set(needs) for c in needs]
