"""The glance pages' funnel plot and trend (:mod:`nhc.web.outcomes.glance_charts`) over a hand-made
report: five practices' latest published "all eight care processes" counts, and 14 months of one
practice's series.

The pooled (county) figure is (90 + 600 + 700 + 330) / (100 + 1,000 + 1,000 + 500) = 1,720 / 2,600
= 66.15%. With binomial limits p0 ± z·√(p0(1 − p0)/n), worked out by hand:

* A, 90 of 100 (90%): z = 5.04, above the 99.8% limit;
* B, 600 of 1,000 (60%): z = −4.11, below the 99.8% limit;
* C, 700 of 1,000 (70%): z = 2.57, above the 95% limit only;
* D, suppressed: not plotted;
* E, 330 of 500 (66%): z = −0.07, within the limits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from nhc.outcomes.catalogue import BY_ID
from nhc.outcomes.months import Span
from nhc.outcomes.report import OutcomesReport, Point, Series
from nhc.web.outcomes import glance as glance_module
from nhc.web.outcomes.glance import Glance
from nhc.web.outcomes.glance_charts import practice_funnel
from nhc.web.outcomes.reports import ReportCache

from .lake import AS_OF
from .test_pages import make_app, sign_in

PRACTICES = {"A": (90, 100), "B": (600, 1000), "C": (700, 1000), "D": (None, None), "E": (330, 500)}
EXPECTED = {"A": "high-99.8", "B": "low-99.8", "C": "high-95", "D": "suppressed", "E": "within"}
MONTH = dt.date(2026, 3, 1)


def _report(months: int = 1) -> OutcomesReport:
    """Every practice's series of the diabetes page's indicators; C's all-eight series alternates
    68% and 72% before its last month (70%)."""
    span = Span.ending(AS_OF, months)
    firsts = [dt.date((span.first + k) // 12, (span.first + k) % 12 + 1, 1) for k in range(months)]
    series = {}
    for code, (y, n) in PRACTICES.items():
        for ind in ("diabetes-hba1c", "diabetes-all-eight"):
            points = []
            for k, month in enumerate(firsts):
                earlier = k < months - 1 and code == "C" and ind == "diabetes-all-eight"
                yy = (680 if k % 2 else 720) if earlier else y
                points.append(Point(month, yy, n, None if yy is None else 100 * yy / n))
            s = Series(BY_ID[ind], "practice", code, points)
            s.chart_it()
            series[(ind, "practice", code)] = s
    return OutcomesReport(AS_OF, span, series, {})


def test_each_practice_sits_where_its_binomial_limits_put_it():
    f = practice_funnel(_report(), "diabetes-all-eight", {"A": "Abbey Surgery"})
    assert f.target == pytest.approx(1720 / 2600)
    assert {p.unit: p.flag for p in f.points} == EXPECTED
    assert next(p.label for p in f.points if p.unit == "A") == "Abbey Surgery"
    assert f.tau2 == 0  # binomial limits: no allowance for overdispersion
    n, lo95, hi95, lo998, hi998 = min(f.limits, key=lambda lim: abs(lim[0] - 1000))
    half95 = 1.959964 * (1720 / 2600 * 880 / 2600 / n) ** 0.5
    assert (lo95, hi95) == pytest.approx((1720 / 2600 - half95, 1720 / 2600 + half95))
    assert hi998 - lo998 == pytest.approx(2 * 3.090232 / 1.959964 * half95)


class _NoAnalytics:
    """The small lake has no insight tables: the page's list of neighbourhoods is empty."""

    def geography(self):
        return {"neighbourhoods": {}}


@pytest.fixture(scope="module")
def glance_app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("glance-charts"))
    app.state.outcomes = ReportCache(app.state.settings, lambda: AS_OF, lambda s, d: _report(14))
    with pytest.MonkeyPatch.context() as mp:
        made = Glance(AS_OF, 0, _report(), {"diabetes": {}})
        mp.setattr(glance_module, "glance", lambda request: made)
        mp.setattr(glance_module, "insights", lambda request: _NoAnalytics())
        yield app
    app.state.security.db.dispose()


def test_the_page_rings_the_practice_and_says_where_it_sits(glance_app):
    r = sign_in(glance_app, "ana").get("/outcomes/diabetes", params={"practice": "C"})
    assert r.status_code == 200, r.text
    chart = r.text[r.text.index('data-testid="funnel-chart"') :]
    svg = chart[: chart.index("</svg>")]
    assert svg.count("<circle") == 4 and svg.count('data-highlight="true"') == 1
    assert "4 of 5 practices plotted; 1 suppressed" in svg
    assert re.search(r'data-highlight="true"[^>]*><title>C \(C\): 70.0%', svg)
    assert 'data-testid="funnel-position">above the 95% limit<' in r.text
    assert "county&#39;s figure (66.2%)" in r.text or "county's figure (66.2%)" in r.text
    table = r.text[
        r.text.index('data-testid="funnel"') : r.text.index("</table>", r.text.index('data-testid="funnel"'))
    ]
    rows = re.findall(r"<tr class=\"nhsuk-table__row\"[^>]*>(.*?)</tr>", table.split("<tbody")[1], re.S)
    words = [re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]) for row in rows]
    assert words == [
        "Above the 99.8% limit",
        "Below the 99.8% limit",
        "Above the 95% limit",
        "Suppressed",
        "Within the limits",
    ]
    assert 'data-testid="funnel-this"' in table and "This practice" in table


def test_the_funnel_table_sorts_by_position_through_links(glance_app):
    client = sign_in(glance_app, "ana")
    r = client.get("/outcomes/diabetes", params={"sort": "funnel.position", "dir": "asc"})
    table = r.text[r.text.index('data-testid="funnel"') :]
    order = re.findall(r'<th scope="row" class="nhsuk-table__header">(\w)', table)
    assert order == ["B", "E", "C", "A", "D"]


def test_the_trend_is_the_practice_series_with_its_spc_points(glance_app):
    r = sign_in(glance_app, "ana").get("/outcomes/diabetes", params={"practice": "C"})
    trend = r.text[r.text.index('data-testid="trend-chart"') :]
    svg = trend[: trend.index("</svg>")]
    assert 'class="nhc-chart nhc-spc"' in svg and svg.count("<g data-point=") == 14
    assert "practice C, by month" in svg
    points = r.text[r.text.index('data-testid="trend-points"') :]
    months = re.findall(r'<th scope="row" class="nhsuk-table__header">(\w+ \d{4})</th>', points)
    assert len(months) == 14 and months[-1] == "March 2026"
    assert 'href="/outcomes/diabetes-all-eight?by=practice&amp;group=C#chart"' in r.text


def test_a_report_without_the_series_says_so(glance_app):
    saved = glance_app.state.outcomes
    empty = dataclasses.replace(_report(14), series={})
    glance_app.state.outcomes = ReportCache(glance_app.state.settings, lambda: AS_OF, lambda s, d: empty)
    try:
        r = sign_in(glance_app, "ana").get("/outcomes/diabetes", params={"practice": "C"})
    finally:
        glance_app.state.outcomes = saved
    assert r.status_code == 200 and "There are no monthly figures for practice C." in r.text
