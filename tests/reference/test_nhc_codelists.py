"""The NHC hand-curated codelists (``nhc/*.csv``): named after their file, kind ``nhc``, honest source."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from nhc.reference.codelists import codes, load_codelists


@pytest.mark.parametrize(
    ("cluster", "code", "term"),
    [
        ("foot-surveillance", "401191002", "Diabetic foot examination (regime/therapy)"),
        ("copd-review", "394703002", "Chronic obstructive pulmonary disease annual review (regime/therapy)"),
        ("asthma-review", "270442000", "Asthma monitoring check done (finding)"),
    ],
)
def test_each_nhc_list_is_a_cluster_with_its_terms(cluster: str, code: str, term: str) -> None:
    assert code in codes(cluster)
    table = load_codelists()
    rows = table.filter(
        pc.and_(pc.equal(table["cluster"], cluster), pc.equal(table["code"], code))
    ).to_pylist()
    assert len(rows) == 1
    assert rows[0]["term"] == term
    assert rows[0]["kind"] == "nhc"
    assert rows[0]["source"].startswith("NHC hand-curated")
    assert rows[0]["source"].endswith(f"nhc/{cluster}.csv")


def test_a_folder_with_only_nhc_lists_loads(tmp_path) -> None:
    (tmp_path / "nhc").mkdir()
    (tmp_path / "nhc" / "my-review.csv").write_text('code,term\n394703002,"Review, annual"\n')
    table = load_codelists(tmp_path).to_pylist()
    assert table == [
        {
            "code": "394703002",
            "cluster": "my-review",
            "term": "Review, annual",
            "source": "NHC hand-curated (SNOMED CT UK edition), see PROVENANCE.md: nhc/my-review.csv",
            "kind": "nhc",
        }
    ]
