"""CSV downloads (issue 20): every aggregate table the pages show, from the same disclosure-
controlled results (a suppressed cell is "suppressed" in the file too), and a neighbourhood's
worklist for its team, each person in it audited as an export."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from tests.web.test_app import app, sign_in  # noqa: F401  (the app fixture of the web tests)

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")

PAGES = (
    "/",
    "/?dimension=neighbourhood",
    "/pngs",
    "/pngs/11?dimension=imd_quintile",
    "/neighbourhoods",
    "/neighbourhoods/Banbury",
    "/variation?indicator=high_need",
    "/worklists",
)


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_table_on_every_aggregate_page_downloads(app) -> None:  # noqa: F811
    c = sign_in(app, "ana")
    seen = 0
    for url in PAGES:
        page = c.get(url)
        links = re.findall(r'href="([^"]+)" download data-testid="csv"', page.text)
        assert links, f"{url} offers no download"
        for link in links:
            rows = read_csv(c.get(link.replace("&amp;", "&")))
            assert rows, link
            seen += 1
    assert seen >= 12


def test_downloads_carry_the_pages_controlled_figures_and_suppression(app) -> None:  # noqa: F811
    c = sign_in(app, "ana")
    svc = app.state.insights
    breakdown = svc.breakdown("age_band", ())
    rows = read_csv(c.get("/downloads/breakdown.csv?dimension=age_band"))
    assert [r["Category"] for r in rows] == [r["label"] for r in breakdown["rows"]]
    for got, shown in zip(rows, breakdown["rows"], strict=True):
        for column, key in (("People", "total"), ("Lower need", "low"), ("Higher need", "high")):
            assert got[column] == ("suppressed" if shown[key] is None else str(shown[key]))
    assert any(r["Higher need"] == "suppressed" for r in rows)  # the fixture has small cells
    assert all(r["People"] == "suppressed" or int(r["People"]) % 5 == 0 for r in rows)  # rounded to 5
    bands = read_csv(c.get("/downloads/bands.csv"))
    assert [b["People"] for b in bands] == [str(b["count"]) for b in svc.overview(())["bands"]]
    funnel = read_csv(c.get("/downloads/variation.csv?indicator=high_need"))
    assert any(
        r["Compared with the limits"] == "suppressed" and r["Numerator"] == "suppressed" for r in funnel
    )


def test_unknown_tables_and_parameters_are_404(app) -> None:  # noqa: F811
    c = sign_in(app, "ana")
    assert c.get("/downloads/secrets.csv").status_code == 404
    assert c.get("/downloads/breakdown.csv?dimension=postcode").status_code == 404
    assert c.get("/downloads/registers.csv?name=Atlantis").status_code == 404
    assert sign_in(app, "ana").get("/downloads/bands.csv").status_code == 200
    from fastapi.testclient import TestClient

    assert TestClient(app, follow_redirects=False).get("/downloads/bands.csv").status_code in (303, 401)


def test_worklist_download_is_for_the_team_and_audits_every_person(app) -> None:  # noqa: F811
    cli = sign_in(app, "cli")
    page = cli.get("/worklists/Banbury")
    link = re.search(r'href="([^"]+)" download data-testid="csv"', page.text).group(1)
    rows = read_csv(cli.get(link))
    expected = app.state.insights.worklist("Banbury")
    assert [int(r["Patient id"]) for r in rows] == [r["patient_id"] for r in expected]
    with app.state.security.db.engine.connect() as con:
        audited = con.execute(
            sa.text(
                "SELECT patient_id FROM audit_events WHERE action = 'export_worklist' AND outcome = 'success'"
            )
        ).scalars()
        assert sorted(audited) == sorted(r["patient_id"] for r in expected)
    assert sign_in(app, "ana").get("/downloads/worklists/Banbury.csv").status_code == 403
    assert cli.get("/downloads/worklists/Witney.csv").status_code == 403
    assert sign_in(app, "adm").get("/downloads/worklists/Banbury.csv").status_code == 403
