"""The wellbeing and equity pages through the whole app: a referral's page with the ONS4 and SWEMWBS
forms (no JavaScript: plain radios and a POST), errors re-showing the form with an error summary,
the change shown; the equity table for analysts with its as-of date, sorting and CSV."""

# ruff: noqa: F811  (pytest fixtures imported from the closed-loop tests, used as arguments)
from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.navigation.test_social_prescribing_pages import (  # noqa: F401  (fixtures)
    _service,
    _signed_in,
    _token,
    app,
)

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
ONS4 = {"life_satisfaction": "4", "worthwhile": "5", "happiness": "5", "anxiety": "8"}


def _accepted(app, c) -> int:
    token = _token(c.get("/social-prescribing").text)
    form = {"csrf_token": token, "patient_id": "101", "service_id": _service(app), "source": "clinician"}
    assert c.post("/social-prescribing/refer", data=form).status_code == 303
    page = c.get("/social-prescribing").text
    referral = int(re.search(r"/social-prescribing/(\d+)/accept", page).group(1))
    assert c.post(f"/social-prescribing/{referral}/accept", data={"csrf_token": token}).status_code == 303
    return referral


def _post(c, referral: int, kind: str, when: str, answers: dict[str, str]):
    token = _token(c.get(f"/social-prescribing/{referral}").text)
    data = {"csrf_token": token, "kind": kind, "timepoint": when, **answers}
    return c.post(f"/social-prescribing/{referral}/wellbeing", data=data)


def test_the_caseload_links_to_the_wellbeing_page_with_both_forms(app):
    c = _signed_in(app, "cli")
    referral = _accepted(app, c)
    assert f'href="/social-prescribing/{referral}"' in c.get("/social-prescribing").text
    page = c.get(f"/social-prescribing/{referral}").text
    assert f'action="/social-prescribing/{referral}/wellbeing"' in page
    assert page.count('type="radio"') == 4 * 11 + 7 * 5  # ONS4 0-10, SWEMWBS 1-5
    assert "Save baseline ONS4" in page and "Save baseline SWEMWBS" in page
    assert "NHS Health Scotland, University of Warwick and University of Edinburgh" in page


def test_missing_answers_reshow_the_form_with_every_error_and_keep_the_others(app):
    c = _signed_in(app, "cli")
    referral = _accepted(app, c)
    r = _post(c, referral, "ons4", "baseline", {"life_satisfaction": "4", "happiness": "12"})
    assert r.status_code == 400
    summary = r.text.split("nhsuk-error-summary__list")[1].split("</ul>")[0]
    assert re.findall(r'href="#([^"]+)"', summary) == ["ons4-worthwhile", "ons4-happiness", "ons4-anxiety"]
    assert 'id="ons4-worthwhile"' in r.text and "nhsuk-form-group--error" in r.text
    assert re.search(
        r'id="ons4-life_satisfaction-4" name="life_satisfaction" type="radio" value="4" checked', r.text
    )


def test_baseline_then_follow_up_shows_the_change(app):
    c = _signed_in(app, "cli")
    referral = _accepted(app, c)
    assert _post(c, referral, "ons4", "baseline", ONS4).status_code == 303
    page = c.get(f"/social-prescribing/{referral}").text
    assert "Save follow-up ONS4" in page and "Save baseline ONS4" not in page
    later = {**ONS4, "life_satisfaction": "7", "anxiety": "3"}
    assert _post(c, referral, "ons4", "follow_up", later).status_code == 303
    page = c.get(f"/social-prescribing/{referral}").text
    change = page.split('data-testid="ons4-change"')[1].split("</ul>")[0]
    assert "how satisfied are you with your life nowadays?: +3 (better)" in change
    assert "how anxious did you feel yesterday?: -5 (better)" in change
    assert "Save follow-up ONS4" not in page


def test_a_second_baseline_is_refused_on_the_page(app):
    c = _signed_in(app, "cli")
    referral = _accepted(app, c)
    _post(c, referral, "ons4", "baseline", ONS4)
    r = _post(c, referral, "ons4", "baseline", ONS4)
    assert r.status_code == 409 and "already recorded" in r.text


def test_an_unknown_referral_is_not_found(app):
    r = _signed_in(app, "cli").get("/social-prescribing/999")
    assert r.status_code == 404 and "there is no referral 999" in r.text


def test_analysts_cannot_open_a_referral(app):
    c = _signed_in(app, "cli")
    referral = _accepted(app, c)
    assert _signed_in(app, "ana").get(f"/social-prescribing/{referral}").status_code == 403


def _lake(app, people: list[dict]) -> None:
    lake = app.state.settings.lake_dir
    (lake / "patient_insights").mkdir(parents=True, exist_ok=True)
    (lake / "patients").mkdir(parents=True, exist_ok=True)
    insights = [{"patient_id": p["patient_id"], "as_of": dt.date(2026, 3, 31), "age_band": p["age_band"],
                 "sex": p["sex"], "imd_quintile": p["imd_quintile"]} for p in people]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(insights), lake / "patient_insights" / "part-0.parquet")
    ethnic = [{"patient_id": p["patient_id"], "ethnicity": p["ethnicity"]} for p in people]
    pq.write_table(pa.Table.from_pylist(ethnic), lake / "patients" / "part-0.parquet")


def _refer_many(app, n: int) -> None:
    """n people of Banbury referred, straight through the service (the page does one at a time)."""
    sp = app.state.social_prescribing
    cli = sp.access.security.sign_in("cli", "correct-horse-battery-staple", "10.0.0.1")[0]
    sp.access.neighbourhood_of = lambda _pid: "Banbury"
    for pid in range(1000, 1000 + n):
        sp.refer(cli, pid, _service(app), source="clinician")


def test_equity_page_for_analysts_with_as_of_suppression_sort_and_csv(app):
    _refer_many(app, 12)
    people = [{"patient_id": p, "age_band": "65-74", "sex": "F" if p < 1010 else "M", "imd_quintile": 1,
               "ethnicity": "White"} for p in range(1000, 1012)]  # fmt: skip
    _lake(app, people)
    c = _signed_in(app, "ana")
    page = c.get("/social-prescribing/equity").text
    assert "ethnic group) as of 31 March 2026" in page and "Referrals as of 2 March 2026" in page
    rows = re.findall(r'<th scope="row" class="nhsuk-table__header">([^<]+)</th>\s*'
                      r'<td class="nhsuk-table__cell nhc-numeric">([^<]+)</td>', page)  # fmt: skip
    table = dict(rows[:5])  # the IMD rows come first
    assert table == {"1": "10", "2": "0 to 7", "3": "0 to 7", "4": "0 to 7", "5": "0 to 7"}
    assert ("Female", "10") in rows and ("Male", "0 to 7") in rows  # 10 women; 2 men suppressed
    by_referred = c.get("/social-prescribing/equity?sort=referred&order=desc").text
    assert 'aria-sort="descending"' in by_referred
    first = re.search(r'<th scope="row" class="nhsuk-table__header">([^<]+)</th>\s*'
                      r'<td class="nhsuk-table__cell nhc-numeric">([^<]+)</td>', by_referred)  # fmt: skip
    assert first.group(2) == "10"
    csv = c.get("/social-prescribing/equity.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert re.search(
        r'filename="social-prescribing-equity-\d{4}-\d{2}-\d{2}\.csv"', csv.headers["content-disposition"]
    )
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Breakdown,Group,People referred,People declined,People helped"
    assert "IMD quintile (1 = most deprived),1,10,suppressed,suppressed" in lines
    assert "Sex,Male,suppressed,suppressed,suppressed" in lines


def test_equity_without_the_analytics_says_so(app):
    page = _signed_in(app, "ana").get("/social-prescribing/equity").text
    assert "the analytics have not been run" in page
