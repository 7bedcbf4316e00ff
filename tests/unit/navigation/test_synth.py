"""The synthetic Oxfordshire directory: big enough, everywhere, deterministic, honest about places."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from nhc.navigation.oruk import export_services
from nhc.navigation.synth import synthetic_directory
from nhc.reference.geography import neighbourhoods, practices


@pytest.fixture(scope="module")
def directory():
    return synthetic_directory()


def test_at_least_300_services(directory):
    assert len(directory.services) >= 300


def test_every_neighbourhood_has_its_primary_care_network_services(directory):
    names = set(neighbourhoods()["neighbourhood"].to_pylist())
    assert len(names) == 24
    for kind in (
        "gp_extended_hours",
        "fcp_physio",
        "mh_link_worker",
        "social_prescribing",
        "vcse_lunch_club",
    ):
        served = {a.name for s in directory.services.values() if s.kind == kind for a in s.service_areas}
        assert served == names, kind


def test_every_practice_has_core_and_extended_hours(directory):
    codes = set(practices()["practice_code"].to_pylist())
    gp = {s.practice_code for s in directory.services.values() if s.kind == "gp_practice"}
    assert gp == codes
    core = next(s for s in directory.services.values() if s.kind == "gp_practice").locations[0].schedules[0]
    assert (core.opens_at.isoformat("minutes"), core.closes_at.isoformat("minutes")) == ("08:00", "18:30")


def test_the_county_services(directory):
    counts = Counter(s.kind for s in directory.services.values())
    assert counts["community_hospital"] == 9
    assert counts["emergency_department"] == 2
    assert counts["nhs_111"] == 1
    assert counts["urgent_treatment_centre"] + counts["minor_injury_unit"] >= 3
    assert counts["talking_therapies"] == 1
    beds = sum(
        int(re.search(r"(\d+) inpatient beds", s.description).group(1))
        for s in directory.services.values()
        if s.kind == "community_hospital"
    )
    assert beds == 147


def test_vcse_services_of_every_kind(directory):
    kinds = {s.kind for s in directory.services.values()}
    for kind in ("older_people", "carers", "lunch_club", "walking_group", "debt_benefits", "food_bank", "housing",
                 "employment", "bereavement", "befriending", "faith"):  # fmt: skip
        assert f"vcse_{kind}" in kinds


def test_pharmacies_offer_pharmacy_first(directory):
    pharmacies = [s for s in directory.services.values() if s.kind == "community_pharmacy"]
    assert len(pharmacies) >= 48
    assert all(any(t.code == "pharmacy_first" for t in s.taxonomy_terms) for s in pharmacies)


def test_every_location_is_marked_approximate(directory):
    assert all(loc.approximate for loc in directory.locations().values())


def test_phone_numbers_are_fictional_or_national(directory):
    phones = {s.phone for s in directory.services.values()}
    assert all(p == "111" or p.startswith("01632 960") for p in phones)


def test_generation_is_deterministic(directory):
    assert export_services(synthetic_directory()) == export_services(directory)
