"""Open Referral UK JSON: the round trip, and bad records named by file, record and field."""

from __future__ import annotations

import copy
import json

import pytest

from nhc.errors import InputError
from nhc.navigation.oruk import export_services, parse_services, read_json, write_json
from nhc.navigation.synth import synthetic_directory


@pytest.fixture(scope="module")
def exported():
    return export_services(synthetic_directory())


def test_round_trip_through_a_file_gives_the_same_directory(exported, tmp_path):
    path = tmp_path / "directory.json"
    write_json(parse_services(exported), path)
    assert export_services(read_json(path)) == exported


def test_export_has_the_oruk_shape(exported):
    service = exported[0]
    for field in (
        "id",
        "name",
        "status",
        "url",
        "organization",
        "service_at_locations",
        "schedules",
        "attributes",
    ):
        assert field in service
    sal = next(s for s in exported if s["service_at_locations"])["service_at_locations"][0]
    assert {"latitude", "longitude", "addresses"} <= set(sal["location"])
    assert sal["location"]["x_nhc_approximate"] is True


def broken(exported, index, change):
    records = copy.deepcopy(exported[:5])
    change(records[index])
    return records


def import_error(records) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_services(records, "dir.json")
    return caught.value


def test_bad_latitude_names_file_record_and_field(exported):
    def change(r):
        r["service_at_locations"][0]["location"]["latitude"] = 123.0

    error = import_error(broken(exported, 3, change))
    assert error.file == "dir.json"
    assert error.field == "service.service_at_locations[0].location.latitude"
    assert "record 3" in str(error) and exported[3]["id"] in str(error)


def test_bad_opening_time(exported):
    def change(r):
        r["service_at_locations"][0]["schedules"][0]["opens_at"] = "25:99"

    assert (
        import_error(broken(exported, 0, change)).field
        == "service.service_at_locations[0].schedules[0].opens_at"
    )


def test_unknown_status_lists_the_allowed_ones(exported):
    error = import_error(broken(exported, 1, lambda r: r.update(status="open")))
    assert error.field == "service.status" and "temporarily closed" in str(error)


def test_missing_name(exported):
    error = import_error(broken(exported, 2, lambda r: r.pop("name")))
    assert error.field == "service.name"


def test_age_must_be_a_whole_number(exported):
    error = import_error(broken(exported, 2, lambda r: r.update(minimum_age="sixteen")))
    assert error.field == "service.minimum_age"


def test_duplicate_service_id(exported):
    records = copy.deepcopy(exported[:2])
    records[1]["id"] = records[0]["id"]
    assert import_error(records).field == "service.id"


def test_not_json_names_the_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_json(path)
    assert caught.value.file == str(path)


def test_contents_wrapper_and_plain_list_both_read(exported):
    assert export_services(parse_services({"contents": exported[:3]})) == exported[:3]
    assert json.loads(json.dumps(exported[:3])) == export_services(parse_services(exported[:3]))
