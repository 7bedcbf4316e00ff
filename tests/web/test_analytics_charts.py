"""Charts and measures read as people expect (issue 20, item 4): funnel plots have a y-axis title
and say how many practices were suppressed; percentage measures read "%", not "per 100"; bar
labels are not cut off."""

from __future__ import annotations

import re

import pytest

from nhc.insights.funnel import FunnelUnit, funnel
from nhc.web.charts import CHAR_WIDTH, bar_chart, funnel_chart
from tests.web.analytics_support import make_app, sign_in, table_by
from tests.web.fixture_lake import write_fixture_lake

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")


def plot() -> object:
    units = [FunnelUnit(f"P{i}", f"Practice {i}", 200 + 10 * i, 20 + i) for i in range(8)]
    return funnel(
        [*units, FunnelUnit("S1", "Small 1", None, None), FunnelUnit("S2", "Small 2", 40, None)], "proportion"
    )


def test_a_funnel_plot_titles_its_y_axis_with_the_measure() -> None:
    percent = str(funnel_chart(plot(), per=100, title="t"))
    assert re.search(r'data-testid="y-axis-title">Percentage of the denominator \(%\)<', percent)
    rate = str(funnel_chart(plot(), per=1000, title="t"))
    assert re.search(r'data-testid="y-axis-title">Rate per 1,000 in the denominator<', rate)


def test_a_funnel_plot_says_how_many_practices_are_suppressed() -> None:
    svg = str(funnel_chart(plot(), per=100, title="t"))
    assert "8 of 10 practices plotted; 2 suppressed (7 or fewer people)" in svg


def test_long_labels_fit_in_the_label_column() -> None:
    label = "5 Medium complexity morbidity"
    svg = str(bar_chart([(label, 10), ("3 Low need adult", 20)], title="t"))
    x = float(re.search(r'<text x="([0-9.]+)"[^>]*text-anchor="end"', svg).group(1))
    assert x >= len(label) * CHAR_WIDTH  # the label, right-aligned at x, starts at or after 0
    assert f">{label}</text>" in svg  # whole, not "…edium complexity"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("charts")
    application = make_app(write_fixture_lake(tmp / "lake").root, tmp)
    yield application
    application.state.security.db.dispose()


def test_percentage_measures_read_as_percent(app) -> None:
    page = sign_in(app, "ana").get("/variation?indicator=high_need").text
    assert "per 100" not in page
    county = re.search(r'data-testid="county-value">([^<]+)<', page).group(1)
    assert re.fullmatch(r"\d+\.\d%", county), county
    values = table_by(page, testid="all-practices").column("Value")
    assert values and all(v == "suppressed" or re.fullmatch(r"\d+\.\d%", v) for v in values), values


def test_rates_keep_their_per_1000(app) -> None:
    page = sign_in(app, "ana").get("/variation?indicator=emergency_admissions").text
    county = re.search(r'data-testid="county-value">([^<]+)<', page).group(1)
    assert county.endswith(" per 1,000"), county


def test_the_variation_page_says_how_many_practices_are_not_plotted(app) -> None:
    c = sign_in(app, "ana")
    for indicator in ("high_need", "frailty_65", "diabetes_prevalence", "emergency_admissions"):
        page = c.get(f"/variation?indicator={indicator}").text
        points = c.get(f"/api/variation/{indicator}").json()["practices"]
        hidden = sum(1 for p in points if p["value"] is None)
        said = re.search(r'data-testid="suppressed-practices">([^<]+)<', page).group(1)
        if hidden:
            assert said.startswith(f"{hidden} of {len(points)} practices are not plotted"), said
        else:
            assert said == f"All {len(points)} practices are plotted.", said
