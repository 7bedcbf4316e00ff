"""Every accepted resource is stored whole in ``fhir_resources`` and exported as it came: a lossless round trip.

The comparison is JSON equality after this normalisation of the input (the only changes NHC makes):
Bundles are opened into their entries' resources; a reference to a ``urn:uuid:`` fullUrl of the same
Bundle reads ``<Type>/<id>`` of the resource it names; a resource without an id gets the uuid of its
``urn:uuid`` fullUrl. Key order and whitespace are not compared (JSON objects are unordered), except
for NDJSON lines, which are stored and exported byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from nhc.fhir.export import export_fhir
from nhc.fhir.ingest import ingest_fhir
from nhc.fhir.quarantine import read_quarantine

from .test_third_party import HERE, UK, US, a_condition, a_patient, bundle, rows, write_json

OTHER = HERE / "us_batch_other_types.json"


def normalised_input(path: Path) -> dict[tuple[str, str], dict]:
    """The resources of a hand-written Bundle, normalised as the module doc says, by (type, id)."""
    entries = json.loads(path.read_text())["entry"]
    named = {}  # urn:uuid fullUrl -> Type/id (in these inputs the uuid is the id)
    for e in entries:
        if e.get("fullUrl", "").startswith("urn:uuid:"):
            named[e["fullUrl"]] = f"{e['resource']['resourceType']}/{e['fullUrl'][9:]}"

    def fix(obj):
        if isinstance(obj, dict):
            return {k: named.get(v, v) if k == "reference" else fix(v) for k, v in obj.items()}
        return [fix(v) for v in obj] if isinstance(obj, list) else obj

    out = {}
    for e in entries:
        res = fix(e["resource"])
        res.setdefault("id", e["fullUrl"][9:])
        out[(res["resourceType"], res["id"])] = res
    return out


def exported(folder: Path) -> dict[tuple[str, str], dict]:
    out = {}
    for path in folder.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            res = json.loads(line)
            assert (res["resourceType"], res["id"]) not in out, "exported twice"
            out[(res["resourceType"], res["id"])] = res
    return out


def test_us_and_uk_inputs_round_trip_without_loss(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    for f in (US, UK, OTHER):
        (src / f.name).write_bytes(f.read_bytes())
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantined == 0, read_quarantine(tmp_path / "q.ndjson")
    export_fhir(lake, tmp_path / "out", validate=True)
    expected = normalised_input(US) | normalised_input(UK) | normalised_input(OTHER)
    assert exported(tmp_path / "out") == expected
    assert len(expected) == 17  # 6 US + 4 UK + 7 of other types
    # Written out by hand: what the normalisation did to one urn:uuid reference and one missing id.
    got = exported(tmp_path / "out")
    us_condition = got[("Condition", "c0ffee00-2222-4b5e-8a7b-000000000002")]
    assert us_condition["subject"] == {"reference": "Patient/b7f2c3a1-0000-4c1d-9a1e-5f9d5a1b2c3d"}
    assert us_condition["encounter"] == {"reference": "Encounter/e1a1d0c2-1111-4b5e-8a7b-000000000001"}
    claim = got[("Claim", "aa000000-0000-4000-8000-000000000006")]
    assert claim["provider"] == {"reference": "Practitioner/aa000000-0000-4000-8000-000000000002"}
    assert ("Practitioner", "aa000000-0000-4000-8000-000000000002") in got
    # Absolute references are kept as sent.
    assert got[("Condition", "cond-9")]["subject"] == {
        "reference": "https://gp.example.nhs.uk/fhir/Patient/uk-pat-1"
    }


def test_an_ndjson_line_is_stored_and_exported_byte_for_byte(tmp_path: Path):
    line = (
        b'{"resourceType": "Patient",  "id": "p-1", "gender": "male", "birthDate": "1960-02-02", "x_": 1.50}'
    )
    src = tmp_path / "Patient.ndjson"
    src.write_bytes(line + b"\r\n")
    lake = tmp_path / "data" / "lake"
    ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert rows(lake, "fhir_resources", "resource") == [(line.decode(),)]
    export_fhir(lake, tmp_path / "out")
    assert (tmp_path / "out" / "Patient.ndjson").read_bytes() == line + b"\n"


def test_a_stored_resource_knows_its_patient_source_and_version(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    pat = a_patient("v-1", meta={"versionId": "3", "lastUpdated": "2024-05-06T07:08:09Z"})
    src = write_json(
        tmp_path / "b.json", bundle("collection", ("urn:uuid:v", pat), (None, a_condition("urn:uuid:v")))
    )
    ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    [(pid,)] = rows(lake, "patients", "patient_id")
    stored = rows(
        lake, "fhir_resources", "resource_type, version_id, last_updated, patient_id, source, line, entry"
    )
    assert stored == [
        ("Condition", None, None, pid, str(src), 1, 1),
        ("Patient", "3", "2024-05-06T07:08:09Z", pid, str(src), 1, 0),
    ]


def test_ids_for_resources_sent_without_one(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    cond = a_condition("urn:uuid:p")  # no id, no fullUrl: named by a hash of its content
    src = write_json(
        tmp_path / "b.json",
        bundle(
            "transaction",
            ("urn:uuid:p", a_patient("p")),
            ("urn:uuid:1234", a_condition("urn:uuid:p")),
            (None, cond),
        ),
    )
    ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    ids = [i for (i,) in rows(lake, "fhir_resources", "id") if i != "p"]
    assert ids[0] == "1234"
    assert ids[1].startswith("h-") and len(ids[1]) == 22
    texts = [json.loads(t) for (t,) in rows(lake, "fhir_resources", "resource")]
    assert {t["id"] for t in texts} == {"p", "1234", ids[1]}


def test_a_resource_sent_again_replaces_the_stored_one(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    first = tmp_path / "a.ndjson"
    first.write_text(json.dumps(a_patient("r-1", birthDate="1960-02-02")) + "\n")
    ingest_fhir(first, lake, quarantine_path=tmp_path / "q.ndjson")
    second = tmp_path / "b.ndjson"
    second.write_text(json.dumps(a_patient("r-1", birthDate="1961-03-03")) + "\n")
    ingest_fhir(second, lake, quarantine_path=tmp_path / "q2.ndjson")
    [(text, source)] = rows(lake, "fhir_resources", "resource, source")
    assert json.loads(text)["birthDate"] == "1961-03-03" and source == str(second)


def test_other_r4_types_are_stored_whole_and_counted_not_projected(tmp_path: Path):
    lake = tmp_path / "data" / "lake"
    result = ingest_fhir(OTHER, lake, quarantine_path=tmp_path / "q.ndjson")
    assert result.quarantined == 0
    for rtype in ("Practitioner", "Location", "Immunization", "DiagnosticReport", "Claim", "Goal"):
        assert (result.counts[rtype].accepted, result.counts[rtype].stored_only) == (1, 1), rtype
    assert result.counts["Patient"].stored_only == 0
    [(pid,)] = rows(lake, "patients", "patient_id")
    linked = duckdb.sql(
        f"SELECT resource_type, patient_id FROM read_parquet('{lake}/fhir_resources/*.parquet') ORDER BY ALL"
    ).fetchall()
    assert linked == [
        ("Claim", pid),
        ("DiagnosticReport", pid),
        ("Goal", pid),
        ("Immunization", pid),
        ("Location", None),
        ("Patient", pid),
        ("Practitioner", None),
    ]
    assert rows(lake, "clinical_events") == []  # stored, not projected


def test_an_r4_type_that_r4b_dropped_is_stored(tmp_path: Path):
    src = tmp_path / "mp.ndjson"
    src.write_text(json.dumps({"resourceType": "MedicinalProduct", "id": "mp-1"}) + "\n")
    result = ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    assert result.counts["MedicinalProduct"].stored_only == 1


def test_a_type_that_is_not_r4_is_quarantined(tmp_path: Path):
    src = tmp_path / "st.ndjson"
    src.write_text(json.dumps({"resourceType": "SubscriptionTopic", "id": "s-1"}) + "\n")  # R4B/R5 only
    result = ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    [record] = read_quarantine(tmp_path / "q.ndjson")
    assert (record["field"], record["reason"]) == ("resourceType", "unknown resourceType 'SubscriptionTopic'")
    assert record["raw"].startswith('{"resourceType": "SubscriptionTopic"')
    assert result.accepted == 0


def test_an_invalid_resource_of_a_stored_only_type_is_quarantined(tmp_path: Path):
    src = tmp_path / "imm.ndjson"
    src.write_text(json.dumps({"resourceType": "Immunization", "id": "i-1", "status": "completed"}) + "\n")
    result = ingest_fhir(src, tmp_path / "data" / "lake", quarantine_path=tmp_path / "q.ndjson")
    [record] = read_quarantine(tmp_path / "q.ndjson")
    assert record["reason"].startswith("R4 model: ")
    assert record["raw"].startswith('{"resourceType": "Immunization"')
    assert result.counts["Immunization"].quarantined == 1


def test_records_added_to_a_lake_patient_are_exported_once(county: Path, tmp_path: Path):
    """A lake patient (no stored Patient) who is sent a Condition: it comes back derived, not twice."""
    import shutil

    lake = tmp_path / "lake"
    shutil.copytree(county, lake)
    first = export_fhir(lake, tmp_path / "before")
    cond = a_condition("Patient/1", code="195967001") | {"id": "sent-1"}
    src = tmp_path / "c.ndjson"
    src.write_text(json.dumps(cond) + "\n")
    ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    assert rows(lake, "fhir_resources", "resource_type, id, patient_id") == [("Condition", "sent-1", 1)]
    again = export_fhir(lake, tmp_path / "after")
    assert again.counts["Condition"] == first.counts["Condition"] + 1
    conditions = [json.loads(x) for x in (tmp_path / "after" / "Condition.ndjson").read_text().splitlines()]
    assert not [c for c in conditions if c["id"] == "sent-1"]
    assert [
        c["code"]["coding"][0]["code"] for c in conditions if c["subject"]["reference"] == "Patient/1"
    ].count("195967001") >= 1


def test_within_one_input_the_resource_read_last_is_stored(tmp_path: Path):
    src = tmp_path / "p.ndjson"
    first, last = a_patient("d-1", birthDate="1960-02-02"), a_patient("d-1", birthDate="1962-04-04")
    src.write_text(json.dumps(first) + "\n" + json.dumps(last) + "\n")
    lake = tmp_path / "data" / "lake"
    ingest_fhir(src, lake, quarantine_path=tmp_path / "q.ndjson")
    [(text, line)] = rows(lake, "fhir_resources", "resource, line")
    assert (json.loads(text)["birthDate"], line) == ("1962-04-04", 2)
