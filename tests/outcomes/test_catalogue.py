"""The indicator catalogue is complete data: every indicator says what, over whom, why and from where."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhc.outcomes.catalogue import (
    BY_ID,
    EVENT_GROUPS,
    INDICATORS,
    LEFT_OUT,
    PER_1000,
    PERCENT,
    POPULATIONS,
    RATE_EVENTS,
    Kind,
    missing_clusters,
)
from nhc.reference.codelists import clusters


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.id)
def test_every_indicator_is_fully_described(indicator):
    assert indicator.title and indicator.numerator and indicator.denominator and indicator.source
    assert indicator.unit in (PERCENT, PER_1000)
    assert (indicator.kind is Kind.RATE) == (indicator.unit == PER_1000)
    assert (indicator.population is not None) == (indicator.kind is Kind.PROPORTION)
    if indicator.population:
        assert indicator.population in POPULATIONS
    if indicator.kind is Kind.RATE:
        assert indicator.events in RATE_EVENTS
    assert indicator.groups() <= set(EVENT_GROUPS)


def test_the_issues_indicators_are_all_there():
    """Issue 17's list: the NDA's eight processes (each and all eight) and three targets among them."""
    nda = [i for i in BY_ID if i.startswith("diabetes-")]
    assert len(nda) == 12
    for wanted in (
        "emergency-admissions",
        "ae-attendances",
        "acs-admissions",
        "frailty-care-plan",
        "copd-review",
        "asthma-review",
        "hypertension-controlled",
        "deaths-at-home",
    ):
        assert wanted in BY_ID
    assert "virtual-ward-length-of-stay" in LEFT_OUT and "virtual-ward-length-of-stay" not in BY_ID


def test_missing_clusters_against_the_packaged_codelists():
    """Before the synthetic history adds them, the packaged codelists lack the review and foot
    surveillance clusters, and only the indicators that need them say so."""
    have = set(clusters())
    missing = {i.id: missing_clusters(i, have) for i in INDICATORS}
    assert missing["emergency-admissions"] == [] and missing["diabetes-hba1c-target"] == []
    for needs, ids in (
        ("foot-surveillance", ("diabetes-foot-surveillance", "diabetes-all-eight")),
        ("copd-review", ("copd-review",)),
        ("asthma-review", ("asthma-review",)),
    ):
        if needs not in have:
            assert all(needs in missing[i] for i in ids)


def test_a_group_is_there_when_any_of_its_clusters_is():
    smoking = BY_ID["diabetes-smoking-status"]
    assert missing_clusters(smoking, {"dm_cod", "smoking-status-ex"}) == []
    assert missing_clusters(smoking, {"dm_cod"}) == list(EVENT_GROUPS["smoking"].clusters)


def test_docs_describe_every_indicator():
    """docs/outcomes.md has a row for each indicator of the catalogue."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "outcomes.md").read_text(encoding="utf-8")
    assert [i.id for i in INDICATORS if f"| `{i.id}` |" not in text] == []
