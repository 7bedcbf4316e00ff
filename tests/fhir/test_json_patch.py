"""JSON Patch (RFC 6902) for FHIR PATCH: add, remove, replace and test on JSON Pointer paths, all or
nothing, the original untouched; what it cannot do is refused with the FHIR status."""

from __future__ import annotations

import pytest

from nhc.fhir.server import FhirError
from nhc.fhir.server.patch import apply_patch

DOC = {"status": "booked", "slot": [{"reference": "Slot/a"}], "a/b": {"~": 1}}


def test_replace_a_member():
    out = apply_patch(DOC, [{"op": "replace", "path": "/status", "value": "cancelled"}])
    assert out["status"] == "cancelled" and DOC["status"] == "booked"


def test_add_remove_and_escaped_pointers():
    out = apply_patch(
        DOC,
        [
            {"op": "add", "path": "/cancelationReason", "value": {"text": "better"}},
            {"op": "add", "path": "/slot/-", "value": {"reference": "Slot/b"}},
            {"op": "remove", "path": "/slot/0"},
            {"op": "replace", "path": "/a~1b/~0", "value": 2},
        ],
    )
    assert out == {"status": "booked", "slot": [{"reference": "Slot/b"}], "a/b": {"~": 2}, "cancelationReason": {"text": "better"}}  # fmt: skip


def test_a_passing_test_op_lets_the_patch_apply_and_a_failing_one_stops_it():
    ok = [
        {"op": "test", "path": "/status", "value": "booked"},
        {"op": "replace", "path": "/status", "value": "x"},
    ]
    assert apply_patch(DOC, ok)["status"] == "x"
    with pytest.raises(FhirError) as failed:
        apply_patch(DOC, [{"op": "test", "path": "/status", "value": "arrived"}])
    assert failed.value.status == 422


@pytest.mark.parametrize(
    ("patch", "status"),
    [
        ({"op": "replace"}, 400),  # not an array
        ([{"op": "replace", "path": "/missing", "value": 1}], 400),
        ([{"op": "replace", "path": "status", "value": 1}], 400),  # not a pointer
        ([{"op": "replace", "path": "/slot/5", "value": 1}], 400),
        ([{"op": "replace", "path": "/status"}], 400),  # no value
        ([{"op": "replace", "path": "", "value": {}}], 400),  # the whole resource
        ([{"op": "move", "from": "/status", "path": "/x"}], 422),
    ],
)
def test_what_cannot_be_applied_is_refused(patch, status):
    with pytest.raises(FhirError) as refused:
        apply_patch(DOC, patch)
    assert refused.value.status == status
