"""The directory and the decision log on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from nhc.errors import InputError
from nhc.navigation import repository
from nhc.navigation.domain import NotFound
from nhc.navigation.models import DecisionRow, ServiceRow
from nhc.navigation.oruk import export_services
from nhc.navigation.synth import synthetic_directory

REQUEST = {
    "age": 30,
    "sex": "female",
    "reason": "sore_throat",
    "when": "2026-03-02T10:15:00",
    "practice_code": "K84013",
}


def test_stored_directory_reads_back_the_same(navigation):
    assert export_services(navigation.directory()) == export_services(synthetic_directory())


def test_export_then_import_through_the_database(navigation, tmp_path):
    path = tmp_path / "out.json"
    count = navigation.export_json(path)
    assert count == len(synthetic_directory().services)
    navigation.import_json(path)
    assert export_services(navigation.directory()) == json.loads(path.read_text())["contents"]


def test_a_bad_file_imports_nothing(navigation, db, tmp_path):
    records = export_services(synthetic_directory())[:10]
    records[7]["service_at_locations"][0]["location"]["longitude"] = "west"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(records))
    with pytest.raises(InputError, match="record 7"):
        navigation.import_json(path)
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRow)) == len(
            synthetic_directory().services
        )


def test_a_failure_while_writing_rolls_the_whole_import_back(navigation, db):
    directory = synthetic_directory()
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        repository.replace_directory(session, directory)
        raise RuntimeError("power cut")
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ServiceRow)) == len(directory.services)


def test_red_capacity_is_stored_and_the_navigator_skips_the_service(navigation):
    first = navigation.navigate(REQUEST)["services"][0]
    navigation.set_capacity(
        first["id"], "red", expires_at=dt.datetime(2026, 3, 2, 18, 0), reason="no pharmacist"
    )
    assert first["id"] not in [s["id"] for s in navigation.navigate(REQUEST)["services"]]
    stored = navigation.directory().services[first["id"]].capacity
    assert (stored.status.value, stored.reason) == ("red", "no pharmacist")


def test_capacity_of_an_unknown_service_is_not_found(navigation):
    with pytest.raises(NotFound):
        navigation.set_capacity("nope", "amber")


def test_every_decision_is_logged_with_who_what_and_which_rule(navigation, db):
    answer = navigation.navigate(REQUEST, asked_by="receptionist", channel="api")
    logged = navigation.decisions(limit=1)[0]
    assert (logged["asked_by"], logged["channel"], logged["reason"]) == ("receptionist", "api", "sore_throat")
    assert (logged["disposition"], logged["rules"]) == ("community_pharmacy", ["T06"])
    assert logged["response"] == answer
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(DecisionRow)) == 1


def test_a_bad_request_is_not_logged(navigation):
    with pytest.raises(Exception, match="reason"):
        navigation.navigate({**REQUEST, "reason": "toothache"})
    assert navigation.decisions() == []
