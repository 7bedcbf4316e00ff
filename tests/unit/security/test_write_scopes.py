"""SMART write scopes: granted only on the operational types (the care record and hub appointments),
and ``may_write`` tells create (``c``) from update (``u``)."""

from __future__ import annotations

import pytest

from nhc.security.oauth import GrantedScopes, ScopeError
from nhc.security.oauth.scopes import parse_scope


@pytest.mark.parametrize(
    "text", ["user/Appointment.write", "system/Appointment.cu", "user/CarePlan.*", "user/*.write"]
)
def test_a_write_scope_on_an_operational_type_is_granted(text):
    assert parse_scope(text).permissions & {"c", "u", "d"}


@pytest.mark.parametrize("text", ["user/Observation.write", "system/Patient.c", "user/Slot.u"])
def test_a_write_scope_on_a_lake_or_timetable_type_is_refused(text):
    with pytest.raises(ScopeError, match="only granted on the operational types"):
        parse_scope(text)


@pytest.mark.parametrize(
    ("scope", "create", "update"),
    [
        ("user/Appointment.write", True, True),
        ("user/Appointment.c", True, False),
        ("system/Appointment.u", False, True),
        ("user/*.write", True, True),
        ("user/*.*", True, True),
        ("user/Appointment.read", False, False),
        ("user/*.read", False, False),
        ("user/CarePlan.write", False, False),
    ],
)
def test_may_write_an_appointment(scope, create, update):
    granted = GrantedScopes.of(scope)
    assert (granted.may_write("Appointment", "c"), granted.may_write("Appointment", "u")) == (create, update)


def test_a_wildcard_write_scope_never_reaches_the_lake():
    assert not GrantedScopes.of("user/*.write").may_write("Observation", "c")
    assert not GrantedScopes.of("user/*.write").may_write("Appointment", "r")
