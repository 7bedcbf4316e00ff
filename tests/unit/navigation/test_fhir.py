"""FHIR R4 HealthcareService and Location views of the directory validate against the R4 models."""

from __future__ import annotations

import pytest

from nhc.fhir.validate import validate_resource
from nhc.navigation.fhir import healthcare_service, location
from nhc.navigation.synth import synthetic_directory


@pytest.fixture(scope="module")
def directory():
    return synthetic_directory()


def test_every_service_is_a_valid_healthcare_service(directory):
    errors = {
        s.id: err
        for s in directory.services.values()
        if (err := validate_resource(healthcare_service(s, directory.organizations[s.organization_id])))
    }
    assert errors == {}


def test_every_location_is_a_valid_location(directory):
    errors = {
        loc.id: err for loc in directory.locations().values() if (err := validate_resource(location(loc)))
    }
    assert errors == {}


def test_opening_hours_and_age_limits_are_carried(directory):
    physio = next(s for s in directory.services.values() if s.kind == "fcp_physio")
    resource = healthcare_service(physio, directory.organizations[physio.organization_id])
    assert resource["availableTime"][0] == {
        "daysOfWeek": ["mon", "tue", "wed", "thu", "fri"],
        "availableStartTime": "08:30:00",
        "availableEndTime": "17:00:00",
    }
    assert {"comment": "Ages 16 and over"} in resource["eligibility"]


def test_a_24_hour_service_is_all_day(directory):
    ed = next(s for s in directory.services.values() if s.kind == "emergency_department")
    assert (
        healthcare_service(ed, directory.organizations[ed.organization_id])["availableTime"][0]["allDay"]
        is True
    )


def test_location_says_it_is_approximate(directory):
    loc = next(iter(directory.locations().values()))
    assert location(loc)["description"].startswith("Approximate")
