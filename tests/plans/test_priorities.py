"""Agreeing a neighbourhood's priorities, on SQLite and PostgreSQL: each agreement is a new version
with its rows, who agreed it and when; earlier versions stay readable; only the neighbourhood's lead
may agree; the agreement and a refusal are audited; the starter set seeds each neighbourhood once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from nhc.db import Database
from nhc.insights.service import NotFound
from nhc.plans.domain import BadPriority, Priority, Status
from nhc.plans.services import PlansService
from nhc.plans.starter import STARTER
from nhc.security.roles import Principal, Role
from nhc.security.service import AccessDenied, SecurityService

NOW = dt.datetime(2026, 4, 1, 9, 30)
PASSWORD = "correct-horse-battery-staple"


class FakeInsights:
    """The two calls the priorities make of the insights service."""

    def geography(self) -> dict:
        return {"neighbourhoods": {"Banbury": "North", "Bicester": "North"}, "localities": {"North": []}}

    def check_neighbourhood(self, name: str) -> str:
        if name not in self.geography()["neighbourhoods"]:
            raise NotFound(f"there is no neighbourhood called {name!r}")
        return name


@dataclass
class Access:
    lead: bool


class FakeTeam:
    """The care record's rule: team members marked as lead (here, by user id)."""

    def __init__(self, leads: set[int]) -> None:
        self.leads = leads

    def list_staff(self, neighbourhood: str | None = None) -> list:
        return []

    def team_access(self, principal: Principal, neighbourhood: str) -> Access:
        return Access(principal.user_id in self.leads)


@pytest.fixture
def setup(db_url: str):
    db = Database(db_url)
    db.upgrade()
    security = SecurityService(db)
    lead = security.create_user(
        "lee", "Lee Lead", "team_member", password=PASSWORD, neighbourhoods=["Banbury"]
    )
    member = security.create_user(
        "tam", "Tam Member", "team_member", password=PASSWORD, neighbourhoods=["Banbury"]
    )
    analyst = security.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    admin = security.create_user("adm", "Adm Admin", "admin", password=PASSWORD)
    svc = PlansService(db, FakeInsights(), security=security, clock=lambda: NOW, team=FakeTeam({lead.id}))

    def principal(user, role: Role, nbs=("Banbury",)) -> Principal:
        return Principal(user.id, user.username, user.display_name, role, frozenset(nbs))

    yield {
        "svc": svc,
        "security": security,
        "lead": principal(lead, Role.TEAM_MEMBER),
        "member": principal(member, Role.TEAM_MEMBER),
        "analyst": principal(analyst, Role.ANALYST, ()),
        "admin": principal(admin, Role.ADMIN, ()),
    }
    db.dispose()


def test_each_agreement_is_a_new_version_and_earlier_versions_stay_readable(setup) -> None:
    svc, lead = setup["svc"], setup["lead"]
    first = svc.agree(lead, "Banbury", [Priority("Access hubs", themes=("access",))], "agreed at the PPG")
    second = svc.agree(
        lead,
        "Banbury",
        [Priority("Access hubs", status=Status.DONE), Priority("Frailty pathway", what="Support at home")],
    )
    assert (first.number, second.number) == (1, 2)
    assert svc.current("Banbury").rows == second.rows
    old = svc.version("Banbury", 1)
    assert [r.activity for r in old.rows] == ["Access hubs"]
    assert old.rows[0].themes == ("access",)
    assert (old.agreed_by, old.agreed_at, old.note) == ("Lee Lead", NOW, "agreed at the PPG")
    history = svc.history("Banbury")
    assert [(v.number, v.rows, v.agreed_by) for v in history] == [(2, 2, "Lee Lead"), (1, 1, "Lee Lead")]
    assert svc.current("Bicester") is None


def test_only_the_neighbourhood_lead_may_agree_and_a_refusal_is_audited(setup) -> None:
    svc = setup["svc"]
    assert svc.can_edit(setup["lead"], "Banbury")
    assert not svc.can_edit(setup["lead"], "Bicester")  # not their neighbourhood
    for who in ("member", "analyst", "admin"):
        assert not svc.can_edit(setup[who], "Banbury")
        with pytest.raises(AccessDenied):
            svc.agree(setup[who], "Banbury", [Priority("Access hubs")])
    assert svc.current("Banbury") is None
    events, _ = setup["security"].audit_events(setup["admin"], action="plan_priorities_agreed")
    assert sorted(e.outcome for e in events) == ["denied", "denied", "denied"]


def test_an_agreement_is_audited_with_its_version(setup) -> None:
    setup["svc"].agree(setup["lead"], "Banbury", [Priority("Access hubs")])
    events, _ = setup["security"].audit_events(setup["admin"], action="plan_priorities_agreed")
    assert [(e.username, e.outcome, e.resource) for e in events] == [("lee", "success", "plan:Banbury:v1")]


def test_bad_rows_and_unknown_neighbourhoods_are_refused_and_nothing_is_stored(setup) -> None:
    svc, lead = setup["svc"], setup["lead"]
    with pytest.raises(BadPriority):
        svc.agree(lead, "Banbury", [])
    with pytest.raises(NotFound):
        svc.agree(lead, "Atlantis", [Priority("Access hubs")])
    assert svc.history("Banbury") == []


def test_the_starter_set_seeds_each_neighbourhood_once(setup) -> None:
    svc = setup["svc"]
    svc.agree(setup["lead"], "Banbury", [Priority("Our own")])
    assert svc.seed_starter() == 1  # Bicester only: Banbury has its own
    assert svc.seed_starter() == 0
    assert svc.current("Bicester").rows == STARTER
    assert [r.activity for r in svc.current("Banbury").rows] == ["Our own"]


def test_you_said_we_did_without_engagement_lists_every_theme_with_the_actions_answering_it(setup) -> None:
    svc = setup["svc"]
    svc.agree(
        setup["lead"], "Banbury", [Priority("Access hubs", status=Status.IN_PROGRESS, themes=("access",))]
    )
    total, answers = svc.you_said_we_did("Banbury")
    assert total == 0
    by_theme = {a.theme: a for a in answers}
    assert len(by_theme) == 8
    assert [p.activity for p in by_theme["access"].actions] == ["Access hubs"]
    assert by_theme["empathy"].actions == ()
