"""The hub utilisation dashboard through the whole app: by practice, type and channel, the
day-by-hour heatmap (shares as text in every cell), missed appointments, time to the third free
appointment, the weekly SPC chart with its figures, sorting by header links, and every table as CSV.
The expected figures are counted here from the bookings the test makes, not by the dashboard's code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from nhc.access.domain import ServiceType
from nhc.access.services import SlotQuery
from nhc.access.unit_of_work import AccessUnitOfWork
from tests.access.conftest import NOW
from tests.access.web_support import access_app, signed_in, token

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient")
PERIOD = "date-day=2&date-month=3&date-year=2026&weeks=2"
SAT_GP = "hub-banbury-gp-1-202603070900"  # Saturday 7 March, 09:00, GP, in person


@pytest.fixture
def app(tmp_path):
    application = access_app(f"sqlite:///{tmp_path / 'nhc.sqlite3'}", tmp_path)
    nav = signed_in(application, "nav")
    page = nav.get(f"/access/slots/{SAT_GP}/book").text
    r = nav.post(f"/access/slots/{SAT_GP}/book", data={"csrf_token": token(page), "patient_id": "1", "practice_code": "K1"})  # fmt: skip
    assert r.status_code == 303
    yield application
    application.state.security.db.dispose()


@pytest.fixture
def ana(app):
    return signed_in(app, "ana")


def _table(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</table>")[0]


def _row(table: str, label: str) -> list[str]:
    row = table.split(f">{label}<")[1].split("</tr>")[0]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _csv(client, name: str) -> list[dict[str, str]]:
    r = client.get(f"/access/utilisation.csv?{PERIOD}&table={name}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.text)))


def test_practice_role_and_channel_tables(app, ana):
    page = ana.get(f"/access/utilisation?{PERIOD}").text
    assert _row(_table(page, "practice-table"), "K1")[:2] == ["Banbury access hub", "1"]
    assert _row(_table(page, "practice-table"), "K2")[1] == "0"
    gp = _row(_table(page, "role-table"), "GP")
    assert gp[0] == "1" and int(gp[1]) > 0
    assert _row(_table(page, "channel-table"), "In person")[0] == "1"
    assert {r["type"]: r["booked_slots"] for r in _csv(ana, "role")}["GP"] == "1"
    assert {r["practice"]: r["booked_slots"] for r in _csv(ana, "practice")} == {
        "K1": "1",
        "K2": "0",
        "K3": "0",
    }


def test_the_heatmap_gives_each_cell_as_text(app, ana):
    with AccessUnitOfWork(app.state.access.db) as uow:  # both Saturdays of the period, 09:00 to 10:00
        at_nine = [
            r
            for day in (7, 14)
            for r in uow.repo.slot_records(dt.datetime(2026, 3, day, 9), dt.datetime(2026, 3, day, 10))
            if r.status.value in ("free", "busy")
        ]
    page = ana.get(f"/access/utilisation?{PERIOD}").text
    heat = _table(page, "heatmap")
    assert "<caption" in heat and ">Saturday<" in heat and ">Monday<" in heat
    cell = re.search(r'data-cell="Sat 09:00">(.*?)</td>', heat, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", cell)
    assert f"1 of {len(at_nine)}" in text and text.startswith(f"{100 / len(at_nine):.0f}%")
    assert 'data-cell="Sun 18:00">–<span class="nhsuk-u-visually-hidden">no appointments offered' in heat
    rows = {(r["weekday"], r["hour"]): r for r in _csv(ana, "heatmap")}
    assert rows[("Saturday", "09:00")]["booked_slots"] == "1"
    assert int(rows[("Saturday", "09:00")]["free_slots"]) == len(at_nine) - 1


def test_missed_appointments_count_only_those_that_have_happened(app, ana):
    assert (
        "None of the appointments in these weeks has taken place yet"
        in ana.get(f"/access/utilisation?{PERIOD}").text
    )
    with AccessUnitOfWork(app.state.access.db) as uow:
        [(appointment, slot)] = uow.repo.appointments_between(
            dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1)
        )
        appointment.no_show(slot, now=dt.datetime(2026, 3, 7, 10))
        uow.repo.save_appointment(appointment)
    later = app.state.access
    app.state.access = type(later)(later.db, clock=lambda: dt.datetime(2026, 3, 7, 12), security=later.access.security)  # fmt: skip
    dna = ana.get(f"/access/utilisation?{PERIOD}").text.split('data-testid="dna">')[1].split("</p>")[0]
    assert dna.startswith(
        "Of the 1 appointments in these weeks that have taken place, 1 (100.0%) were missed"
    )


def test_days_to_the_third_free_appointment(app, ana):
    found = app.state.access.search(SlotQuery(hub_id="hub-banbury", service_type=ServiceType.GP, limit=3))
    third = sorted(s.start for s, _ in found)[2]
    expected = (third - NOW).total_seconds() / 86400
    page = ana.get(f"/access/utilisation?{PERIOD}").text
    table = _table(page, "third-next")
    banbury_gp = table.split(">Banbury access hub<")
    days = next(_row(">Banbury access hub<" + part, "Banbury access hub") for part in banbury_gp[1:] if ">GP<" in part.split("</tr>")[0])  # fmt: skip
    assert days == ["GP", f"{expected:.1f}"]
    rows = {(r["hub"], r["type"]): r for r in _csv(ana, "third-next")}
    assert float(rows[("Banbury access hub", "GP")]["days_to_third_next_available"]) == pytest.approx(
        expected, abs=0.01
    )


def test_the_weekly_spc_chart_and_its_figures(app, ana):
    page = ana.get(f"/access/utilisation?{PERIOD}").text
    svg = page.split('data-testid="spc-chart">')[1].split("</svg>")[0]
    assert 'role="img"' in svg and "<title>Share of hub appointments booked, week by week</title>" in svg
    assert ">Week starting</text>" in svg and ">Month</text>" not in svg
    assert svg.count("data-point=") == 2
    weekly = _table(page, "weekly")
    assert ">2 March 2026<" in weekly and ">9 March 2026<" in weekly
    with AccessUnitOfWork(app.state.access.db) as uow:
        first_week = uow.repo.slot_records(dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 9))
    offered = sum(1 for r in first_week if r.status.value in ("free", "busy"))
    assert _row(weekly, "2 March 2026")[0] == f"{100 / offered:.1f}%"
    assert [r["week_starting"] for r in _csv(ana, "weekly")] == ["2026-03-02", "2026-03-09"]


def test_tables_sort_by_their_header_links(ana):
    page = ana.get(f"/access/utilisation?{PERIOD}&sort=role.booked&dir=desc").text
    roles = re.findall(
        r'<th scope="row" class="nhsuk-table__header">([^<]+)</th>', _table(page, "role-table")
    )
    assert roles[0] == "GP"
    assert 'aria-sort="descending"' in _table(page, "role-table")
    assert 'aria-sort="descending"' not in _table(page, "utilisation")


def test_an_unknown_csv_table_is_refused(ana):
    r = ana.get(f"/access/utilisation.csv?{PERIOD}&table=people")
    assert r.status_code == 400 and "Choose a table" in r.text
