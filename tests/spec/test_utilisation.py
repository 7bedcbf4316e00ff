"""Use of services: counts per type in the 12 months to as-of; who is active in them."""

from __future__ import annotations

import datetime as dt

from nhc.analytics import coded, frailty, utilisation

from .helpers import AS_OF, arrow, load, rows

YEAR = dt.timedelta(days=365)
DAY = dt.timedelta(days=1)


def _enc(pid: int, typ: str, date: dt.date) -> dict:
    return {"patient_id": pid, "type": typ, "start_date": date}


def test_utilisation_in_the_12_months(engine):
    encounters = [
        _enc(1, "ae", AS_OF),  # on as-of: counts
        _enc(1, "ae", AS_OF - YEAR + DAY),  # first day of the 12 months
        _enc(1, "emergency_admission", AS_OF - YEAR),  # exactly 365 days before: outside
        _enc(1, "outpatient", AS_OF + DAY),  # future: not counted
        _enc(2, "community", AS_OF - 2 * DAY),
        _enc(2, "gp", AS_OF - 3 * DAY),
        _enc(3, "ae", AS_OF - YEAR - DAY),  # nothing in the 12 months: no row
    ]
    enc = load(engine, "encounters", arrow("encounters", encounters))
    zero = {c: 0 for c in utilisation.ENCOUNTER_COUNTS}
    assert rows(engine, utilisation.utilisation(enc, AS_OF)) == [
        {"patient_id": 1, **zero, "ae_12m": 2, "encounters_12m": 2},
        {"patient_id": 2, **zero, "community_12m": 1, "gp_12m": 1, "encounters_12m": 2},
    ]
    # a year earlier the admission on the boundary counts (the risk model's features)
    assert rows(engine, utilisation.utilisation(enc, AS_OF - YEAR)) == [
        {"patient_id": 1, **zero, "emergency_admissions_12m": 1, "encounters_12m": 1},
        {"patient_id": 3, **zero, "ae_12m": 1, "encounters_12m": 1},
    ]


def test_this_year_and_the_year_before_in_one_pass(engine):
    # What the run reads for the as-of facts and, for its training sample, the history a year
    # earlier: each year equals the one-year rule at its own as-of date.
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


def test_active_patients(engine):
    events = [
        {"patient_id": 1, "date": AS_OF - DAY, "snomed_code": "ANY"},  # a code in no codelist counts
        {"patient_id": 4, "date": AS_OF - YEAR, "snomed_code": "ANY"},  # 365 days ago: not active
    ]
    meds = [{"patient_id": 2, "date": AS_OF, "dmd_code": "M1"}]
    encounters = [
        _enc(3, "gp", AS_OF - DAY),
        _enc(5, "gp", AS_OF - YEAR - DAY),  # prior year only: not active
        _enc(6, "gp", AS_OF + DAY),  # future: not active
    ]
    ev = load(engine, "clinical_events", arrow("clinical_events", events))
    medicines = frailty.polypharmacy(load(engine, "medications", arrow("medications", meds)), AS_OF)
    use = utilisation.utilisation(load(engine, "encounters", arrow("encounters", encounters)), AS_OF)
    got = rows(engine, utilisation.active_patients(ev, medicines, use, AS_OF))
    assert [r["patient_id"] for r in got] == [1, 2, 3]
