"""Diabetes at a glance over HTTP (:mod:`nhc.web.outcomes.glance`) on the 3,000-person county: the
aggregate page for every signed-in role; one person's care processes and the worklist for their
neighbourhood's clinical team only, each person through the one access decision and audited."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import duckdb
import pytest
import sqlalchemy as sa

from nhc.reference.codelists import codes
from nhc.security.models import AuditEvent
from nhc.settings import Settings
from nhc.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PASSWORD = "correct-horse-battery-staple"


def _client(app, username: str):
    from fastapi.testclient import TestClient

    client = TestClient(app, follow_redirects=False)
    tok = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").text).group(1)
    r = client.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": tok})
    assert r.status_code == 303
    return client


@pytest.fixture(scope="module")
def world(county, tmp_path_factory):
    """Clinicians of the neighbourhood with most people on the register and of another; an analyst."""
    db = tmp_path_factory.mktemp("glancedb") / "nhc.sqlite3"
    app = create_app(Settings(data_dir=county, database_url=f"sqlite:///{db}"))
    svc = app.state.insights
    home, away = [
        r[0]
        for r in svc._rows(
            "SELECT neighbourhood FROM pi WHERE age >= 17 AND registers LIKE '%diabetes%' "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"
        )
    ]
    sec = app.state.security
    sec.create_user("home", "Hana Home", "clinician", password=PASSWORD, neighbourhoods=[home])
    sec.create_user("away", "Abe Away", "clinician", password=PASSWORD, neighbourhoods=[away])
    sec.create_user("analyst", "Ada Analyst", "analyst", password=PASSWORD)
    yield {
        "app": app,
        "home": home,
        "away": away,
        "clients": {u: _client(app, u) for u in ("home", "away", "analyst")},
        "lake": county / "lake",
    }
    app.state.security.db.dispose()


def _audit_since(app, after: int) -> list[tuple[str, int | None, str]]:
    with app.state.security.db.unit_of_work() as s:
        rows = s.scalars(sa.select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id))
        return [(e.action, e.patient_id, e.outcome) for e in rows]


def _last_audit(app) -> int:
    with app.state.security.db.unit_of_work() as s:
        return s.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


def _worklist_ids(world) -> list[int]:
    r = world["clients"]["home"].get("/outcomes/diabetes/worklist", params={"neighbourhood": world["home"]})
    assert r.status_code == 200
    return [int(x) for x in re.findall(r'href="/outcomes/diabetes/patients/(\d+)"', r.text)]


def test_the_aggregate_page_shows_the_register_the_indicators_and_links_to_their_charts(world):
    r = world["clients"]["analyst"].get("/outcomes/diabetes", params={"neighbourhood": world["home"]})
    assert r.status_code == 200
    assert f"Diabetes at a glance: {world['home']} neighbourhood" in r.text
    for indicator in ("diabetes-hba1c", "diabetes-all-eight", "diabetes-bp-target", "diabetes-statins"):
        assert f'href="/outcomes/{indicator}"' in r.text
    assert 'data-testid="gaps-imd_quintile"' in r.text and 'data-testid="gaps-ethnicity"' in r.text
    assert "Data as of 31 March 2026" in r.text
    assert "/outcomes/diabetes/worklist" not in r.text  # no list of people offered to an analyst


def test_an_unknown_practice_or_neighbourhood_is_not_found(world):
    client = world["clients"]["analyst"]
    assert client.get("/outcomes/diabetes", params={"practice": "NOPE"}).status_code == 404
    assert client.get("/outcomes/diabetes", params={"neighbourhood": "Atlantis"}).status_code == 404


def test_the_csv_has_one_row_per_indicator_with_the_page_figures(world):
    r = world["clients"]["analyst"].get("/outcomes/diabetes.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    got = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert got[0][0] == "Indicator" and len(got) == 1 + 12
    for row in got[1:]:  # county page: the selection is the county
        assert row[3] == row[4]


def test_the_worklist_lists_only_the_home_neighbourhood_most_missing_first(world):
    r = world["clients"]["home"].get("/outcomes/diabetes/worklist", params={"neighbourhood": world["home"]})
    counts = [int(c) for c in re.findall(r'data-testid="missing-count">(\d)<', r.text)]
    assert counts, "the worklist is empty on the county"
    assert counts == sorted(counts, reverse=True) and all(1 <= c <= 8 for c in counts)
    r = world["clients"]["home"].get(
        "/outcomes/diabetes/worklist",
        params={"neighbourhood": world["home"], "sort": "missing", "dir": "asc"},
    )
    ascending = [int(c) for c in re.findall(r'data-testid="missing-count">(\d)<', r.text)]
    assert ascending == sorted(ascending) and ascending[0] == 1


def test_viewing_the_worklist_audits_every_person_shown(world):
    before = _last_audit(world["app"])
    ids = _worklist_ids(world)
    audit = _audit_since(world["app"], before)
    assert sorted(pid for a, pid, o in audit if a == "view_diabetes_worklist" and o == "success") == sorted(
        ids
    )


def test_the_patient_page_agrees_with_the_lake(world):
    pid = _worklist_ids(world)[0]
    r = world["clients"]["home"].get(f"/outcomes/diabetes/patients/{pid}")
    assert r.status_code == 200
    con = duckdb.connect()
    lake = world["lake"]
    nhs, last = con.execute(
        f"SELECT p.nhs_number, (SELECT max(e.date) FROM read_parquet('{lake}/clinical_events/*.parquet') e "
        "WHERE e.patient_id = p.patient_id AND e.snomed_code IN (SELECT unnest(?)) "
        "AND e.date BETWEEN DATE '2025-01-01' AND DATE '2026-03-31') "
        f"FROM read_parquet('{lake}/patients/*.parquet') p WHERE p.patient_id = ?",
        [list(codes("hba1c")), pid],
    ).fetchone()
    assert f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" in r.text
    row = re.search(r"An HbA1c</th>\s*<td[^>]*>(.*?)</td>", r.text).group(1)
    if last is None:
        assert "Missing" in row
    else:
        assert last.strftime("%d %B %Y").lstrip("0") in row


def test_an_analyst_is_refused_the_patient_page_and_the_worklist(world):
    pid = _worklist_ids(world)[0]
    client = world["clients"]["analyst"]
    before = _last_audit(world["app"])
    assert client.get(f"/outcomes/diabetes/patients/{pid}").status_code == 403
    assert (pid, "denied") in [(p, o) for _, p, o in _audit_since(world["app"], before)]
    params = {"neighbourhood": world["home"]}
    before = _last_audit(world["app"])
    r = client.get("/outcomes/diabetes/worklist", params=params)
    assert r.status_code == 403 and "cannot see information about individual people" in r.text
    assert client.get("/outcomes/diabetes/worklist.csv", params=params).status_code == 403
    assert _audit_since(world["app"], before) == [
        ("view_diabetes_worklist", None, "denied"),
        ("export_diabetes_worklist", None, "denied"),
    ]


def test_a_clinician_of_another_neighbourhood_is_refused_and_audited(world):
    pid = _worklist_ids(world)[0]
    client = world["clients"]["away"]
    before = _last_audit(world["app"])
    r = client.get(f"/outcomes/diabetes/patients/{pid}")
    assert r.status_code == 403 and "Access refused" in r.text
    assert _audit_since(world["app"], before) == [("view_diabetes_care_processes", pid, "denied")]
    before = _last_audit(world["app"])
    r = client.get("/outcomes/diabetes/worklist.csv", params={"neighbourhood": world["home"]})
    assert r.status_code == 403
    audit = _audit_since(world["app"], before)
    assert audit and all(a == "export_diabetes_worklist" and o == "denied" for a, _, o in audit)


def test_the_worklist_csv_is_the_whole_list_each_person_audited_as_an_export(world):
    before = _last_audit(world["app"])
    r = world["clients"]["home"].get(
        "/outcomes/diabetes/worklist.csv", params={"neighbourhood": world["home"]}
    )
    assert r.status_code == 200
    got = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert got and all(1 <= int(row["Care processes missing"]) <= 8 for row in got)
    exported = {pid for a, pid, o in _audit_since(world["app"], before) if a == "export_diabetes_worklist"}
    assert exported == {int(row["Patient id"]) for row in got}


@pytest.mark.parametrize("condition", ["copd", "asthma"])
def test_copd_and_asthma_have_the_same_shape(world, condition):
    review = f"{condition}-review"
    r = world["clients"]["analyst"].get(f"/outcomes/{condition}", params={"neighbourhood": world["home"]})
    assert r.status_code == 200
    assert f'href="/outcomes/{review}"' in r.text and "Treatment targets" not in r.text
    client = world["clients"]["home"]
    before = _last_audit(world["app"])
    r = client.get(f"/outcomes/{condition}/worklist", params={"neighbourhood": world["home"]})
    assert r.status_code == 200
    ids = [int(x) for x in re.findall(rf'href="/outcomes/{condition}/patients/(\d+)"', r.text)]
    assert ids, f"no one with {condition} is missing a review on the county"
    audited = {p for a, p, o in _audit_since(world["app"], before) if a == f"view_{condition}_worklist"}
    assert audited == set(ids)
    r = client.get(f"/outcomes/{condition}/patients/{ids[0]}")
    assert r.status_code == 200 and "Missing" in r.text and "Treatment targets" not in r.text
    assert world["clients"]["away"].get(f"/outcomes/{condition}/patients/{ids[0]}").status_code == 403


def test_a_person_not_on_the_register_is_not_found_after_the_decision(world):
    con = duckdb.connect()
    lake = world["lake"]
    app = world["app"]
    svc = app.state.insights
    pid = svc._rows(
        "SELECT patient_id FROM pi WHERE neighbourhood = ? AND registers NOT LIKE '%diabetes%' ORDER BY 1 LIMIT 1",
        [world["home"]],
    )[0][0]
    assert (
        con.execute(
            f"SELECT count(*) FROM read_parquet('{lake}/patients/*.parquet') WHERE patient_id = ?", [pid]
        ).fetchone()[0]
        == 1
    )
    before = _last_audit(app)
    assert world["clients"]["home"].get(f"/outcomes/diabetes/patients/{pid}").status_code == 404
    assert _audit_since(app, before) == [("view_diabetes_care_processes", pid, "success")]


def _section(html: str, testid: str) -> str:
    """From the element with ``data-testid`` to the end of its table."""
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</table>", start)]


def _cells(tr: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]


def test_the_funnel_lists_every_practice_and_says_why_none_is_plotted(world):
    """On the small county each practice has 7 or fewer people on the register: every practice is
    a row of the funnel's table, marked suppressed, and the chart says there is nothing to plot."""
    r = world["clients"]["analyst"].get("/outcomes/diabetes")
    body = _section(r.text, "funnel").split("<tbody", 1)[1]
    rows = [_cells(tr) for tr in re.findall(r"<tr.*?</tr>", body, re.S)]
    con = duckdb.connect()
    practices = con.sql(
        f"SELECT count(DISTINCT practice_code) FROM read_parquet('{world['lake']}/practice_registrations/*.parquet')"
    ).fetchone()[0]
    assert 2 <= len(rows) <= practices
    assert all(row[-1] == "Suppressed" and row[3] == "suppressed" for row in rows)
    chart = r.text[r.text.index('data-testid="funnel-chart"') :]
    assert chart.startswith('data-testid="funnel-chart"><p class="nhsuk-body">No data to plot')


def test_the_trend_is_the_outcomes_spc_chart_of_the_selection_ending_with_the_page_figure(world):
    r = world["clients"]["analyst"].get("/outcomes/diabetes")
    trend = r.text[r.text.index('data-testid="trend-chart"') :]
    assert trend.index('class="nhc-chart nhc-spc"') < trend.index("</svg>")
    body = _section(r.text, "trend-points").split("<tbody", 1)[1]
    rows = [_cells(tr) for tr in re.findall(r"<tr.*?</tr>", body, re.S)]
    assert len(rows) >= 12 and rows[-1][0] == "March 2026"
    plotted = trend[: trend.index("</svg>")].count("<g data-point=")
    assert plotted == sum(1 for row in rows if row[1] != "suppressed") >= 2
    glance = _section(r.text, "glance")
    row = re.search(r'<tr[^>]*>\s*<th[^>]*><a href="/outcomes/diabetes-all-eight".*?</tr>', glance, re.S)
    all_eight = _cells(row.group(0))
    # the last month's published counts are the care-process table's (the same figures)
    assert rows[-1][2:4] == [all_eight[1], all_eight[2]]
    assert 'href="/outcomes/diabetes-all-eight#chart"' in r.text
    r = world["clients"]["analyst"].get("/outcomes/diabetes", params={"neighbourhood": world["home"]})
    group = quote(world["home"], safe="")
    assert f'href="/outcomes/diabetes-all-eight?by=neighbourhood&amp;group={group}#chart"' in r.text


@pytest.mark.parametrize("condition", ["copd", "asthma"])
def test_copd_and_asthma_glances_chart_their_review(world, condition):
    r = world["clients"]["analyst"].get(f"/outcomes/{condition}")
    assert r.status_code == 200
    assert "had a review in 12 months: each practice against the county" in r.text
    assert 'data-testid="funnel"' in r.text
    trend = r.text[r.text.index('data-testid="trend-chart"') :]
    assert trend.index('class="nhc-chart nhc-spc"') < trend.index("</svg>")
    assert f'href="/outcomes/{condition}-review#chart"' in r.text
