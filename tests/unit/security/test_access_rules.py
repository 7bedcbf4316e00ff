"""The per-person access decision as a rule, without a database: role, then team, then a care
relationship, then break-glass; each look-up made only when the steps before did not decide."""

from __future__ import annotations

import pytest

from nhc.security.access import AccessDecision, decide, list_refusal, read_outcome
from nhc.security.errors import AccessDenied
from nhc.security.roles import Principal, Role, require_role


def _user(role: Role, *teams: str) -> Principal:
    return Principal(7, "someone", "Someone", role, frozenset(teams))


def _must_not_be_asked() -> None:
    raise AssertionError("looked up although the decision was already made")


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMIN])
def test_a_role_that_is_not_clinical_never_sees_a_person(role: Role) -> None:
    decision = decide(
        _user(role, "Banbury"), "Banbury", relationship=_must_not_be_asked, break_glass=_must_not_be_asked
    )
    assert decision == AccessDecision(False, "none", decision.message)
    assert "cannot see information about individual people" in decision.message


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.TEAM_MEMBER])
def test_a_team_member_sees_the_people_of_their_neighbourhood_without_a_look_up(role: Role) -> None:
    decision = decide(
        _user(role, "Banbury", "Bicester"),
        "Bicester",
        relationship=_must_not_be_asked,
        break_glass=_must_not_be_asked,
    )
    assert (decision.allowed, decision.basis) == (True, "neighbourhood")


def test_outside_the_team_a_care_relationship_allows_and_is_the_basis() -> None:
    decision = decide(
        _user(Role.TEAM_MEMBER, "Banbury"),
        "Witney",
        relationship=lambda: "referral",
        break_glass=_must_not_be_asked,
    )
    assert (decision.allowed, decision.basis) == (True, "referral")


def test_without_a_relationship_a_break_glass_grant_allows() -> None:
    decision = decide(
        _user(Role.CLINICIAN, "Banbury"), "Witney", relationship=lambda: None, break_glass=lambda: True
    )
    assert (decision.allowed, decision.basis) == (True, "break-glass")


def test_with_neither_the_answer_is_no_and_says_why() -> None:
    decision = decide(
        _user(Role.CLINICIAN, "Banbury"), "Witney", relationship=lambda: None, break_glass=lambda: False
    )
    assert (decision.allowed, decision.basis) == (False, "none")
    assert decision.message.startswith("You do not have a legitimate relationship with this person")


def test_a_person_of_unknown_neighbourhood_is_judged_on_relationships_only() -> None:
    decision = decide(
        _user(Role.CLINICIAN, "Banbury"), None, relationship=lambda: None, break_glass=lambda: False
    )
    assert not decision.allowed


@pytest.mark.parametrize(
    ("allowed", "found", "clinical", "expected"),
    [
        (True, True, True, "success"),
        (False, True, True, "denied"),
        (False, True, False, "denied"),
        (False, False, True, "not_found"),  # they could have seen them, had they existed
        (False, False, False, "denied"),  # the role could not see anyone anyway
    ],
)
def test_how_a_read_is_audited(allowed: bool, found: bool, clinical: bool, expected: str) -> None:
    assert read_outcome(AccessDecision(allowed, "x"), found=found, clinical=clinical) == expected


def test_a_list_of_people_is_for_members_of_that_neighbourhood_team() -> None:
    assert list_refusal(_user(Role.TEAM_MEMBER, "Banbury"), "Banbury") is None
    assert list_refusal(_user(Role.CLINICIAN, "Banbury"), "Witney") == (
        "You are not a member of the Witney neighbourhood team."
    )
    assert list_refusal(_user(Role.ANALYST, "Banbury"), "Banbury") == (
        "Your role (Analyst) cannot see lists of individual people."
    )


def test_a_page_for_some_roles_refuses_the_others_naming_their_role() -> None:
    require_role(_user(Role.ADMIN), Role.ADMIN, what="the audit log")
    require_role(_user(Role.CLINICIAN), Role.CLINICIAN, Role.TEAM_MEMBER)
    with pytest.raises(
        AccessDenied, match=r"^Your role \(Neighbourhood team member\) cannot see the audit log\.$"
    ):
        require_role(_user(Role.TEAM_MEMBER), Role.ADMIN, what="the audit log")


@pytest.mark.parametrize(
    ("role", "clinical", "may_break_glass"),
    [
        (Role.CLINICIAN, True, True),
        (Role.TEAM_MEMBER, True, False),
        (Role.ANALYST, False, False),
        (Role.ADMIN, False, False),
    ],
)
def test_what_each_role_may_do(role: Role, clinical: bool, may_break_glass: bool) -> None:
    assert (_user(role).is_clinical, _user(role).can_break_glass) == (clinical, may_break_glass)
