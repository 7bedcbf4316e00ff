"""The lake store: schema checks, atomic writes, nothing half-written."""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pytest

from nhc.errors import NhcError
from nhc.lake import store
from nhc.lake.store import Lake, update_lake, write_lake


def _deaths(*rows: tuple[int, dt.date, str]) -> pa.Table:
    ids, dates, places = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table(
        {
            "patient_id": pa.array(ids, pa.int64()),
            "date_of_death": pa.array(dates, pa.date32()),
            "place_of_death": list(places),
        }
    )


def test_write_then_read_round_trips_with_schema_types(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.write("deaths", _deaths((1, dt.date(2025, 1, 2), "home")))
    back = lake.read("deaths")
    assert back.to_pylist() == [
        {"patient_id": 1, "date_of_death": dt.date(2025, 1, 2), "place_of_death": "home"}
    ]
    assert back.schema.field("date_of_death").type == pa.date32()
    assert [i.name for i in lake.info()] == ["deaths"] and lake.info()[0].rows == 1


def test_missing_column_is_named(tmp_path):
    with pytest.raises(NhcError, match=r"table deaths: missing column\(s\) place_of_death"):
        Lake(tmp_path).write("deaths", pa.table({"patient_id": [1], "date_of_death": [dt.date(2025, 1, 1)]}))


def test_value_outside_allowed_set_is_named_with_an_example(tmp_path):
    with pytest.raises(NhcError, match=r"column place_of_death has 1 value\(s\) outside .* \(e.g. 'moon'\)"):
        Lake(tmp_path).write("deaths", _deaths((1, dt.date(2025, 1, 2), "moon")))


def test_empty_value_in_required_column_is_refused(tmp_path):
    table = pa.table(
        {
            "patient_id": pa.array([1, None], pa.int64()),
            "date_of_death": [dt.date(2025, 1, 1)] * 2,
            "place_of_death": ["home"] * 2,
        }
    )
    with pytest.raises(NhcError, match="column patient_id has 1 empty value"):
        Lake(tmp_path).write("deaths", table)


def test_unknown_table_lists_the_known_ones(tmp_path):
    with pytest.raises(NhcError, match=r"unknown lake table 'nope'.*known tables: patients"):
        Lake(tmp_path).write("nope", pa.table({"a": [1]}))


def test_failed_write_leaves_the_previous_table_and_no_debris(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    lake.write("deaths", _deaths((1, dt.date(2025, 1, 2), "home")))

    def boom(table, path):
        path.write_bytes(b"half a parquet file")
        raise OSError("disk full")

    monkeypatch.setattr(store, "_write_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        lake.write("deaths", _deaths((2, dt.date(2025, 3, 4), "hospital")))
    assert lake.read("deaths")["patient_id"].to_pylist() == [1]
    assert sorted(os.listdir(tmp_path / "lake")) == ["deaths"]


def test_write_lake_is_all_or_nothing(tmp_path, monkeypatch):
    root = tmp_path / "lake"
    write_lake(root, {"deaths": _deaths((1, dt.date(2025, 1, 2), "home"))})
    calls = []

    def second_fails(table, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("killed")
        store.pq.write_table(table, path)

    monkeypatch.setattr(store, "_write_parquet", second_fails)
    with pytest.raises(OSError):
        write_lake(root, {"deaths": _deaths((5, dt.date(2025, 1, 2), "home")), "practices": _practices()})
    assert Lake(root).tables() == ["deaths"]
    assert Lake(root).read("deaths")["patient_id"].to_pylist() == [1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]


def test_a_bad_table_fails_before_anything_is_written(tmp_path):
    root = tmp_path / "lake"
    with pytest.raises(NhcError):
        write_lake(root, {"practices": _practices(), "deaths": _deaths((1, dt.date(2025, 1, 2), "moon"))})
    assert not root.exists()


def test_unwritable_data_folder_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(NhcError, match="cannot write to data folder"):
        Lake(blocker / "lake").write("deaths", _deaths((1, dt.date(2025, 1, 2), "home")))


def _practices() -> pa.Table:
    return pa.table(
        {
            "practice_code": ["K84001"],
            "name": ["A"],
            "locality": ["North"],
            "neighbourhood": ["Banbury"],
            "list_size": [10],
            "latitude": [52.0],
            "longitude": [-1.3],
        }
    )


def _bytes(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_update_lake_replaces_the_given_tables_and_keeps_the_rest_byte_for_byte(tmp_path):
    root = tmp_path / "lake"
    write_lake(
        root,
        {"deaths": _deaths((1, dt.date(2025, 1, 2), "home")), "practices": _practices()},
        extra_files={"manifest.json": "{}"},
    )
    practices_before = (root / "practices" / "part-00000.parquet").read_bytes()
    update_lake(root, {"deaths": _deaths((7, dt.date(2025, 3, 4), "hospice"))})
    assert Lake(root).read("deaths")["patient_id"].to_pylist() == [7]
    assert (root / "practices" / "part-00000.parquet").read_bytes() == practices_before
    assert (root / "manifest.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]


def test_update_lake_writes_a_stream_of_batches_with_the_schema_types(tmp_path):
    root = tmp_path / "lake"
    batches = _deaths((1, dt.date(2025, 1, 2), "home"), (2, dt.date(2025, 1, 3), "hospital")).to_batches(1)
    update_lake(root, {"deaths": iter(batches), "practices": iter(())})
    back = Lake(root).read("deaths")
    assert back["patient_id"].to_pylist() == [1, 2]
    assert back.schema.field("date_of_death").type == pa.date32()
    assert Lake(root).read("practices").num_rows == 0
    assert Lake(root).read("practices").column_names[0] == "practice_code"


def test_update_lake_is_all_or_nothing(tmp_path, monkeypatch):
    root = tmp_path / "lake"
    write_lake(root, {"deaths": _deaths((1, dt.date(2025, 1, 2), "home")), "practices": _practices()})
    before = _bytes(root)
    calls = []
    real = store.write_batches

    def second_fails(batches, schema, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("killed")
        return real(batches, schema, path)

    monkeypatch.setattr(store, "write_batches", second_fails)
    deaths = _deaths((5, dt.date(2025, 1, 2), "home")).to_batches()
    with pytest.raises(OSError, match="killed"):
        update_lake(root, {"deaths": iter(deaths), "practices": iter(_practices().to_batches())})
    assert len(calls) == 2
    assert _bytes(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]


def test_update_lake_refuses_a_bad_batch_and_keeps_the_lake(tmp_path):
    root = tmp_path / "lake"
    write_lake(root, {"deaths": _deaths((1, dt.date(2025, 1, 2), "home"))})
    before = _bytes(root)
    good = _deaths((2, dt.date(2025, 1, 2), "home")).to_batches()
    bad = _deaths((3, dt.date(2025, 1, 2), "moon")).to_batches()
    with pytest.raises(NhcError, match="outside"):
        update_lake(root, {"deaths": iter([*good, *bad])})
    assert _bytes(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]


def test_update_lake_creates_a_missing_lake(tmp_path):
    root = tmp_path / "new" / "lake"
    update_lake(root, {"deaths": _deaths((1, dt.date(2025, 1, 2), "home"))})
    assert Lake(root).tables() == ["deaths"]


def _evidence(encode: bool) -> pa.Table:
    def text(values: list) -> pa.Array:
        array = pa.array(values, pa.string())
        return array.dictionary_encode() if encode else array

    return pa.table(
        {
            "patient_id": pa.array([1, 2, 3], pa.int64()),
            "kind": text(["register", "efi", "register"]),
            "item": text(["diabetes", "falls", "diabetes"]),
            "code": text(["44054006", None, "44054006"]),
            "date": pa.array([dt.date(2020, 1, 1), None, dt.date(2021, 5, 6)], pa.date32()),
            "detail": text([None, "2 falls", None]),
        }
    )


def test_text_given_dictionary_encoded_is_read_back_as_text_by_every_reader(tmp_path):
    """A nightly refresh writes its kept tables dictionary-encoded: the files must read as if the
    text had been given plain, whoever reads them (the store, pyarrow alone, DuckDB)."""
    import duckdb
    import pyarrow.parquet as pq

    encoded, plain = Lake(tmp_path / "encoded"), Lake(tmp_path / "plain")
    encoded.write("patient_evidence", _evidence(encode=True))
    plain.write("patient_evidence", _evidence(encode=False))
    written, expected = encoded.files("patient_evidence")[0], plain.files("patient_evidence")[0]

    assert encoded.read("patient_evidence").equals(plain.read("patient_evidence"))
    assert pq.read_table(written).equals(pq.read_table(expected))
    describe = "DESCRIBE SELECT * FROM read_parquet('{}')"
    assert duckdb.sql(describe.format(written)).fetchall() == duckdb.sql(describe.format(expected)).fetchall()


def test_a_whole_table_given_encoded_is_written_from_its_dictionary_not_decoded_first(tmp_path):
    """Decoding a county's evidence only for Parquet to encode it again costs a tenth of a second
    a night: a table written whole keeps its encoded text (so no Arrow schema is stored)."""
    import pyarrow.parquet as pq

    lake = Lake(tmp_path / "lake")
    lake.write("patient_evidence", _evidence(encode=True))
    metadata = pq.read_metadata(lake.files("patient_evidence")[0]).metadata or {}

    assert b"ARROW:schema" not in metadata


def test_row_groups_record_the_range_of_ids_and_dates_but_not_of_text(tmp_path):
    """Readers skip row groups by patient and date; a text column's min and max would skip nothing
    (no table is in text order) and cost a third of writing a large table."""
    import pyarrow.parquet as pq

    lake = Lake(tmp_path / "lake")
    lake.write("patient_evidence", _evidence(encode=False))
    group = pq.read_metadata(lake.files("patient_evidence")[0]).row_group(0)
    recorded = {
        group.column(i).path_in_schema: group.column(i).is_stats_set for i in range(group.num_columns)
    }

    assert recorded == {
        "patient_id": True,
        "kind": False,
        "item": False,
        "code": False,
        "date": True,
        "detail": False,
    }
    assert (group.column(0).statistics.min, group.column(0).statistics.max) == (1, 3)


def test_a_column_of_allowed_values_given_encoded_is_still_checked(tmp_path):
    lake = Lake(tmp_path / "lake")
    deaths = _deaths((1, dt.date(2025, 1, 2), "home"), (2, dt.date(2025, 3, 4), "on the moon"))
    encoded = deaths.set_column(2, "place_of_death", deaths.column("place_of_death").dictionary_encode())
    with pytest.raises(NhcError, match="place_of_death has 1 value"):
        lake.write("deaths", encoded)
    assert not lake.exists("deaths")


def test_pieces_written_one_by_one_take_the_declared_types_whether_encoded_or_not(tmp_path):
    """An engine's workers stream an output table's pieces against its declared schema: a piece
    whose text comes dictionary-encoded is decoded, not kept encoded as a whole table is."""
    path = tmp_path / "part.parquet"
    pieces = [_evidence(encode=True).to_batches()[0], _evidence(encode=False).to_batches()[0]]

    rows = store.write_batches(pieces, store.table_schema("patient_evidence"), path)

    import pyarrow.parquet as pq

    assert rows == 6
    assert pq.read_table(path).to_pylist() == _evidence(encode=False).to_pylist() * 2
