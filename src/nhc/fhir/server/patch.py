"""JSON Patch (RFC 6902) for FHIR ``PATCH``: the operations ``add``, ``remove``, ``replace`` and
``test`` on JSON Pointer paths (RFC 6901), applied to a copy of a resource.

What a patch may change is the caller's decision (it compares the patched resource with the stored
one); this module only applies it. ``move`` and ``copy`` are refused (422 ``not-supported``); a
malformed patch or a path that does not exist is a 400, a failed ``test`` a 422 (RFC 5789/6902).
"""

from __future__ import annotations

import copy
from typing import Any

from nhc.fhir.server.outcome import FhirError

JSON_PATCH = "application/json-patch+json"
OPERATIONS = ("add", "remove", "replace", "test")


def _pointer(path: object) -> list[str]:
    """A JSON Pointer's reference tokens (``/a/b~1c`` -> ``["a", "b/c"]``)."""
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise FhirError(400, "invalid", f"JSON Patch path {str(path)[:80]!r} is not a JSON Pointer")
    return [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]


def _index(container: list[Any], token: str, path: str, *, insert: bool) -> int:
    if insert and token == "-":
        return len(container)
    if not token.isdigit() or int(token) > len(container) - (0 if insert else 1):
        raise FhirError(400, "invalid", f"JSON Patch path {path[:80]!r}: no such array item")
    return int(token)


def _parent(doc: Any, tokens: list[str], path: str) -> Any:
    for token in tokens[:-1]:
        if isinstance(doc, dict) and token in doc:
            doc = doc[token]
        elif isinstance(doc, list):
            doc = doc[_index(doc, token, path, insert=False)]
        else:
            raise FhirError(400, "invalid", f"JSON Patch path {path[:80]!r} does not exist")
    return doc


def _apply(doc: Any, op: dict[str, Any]) -> None:
    name, path = op.get("op"), op.get("path")
    if name not in OPERATIONS:
        raise FhirError(
            422, "not-supported", f"JSON Patch op {str(name)[:20]!r}: use {', '.join(OPERATIONS)}"
        )
    tokens = _pointer(path)
    if not tokens:
        raise FhirError(400, "invalid", "JSON Patch: the whole resource cannot be replaced")
    if name != "remove" and "value" not in op:
        raise FhirError(400, "invalid", f"JSON Patch {name} {path!r}: value is missing")
    parent, last = _parent(doc, tokens, str(path)), tokens[-1]
    if isinstance(parent, list):
        i = _index(parent, last, str(path), insert=name == "add")
        if name == "add":
            parent.insert(i, op["value"])
        elif name == "remove":
            del parent[i]
        elif name == "replace":
            parent[i] = op["value"]
        elif parent[i] != op["value"]:
            raise FhirError(422, "processing", f"JSON Patch test {path!r} failed")
        return
    if not isinstance(parent, dict) or (name != "add" and last not in parent):
        raise FhirError(400, "invalid", f"JSON Patch path {str(path)[:80]!r} does not exist")
    if name == "remove":
        del parent[last]
    elif name == "test":
        if parent[last] != op["value"]:
            raise FhirError(422, "processing", f"JSON Patch test {path!r} failed")
    else:
        parent[last] = op["value"]


def apply_patch(resource: dict[str, Any], patch: object) -> dict[str, Any]:
    """``resource`` with ``patch`` (a list of operations) applied, all or nothing; ``resource`` is
    not changed."""
    if not isinstance(patch, list) or not all(isinstance(op, dict) for op in patch):
        raise FhirError(400, "invalid", "a JSON Patch is a JSON array of operations ({op, path, value})")
    out = copy.deepcopy(resource)
    for op in patch:
        _apply(out, op)
    return out
