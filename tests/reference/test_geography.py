"""Reference geography: the committed files honour the published Oxfordshire facts, and the loaders
reject broken files with file, line and field."""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa
import pytest

from nhc.errors import InputError, NhcError
from nhc.lake.tables import PRACTICES, SMALL_AREAS
from nhc.reference import geography
from nhc.reference.geography import LOCALITIES, check_locality, neighbourhoods, practices, small_areas

# Oxford City locality plan (seed 004): cluster -> (total, practices).
OXFORD_CITY = {
    "Central Oxford": (
        33_134,
        {"19 Beaumont Street", "27 Beaumont Street", "28 Beaumont Street", "King Edward Street"},
    ),
    "North Oxford": (
        44_958,
        {
            "Summertown Medical Practice",
            "Banbury Road",
            "Jericho Health Centre",
            "Observatory Medical Practice",
        },
    ),
    "South East Oxford": (
        40_572,
        {
            "Donnington Medical Practice",
            "Hollow Way Medical Centre",
            "Temple Cowley Medical Centre",
            "The Leys Medical Centre",
        },
    ),
    "South and West Oxford": (20_169, {"Botley Medical Centre", "South Oxford Health Centre"}),
    "East Oxford": (
        42_235,
        {
            "Bartlemas Surgery",
            "Cowley Road Medical Practice",
            "St Bartholomew's Medical Centre",
            "St Clements Surgery",
        },
    ),
    "Headington": (41_400, {"Hedena Health", "Manor Surgery"}),
}
LOCALITY_PRACTICES = {
    "North": 9,
    "North East": 9,
    "Oxford City": 20,
    "South East": 11,
    "South West": 13,
    "West": 8,
}


def _sums(table: pa.Table, key: str, value: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for k, v in zip(table[key].to_pylist(), table[value].to_pylist(), strict=True):
        out[k] += v
    return dict(out)


def test_localities() -> None:
    assert LOCALITIES == ("North", "North East", "Oxford City", "South East", "South West", "West")
    assert set(practices()["locality"].to_pylist()) == set(LOCALITIES)


def test_county_totals() -> None:
    p = practices()
    assert p.num_rows == 70
    assert sum(p["list_size"].to_pylist()) == 726_000
    assert Counter(p["locality"].to_pylist()) == LOCALITY_PRACTICES


def test_practice_codes_unique_and_ods_style() -> None:
    code = practices()["practice_code"].to_pylist()
    assert len(code) == len(set(code))
    assert all(re.fullmatch(r"K84\d{3}", c) for c in code)


def test_oxford_city_matches_the_locality_plan() -> None:
    p = practices().to_pylist()
    city = [r for r in p if r["locality"] == "Oxford City"]
    assert len(city) == 20
    assert sum(r["list_size"] for r in city) == 222_468
    got: dict[str, tuple[int, set[str]]] = {}
    for r in city:
        total, names = got.get(r["neighbourhood"], (0, set()))
        got[r["neighbourhood"]] = (total + r["list_size"], names | {r["name"]})
    assert got == OXFORD_CITY


def test_oxford_city_practices_are_in_oxford() -> None:
    for r in practices().to_pylist():
        if r["locality"] == "Oxford City":
            assert 51.70 < r["latitude"] < 51.79 and -1.31 < r["longitude"] < -1.19, r


def test_schemas_match_the_lake() -> None:
    assert practices().schema.equals(PRACTICES.arrow)
    sa = small_areas().schema
    assert sa.names == [*SMALL_AREAS.column_names, "population"]
    assert sa.remove(sa.get_field_index("population")).equals(SMALL_AREAS.arrow)
    assert sa.field("imd_decile").type == pa.int8() and sa.field("population").type == pa.int64()


def test_small_areas_shape() -> None:
    a = small_areas()
    assert a.num_rows == 407
    code = a["small_area_code"].to_pylist()
    assert len(set(code)) == 407 and all(re.fullmatch(r"X01\d{6}", c) for c in code)
    pop = a["population"].to_pylist()
    assert min(pop) >= 1200 and max(pop) <= 2600


def test_every_neighbourhood_has_areas_summing_to_its_list_size() -> None:
    a = small_areas()
    n = neighbourhoods()
    counts = Counter(a["neighbourhood"].to_pylist())
    assert set(counts) == set(n["neighbourhood"].to_pylist())
    assert min(counts.values()) >= 2
    assert _sums(a, "neighbourhood", "population") == _sums(n, "neighbourhood", "list_size")
    assert sum(a["population"].to_pylist()) == 726_000


def test_deprivation_profile_matches_imd_2019() -> None:
    rows = small_areas().to_pylist()
    deprived = [r for r in rows if r["imd_decile"] <= 2]
    assert len(deprived) == 17
    wards = {r["name"].rsplit(" ", 1)[0]: r for r in deprived}
    assert len(wards) == 10
    by_place = Counter(
        "Oxford" if r["locality"] == "Oxford City" else r["neighbourhood"].split()[0] for r in wards.values()
    )
    assert by_place == {"Oxford": 6, "Banbury": 3, "Abingdon": 1}
    assert {r["locality"] for r in wards.values() if r["neighbourhood"].startswith("Banbury")} == {"North"}
    assert {r["locality"] for r in wards.values() if r["neighbourhood"] == "Abingdon"} == {"South West"}
    assert {"Blackbird Leys", "Northfield Brook", "Barton and Sandhills"} <= set(wards)
    # The county skews to the less deprived end.
    deciles = Counter(r["imd_decile"] for r in rows)
    assert set(deciles) == set(range(1, 11))
    assert sum(deciles[d] for d in range(6, 11)) > 0.7 * len(rows)


def test_geography_of_deprivation_is_plausible() -> None:
    mean: dict[str, float] = {}
    a = small_areas()
    counts = Counter(a["neighbourhood"].to_pylist())
    for nb, total in _sums(a, "neighbourhood", "imd_decile").items():
        mean[nb] = total / counts[nb]
    assert mean["North Oxford"] > mean["South East Oxford"] + 3
    assert mean["Henley"] > mean["Banbury West"] + 3


def test_neighbourhoods_table() -> None:
    n = neighbourhoods()
    assert n.column_names == ["neighbourhood", "locality", "practices", "list_size"]
    assert min(Counter(n["locality"].to_pylist()).values()) >= 3
    assert max(Counter(n["locality"].to_pylist()).values()) <= 6
    rows = {r["neighbourhood"]: r for r in n.to_pylist()}
    assert rows["Headington"] == {
        "neighbourhood": "Headington", "locality": "Oxford City", "practices": 2, "list_size": 41_400,
    }  # fmt: skip
    assert [LOCALITIES.index(loc) for loc in n["locality"].to_pylist()] == sorted(
        LOCALITIES.index(loc) for loc in n["locality"].to_pylist()
    )


def test_check_locality() -> None:
    assert check_locality("oxford city") == "Oxford City"
    assert check_locality("NORTH-EAST") == "North East"
    assert check_locality(" south_west ") == "South West"
    with pytest.raises(NhcError, match=r"unknown locality 'Xyz'.*known localities: North, North East"):
        check_locality("Xyz")


def test_loaders_are_cached() -> None:
    assert practices() is practices() and small_areas() is small_areas()


# --- malformed files ----------------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("practices.csv", "small_areas.csv"):
        shutil.copy(geography.DATA_DIR / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` in the first line containing it; return that line's 1-based number."""
    lines = path.read_text().split("\n")
    i = next(i for i, line in enumerate(lines) if old in line)
    lines[i] = lines[i].replace(old, new, 1)
    path.write_text("\n".join(lines))
    return i + 1


def _set_cell(path: Path, row_contains: str, column: str, value: str) -> int:
    """Set ``column`` of the first data row containing ``row_contains``; return its 1-based line number."""
    lines = path.read_text().split("\n")
    header = next(line for line in lines if not line.startswith("#")).split(",")
    i = next(i for i, line in enumerate(lines) if row_contains in line)
    cells = lines[i].split(",")
    cells[header.index(column)] = value
    lines[i] = ",".join(cells)
    path.write_text("\n".join(lines))
    return i + 1


def _expect(root: Path, loader, file: str, line: int | None, field: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        loader(root)
    e = err.value
    assert (e.file, e.line, e.field) == (str(root / file), line, field)
    assert message in str(e)


def test_copy_loads_like_the_original(copy: Path) -> None:
    assert small_areas(copy).equals(small_areas())


def test_non_integer_list_size(copy: Path) -> None:
    line = _set_cell(copy / "practices.csv", ",Hedena Health,", "list_size", "lots")
    _expect(copy, practices, "practices.csv", line, "list_size", "not a whole number: 'lots'")


def test_unknown_locality_in_practices(copy: Path) -> None:
    line = _edit(copy / "practices.csv", ",Oxford City,Central Oxford,", ",Oxford Town,Central Oxford,")
    _expect(copy, practices, "practices.csv", line, "locality", "unknown locality 'Oxford Town'")


@pytest.mark.parametrize("decile", ["0", "11"])
def test_imd_decile_out_of_range(copy: Path, decile: str) -> None:
    line = _set_cell(copy / "small_areas.csv", "X01000100,", "imd_decile", decile)
    _expect(copy, small_areas, "small_areas.csv", line, "imd_decile", f"{decile} is out of range (1 to 10)")


def test_unknown_locality_in_small_areas(copy: Path) -> None:
    line = _set_cell(copy / "small_areas.csv", "X01000007,", "locality", "Narnia")
    _expect(copy, small_areas, "small_areas.csv", line, "locality", "unknown locality 'Narnia'")


def test_neighbourhood_with_no_small_areas(copy: Path) -> None:
    path = copy / "small_areas.csv"
    path.write_text(
        "\n".join(line for line in path.read_text().split("\n") if ",Eynsham and Woodstock," not in line)
    )
    _expect(
        copy,
        small_areas,
        "small_areas.csv",
        None,
        "neighbourhood",
        "'Eynsham and Woodstock' has no small areas",
    )


def test_small_area_in_unknown_neighbourhood(copy: Path) -> None:
    line = _edit(copy / "small_areas.csv", ",Headington,", ",Headingtn,")
    _expect(copy, small_areas, "small_areas.csv", line, "neighbourhood", "'Headingtn' has no practices")


def test_duplicate_practice_code(copy: Path) -> None:
    path = copy / "practices.csv"
    lines = path.read_text().split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("K84"))
    lines.insert(first + 1, lines[first])
    path.write_text("\n".join(lines))
    _expect(copy, practices, "practices.csv", first + 2, "practice_code", "duplicate practice_code")


def test_wrong_header(copy: Path) -> None:
    line = _edit(copy / "practices.csv", "practice_code,name,", "code,name,")
    _expect(copy, practices, "practices.csv", line, "practice_code", "header must be")
