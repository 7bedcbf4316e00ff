"""The outcomes pages over the small lake of :mod:`tests.outcomes.lake` (40 people with diabetes at
two practices; in March 2026, 30 of 40 have an HbA1c in 15 months: 20 of 20 in the Core20 small area,
10 of 20 in the other, quintile 3), and over a hand-made report whose SPC chart has a special cause.

Expected figures are worked out by hand from the lake's description."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient

from nhc.lake.store import Lake
from nhc.outcomes.catalogue import BY_ID
from nhc.outcomes.months import Span
from nhc.outcomes.report import OutcomesReport, Point, Series
from nhc.security import passwords
from nhc.settings import Settings
from nhc.web.app import create_app
from nhc.web.outcomes.reports import ReportCache, build
from tests.spec.helpers import arrow

from .lake import AS_OF, write_lake

PASSWORD = "correct-horse-battery-staple"
HBA1C = "/outcomes/diabetes-hba1c"


def make_app(root):
    """The web app over the lake in ``root`` with an analyst, an administrator, a clinician and a team
    member; the report cache counts its builds in ``app.state.outcome_builds``."""
    passwords.configure(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(Settings(data_dir=write_lake(root)))
    sec = app.state.security
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("adm", "Adm Admin", "admin", password=PASSWORD)
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("tm", "Tam Member", "team_member", password=PASSWORD, neighbourhoods=["Banbury"])
    app.state.outcome_builds = []

    def counted(settings, as_of):
        app.state.outcome_builds.append(as_of)
        return build(settings, as_of)

    app.state.outcomes = ReportCache(app.state.settings, lambda: AS_OF, counted)
    return app


def sign_in(app, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
    r = c.post(
        "/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert r.status_code == 303, r.text
    return c


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("outcomes-pages"))
    yield app
    app.state.security.db.dispose()
    passwords.configure()


@pytest.fixture(scope="module")
def ana(app):
    return sign_in(app, "ana")


def _row(html: str, testid: str) -> str:
    m = re.search(rf'<tr [^>]*data-testid="{re.escape(testid)}">(.*?)</tr>', html, re.S)
    assert m, f"no row {testid}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1))).strip()


def _csv(response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_matrix_shows_each_indicator_with_its_icons_and_gaps(ana):
    r = ana.get("/outcomes")
    assert r.status_code == 200
    row = _row(r.text, "row-diabetes-hba1c")
    # 30 of 40 in March 2026, the same every month: common cause; Core20 20/20 against 10/20
    assert "March 2026" in row and "75.0%" in row and "Common cause variation" in row
    assert "+50.0" in row and "No target" in row
    assert "not published" in row  # the slope index needs all five quintiles; the lake has two
    assert "Data as of 31 March 2026" in r.text and "April 2021 to March 2026" in r.text
    assert "Computed at" in r.text
    unavailable = r.text[r.text.index('data-testid="unavailable"') :]
    assert "Virtual ward length of stay" in unavailable and "do not reach the lake" in unavailable


def test_the_matrix_sorts_by_a_column_through_links(ana):
    r = ana.get("/outcomes?sort=value&dir=desc")
    header = re.search(r'<th [^>]*aria-sort="([a-z]+)"><a [^>]*data-testid="sort-value"', r.text)
    assert header and header.group(1) == "descending"
    first = re.search(r'data-testid="row-([a-z0-9-]+)"', r.text).group(1)
    assert first == "diabetes-hba1c"  # 75%, the highest value in the lake
    assert 'href="/outcomes?sort=value&amp;dir=asc#matrix"' in r.text  # the link flips it


def test_the_matrix_downloads_as_csv(ana):
    rows = {r["Indicator id"]: r for r in _csv(ana.get("/outcomes.csv"))}
    hba1c = rows["diabetes-hba1c"]
    assert (hba1c["Latest month"], hba1c["Latest value"]) == ("2026-03", "75.0")
    assert hba1c["Variation"] == "Common cause variation" and hba1c["Target"] == "none"
    assert hba1c["Core20 gap (Core20 minus the rest)"] == "50.0"
    assert hba1c["Slope index of inequality"] == "not published"
    assert rows["emergency-admissions"]["Latest value"] == "suppressed"  # no encounters in the lake


def test_an_indicator_has_its_chart_and_table_of_every_month(ana):
    r = ana.get(HBA1C)
    assert r.status_code == 200
    assert re.search(r'<svg class="nhc-chart nhc-spc"[^>]*role="img"', r.text)
    assert r.text.count('data-point="common_cause"') == 60
    assert "(P1)" in _row(r.text, "group-P1") and "75.0%" in _row(r.text, "group-P1")
    points = _csv(ana.get(f"{HBA1C}/points.csv"))
    assert len(points) == 60 and points[0]["Month"] == "2021-04"
    assert points[-1] == {
        "Month": "2026-03",
        "Value": "75.0",
        "Numerator": "30",
        "Denominator": "40",
        "SPC point type": "common_cause",
    }


def test_the_drill_down_shows_each_group_and_links_to_its_chart(ana):
    r = ana.get(f"{HBA1C}?by=imd_quintile")
    assert "100.0%" in _row(r.text, "group-1") and "most deprived" in _row(r.text, "group-1")
    assert "50.0%" in _row(r.text, "group-3")
    assert f'href="{HBA1C}?by=imd_quintile&amp;group=1#chart"' in r.text
    one = ana.get(f"{HBA1C}?by=imd_quintile&group=1")
    assert (
        one.status_code == 200 and "Deprivation (IMD quintile) 1 (most deprived), month by month" in one.text
    )
    points = _csv(ana.get(f"{HBA1C}/points.csv?by=imd_quintile&group=1"))
    assert points[-1]["Numerator"] == "20" and points[-1]["Value"] == "100.0"
    groups = _csv(ana.get(f"{HBA1C}/groups.csv?by=practice"))
    assert [(g["Group"], g["Latest value"], g["Numerator"]) for g in groups] == [
        ("P1", "75.0", "15"),
        ("P2", "75.0", "15"),
    ]


@pytest.mark.parametrize(
    "by", ["practice", "neighbourhood", "locality", "imd_quintile", "sex", "age_band", "ethnicity"]
)
def test_no_table_shows_a_count_of_one_to_seven_or_unrounded(ana, by):
    files = [ana.get(f"{HBA1C}/groups.csv?by={by}"), ana.get(f"{HBA1C}/points.csv?by={by}")]
    for rows in map(_csv, files):
        for row in rows:
            for key in ("Numerator", "Denominator"):
                count = row[key]
                assert count == "suppressed" or (int(count) % 5 == 0 and not 0 < int(count) <= 7), row


def test_the_report_is_computed_once_and_again_when_the_lake_changes(app, ana):
    app.state.outcomes.get()
    builds = len(app.state.outcome_builds)
    for path in ("/outcomes", HBA1C, f"{HBA1C}?by=sex", "/outcomes.csv"):
        assert ana.get(path).status_code == 200
    assert len(app.state.outcome_builds) == builds
    lake = Lake(app.state.settings.lake_dir)
    lake.write("small_areas", lake.read("small_areas"))
    assert ana.get("/outcomes").status_code == 200
    assert len(app.state.outcome_builds) == builds + 1


def test_practices_are_shown_by_name_and_code(app, ana):
    named = [
        {"practice_code": "P1", "name": "Abbey Surgery", "neighbourhood": "N1", "locality": "L1"},
        {"practice_code": "P2", "name": "Bridge Street Practice", "neighbourhood": "N1", "locality": "L1"},
    ]
    Lake(app.state.settings.lake_dir).write("practices", arrow("practices", named))
    r = ana.get(f"{HBA1C}?by=practice")
    assert _row(r.text, "group-P1").startswith("Abbey Surgery (P1)")
    assert (
        "Practice Bridge Street Practice (P2), month by month"
        in ana.get(f"{HBA1C}?by=practice&group=P2").text
    )
    groups = _csv(ana.get(f"{HBA1C}/groups.csv?by=practice"))
    assert [(g["Group"], g["Group name"]) for g in groups] == [
        ("P1", "Abbey Surgery (P1)"),
        ("P2", "Bridge Street Practice (P2)"),
    ]


def test_without_a_lake_the_page_says_so(app, ana, tmp_path):
    saved = app.state.outcomes
    app.state.outcomes = ReportCache(Settings(data_dir=tmp_path), lambda: AS_OF)
    try:
        r = ana.get("/outcomes")
    finally:
        app.state.outcomes = saved
    assert r.status_code == 503 and "no lake" in r.text and "Traceback" not in r.text


def test_who_may_see_the_pages(app):
    for user in ("adm", "cli"):
        c = sign_in(app, user)
        r = c.get("/outcomes")
        assert r.status_code == 200 and 'href="/outcomes">Outcomes</a>' in r.text
    tm = sign_in(app, "tm")
    assert tm.get("/outcomes").status_code == 403
    assert 'href="/outcomes">Outcomes</a>' not in tm.get("/").text
    anonymous = TestClient(app, follow_redirects=False).get("/outcomes")
    assert anonymous.status_code == 303 and "/sign-in" in anonymous.headers["location"]


def test_bad_requests_are_plain_errors(ana):
    r = ana.get("/outcomes/no-such-thing")
    assert r.status_code == 404 and "no outcome indicator" in r.text and "Traceback" not in r.text
    assert ana.get(f"{HBA1C}?by=postcode").status_code == 400
    assert ana.get(f"{HBA1C}?by=practice&group=P9").status_code == 404


def _handmade() -> OutcomesReport:
    """HbA1c with a target of 80%: 48 and 52 alternating for 12 months, one suppressed month, then
    90. Limits 53.1 ± 10.6 (the jump's moving range screened out), so 90 is outside them: special
    cause, an improvement (higher is better), and the target lies above the upper limit."""
    indicator = dataclasses.replace(BY_ID["diabetes-hba1c"], target=80.0)
    span = Span.ending(AS_OF, 14)
    values = [48.0, 52.0] * 6 + [None, 90.0]
    months = [dt.date((span.first + k) // 12, (span.first + k) % 12 + 1, 1) for k in range(14)]
    points = [
        Point(m, None if v is None else 100, None if v is None else 200, v)
        for m, v in zip(months, values, strict=True)
    ]
    series = Series(indicator, "county", "All", points)
    series.chart_it()
    return OutcomesReport(
        AS_OF, span, {("diabetes-hba1c", "county", "All"): series}, {"copd-review": ["copd-review"]}
    )


@pytest.fixture
def handmade(app):
    saved = app.state.outcomes
    app.state.outcomes = ReportCache(app.state.settings, lambda: AS_OF, lambda s, d: _handmade())
    yield
    app.state.outcomes = saved


def test_a_special_cause_is_marked_in_the_chart_the_table_and_the_matrix(ana, handmade):
    row = _row(ana.get("/outcomes").text, "row-diabetes-hba1c")
    assert "Special cause improvement: high" in row and "Will consistently fail the target" in row
    r = ana.get(HBA1C)
    assert r.text.count('data-point="special_cause_improvement"') == 1
    assert 'data-line="target"' in r.text and 'data-line="upper"' in r.text
    table = r.text[r.text.index('data-testid="points"') :]
    cells = re.findall(r'<td class="nhsuk-table__cell">([^<]+)</td>', table)
    assert cells[-1] == "Special cause: improvement" and cells[-2] == "Not charted (suppressed)"
    legend = r.text[r.text.index('data-testid="legend"') :]
    assert "Special cause: concern" in legend and "<svg" in legend  # shapes named in words


def test_an_indicator_the_codelists_cannot_compute_is_listed_with_why(ana, handmade):
    r = ana.get("/outcomes")
    listed = r.text[r.text.index('data-testid="unavailable"') :]
    assert "COPD" in listed or "copd" in listed.lower()
    assert "the codelists lack copd-review" in listed
    assert ana.get("/outcomes/copd-review").status_code == 404
