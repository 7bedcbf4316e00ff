"""Group ids for Bulk Data ``Group/{id}/$export``: one id, one meaning (spec tests over tiny input)."""

from __future__ import annotations

import pytest

from nhc.fhir.server import FhirError
from nhc.web.fhir_groups import ExportGroup, resolve_group, worklist_group_id

MINE = ["Central Oxford", "Banbury West"]
LISTS = ["frailty_no_care_plan", "high_admission_risk"]


@pytest.mark.parametrize(
    ("gid", "expected"),
    [
        ("caseload", ExportGroup(caseload=True)),
        ("central-oxford", ExportGroup(neighbourhood="Central Oxford")),
        ("banbury-west.high-admission-risk", ExportGroup(False, "Banbury West", "high_admission_risk")),
        ("banbury-west.high_admission_risk", ExportGroup(False, "Banbury West", "high_admission_risk")),
    ],
)
def test_each_form_names_one_group(gid, expected):
    assert resolve_group(gid, MINE, LISTS) == expected


def test_a_worklist_group_id_is_a_valid_fhir_id():
    assert worklist_group_id("Central Oxford", "high_admission_risk") == "central-oxford.high-admission-risk"


@pytest.mark.parametrize(
    "gid", ["banbury", "banbury.high-admission-risk", "elsewhere", ".high-admission-risk"]
)
def test_a_neighbourhood_not_the_accounts_is_refused_naming_the_accounts_groups(gid):
    with pytest.raises(FhirError) as refused:
        resolve_group(gid, MINE, LISTS)
    assert refused.value.status == 403
    assert "caseload" in refused.value.message and "banbury-west, central-oxford" in refused.value.message
    assert "central-oxford" in refused.value.message and "high-admission-risk" in refused.value.message


@pytest.mark.parametrize(
    "gid", ["central-oxford.nope", "central-oxford.", "central-oxford.high-admission-risk.x"]
)
def test_an_unknown_worklist_is_not_found_naming_the_neighbourhoods_worklists(gid):
    with pytest.raises(FhirError) as missing:
        resolve_group(gid, MINE, LISTS)
    assert missing.value.status == 404
    assert "central-oxford.frailty-no-care-plan, central-oxford.high-admission-risk" in missing.value.message


def test_a_person_belongs_to_a_neighbourhood_group_by_where_they_are_registered():
    group = ExportGroup(False, "Central Oxford", "high_admission_risk")
    assert group.covers("Central Oxford") and not group.covers("Banbury West") and not group.covers(None)
    assert ExportGroup(caseload=True).covers(None)


def test_before_the_analytics_have_run_a_worklist_is_not_found_not_a_server_error():
    with pytest.raises(FhirError) as missing:
        resolve_group("central-oxford.high-admission-risk", MINE, [])
    assert missing.value.status == 404 and "run the analytics" in missing.value.message
