"""Use of services: encounters counted per type in the 12 months to as-of, and who is active in them."""

from __future__ import annotations

import datetime as dt

from nhc.analytics.rules import coded, frailty, utilisation

from .helpers import AS_OF, arrow, load, rows

YEAR = dt.timedelta(days=365)
DAY = dt.timedelta(days=1)


def _enc(pid: int, typ: str, date: dt.date) -> dict:
    return {"patient_id": pid, "type": typ, "start_date": date}


ZERO = {c: 0 for c in utilisation.ENCOUNTER_COUNTS}
ENCOUNTERS = [
    _enc(1, "ae", AS_OF),  # on as-of: counts
    _enc(1, "ae", AS_OF - YEAR + DAY),  # first day of the 12 months
    _enc(1, "emergency_admission", AS_OF - YEAR),  # exactly 365 days before: outside
    _enc(1, "outpatient", AS_OF + DAY),  # future: not counted
    _enc(2, "community", AS_OF - 2 * DAY),
    _enc(2, "gp", AS_OF - 3 * DAY),
    _enc(3, "ae", AS_OF - YEAR - DAY),  # nothing in the 12 months: no row
]


def test_counts_in_the_12_months_to_as_of(spec):
    """Encounters are counted by type in the 12 months to as-of (as-of - 365 days < date <= as-of):
    one on as-of counts, one exactly 365 days before or after as-of does not; a person with none has
    no row."""
    spec(
        given={"encounters": ENCOUNTERS},
        call=lambda t: utilisation.utilisation(t.encounters, AS_OF),
        expect=[
            {"patient_id": 1, **ZERO, "ae_12m": 2, "encounters_12m": 2},
            {"patient_id": 2, **ZERO, "community_12m": 1, "gp_12m": 1, "encounters_12m": 2},
        ],
    )


def test_counts_a_year_earlier(spec):
    """At an as-of a year earlier (the risk model's features) the admission on that as-of counts."""
    spec(
        given={"encounters": ENCOUNTERS},
        call=lambda t: utilisation.utilisation(t.encounters, AS_OF - dt.timedelta(days=365)),
        expect=[
            {"patient_id": 1, **ZERO, "emergency_admissions_12m": 1, "encounters_12m": 1},
            {"patient_id": 3, **ZERO, "ae_12m": 1, "encounters_12m": 1},
        ],
    )


def test_this_year_and_the_year_before_in_one_pass(engine):
    """One pass over encounters (and medicines) gives this year and, for the people asked for, the
    year before, each equal to the one-year rule at its own as-of (what the run reads for the facts
    and for the risk model's history)."""
    encounters = [
        _enc(1, "ae", AS_OF),
        _enc(1, "emergency_admission", AS_OF - YEAR),  # the earlier year's last day
        _enc(1, "gp", AS_OF - 2 * YEAR),  # two years before: in neither
        _enc(2, "gp", AS_OF - YEAR - DAY),  # earlier year, but not selected
        _enc(3, "ae", AS_OF - YEAR - DAY),
        _enc(3, "outpatient", AS_OF + DAY),  # future: in neither
    ]
    meds = [
        {"patient_id": 1, "date": AS_OF - YEAR, "dmd_code": "M1"},
        {"patient_id": 1, "date": AS_OF - YEAR - DAY, "dmd_code": "M2"},
        {"patient_id": 1, "date": AS_OF, "dmd_code": "M1"},
        {"patient_id": 2, "date": AS_OF - YEAR - DAY, "dmd_code": "M1"},
    ]
    enc = load(engine, "encounters", arrow("encounters", encounters))
    med = load(engine, "medications", arrow("medications", meds))

    def selected(t):
        return t.patient_id != 2

    for rule, source in ((utilisation.utilisation, enc), (frailty.polypharmacy, med)):
        both = rule(source, AS_OF, earlier=selected)
        assert rows(engine, coded.year_before(both, 0)) == rows(engine, rule(source, AS_OF))
        earlier = rows(engine, rule(source.filter(selected(source)), AS_OF - YEAR))
        assert earlier, "the example should have history in the earlier year"
        assert rows(engine, coded.year_before(both, 1)) == earlier


def test_active_patients(spec):
    """Active: any coded event (a code in no codelist too), prescription issue or encounter in the 12
    months to as-of; not one 365 days before, in the year before, or after as-of."""
    spec(
        given={
            "clinical_events": [
                {"patient_id": 1, "date": AS_OF - DAY, "snomed_code": "ANY"},
                {"patient_id": 4, "date": AS_OF - YEAR, "snomed_code": "ANY"},  # 365 days ago
            ],
            "medications": [{"patient_id": 2, "date": AS_OF, "dmd_code": "M1"}],
            "encounters": [
                _enc(3, "gp", AS_OF - DAY),
                _enc(5, "gp", AS_OF - YEAR - DAY),  # the year before only
                _enc(6, "gp", AS_OF + DAY),  # after as-of
            ],
        },
        call=lambda t: utilisation.active_patients(
            t.clinical_events,
            frailty.polypharmacy(t.medications, AS_OF),
            utilisation.utilisation(t.encounters, AS_OF),
            AS_OF,
        ),
        expect=[{"patient_id": 1}, {"patient_id": 2}, {"patient_id": 3}],
    )
