"""The one OperationOutcome builder, and the error the FHIR server answers with one.

Severity policy: every OperationOutcome this server sends describes a refused or failed request
(HTTP 4xx or 5xx), so every issue has severity ``error`` — including 5xx, where FHIR's ``fatal``
would add nothing a client can act on. The issue ``code`` follows the HTTP status unless the
caller names a more precise one (``not-supported``, ``invalid``...).
"""

from __future__ import annotations

from typing import Any

FHIR_JSON = "application/fhir+json"

#: The issue code for an HTTP status, when the caller gives none (FHIR R4 IssueType codes).
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    413: "too-costly",
    422: "invalid",
    429: "throttled",
}


class FhirError(Exception):
    """A request the server answers with an OperationOutcome (``status``, issue ``code``, message);
    ``headers`` go on the response (``WWW-Authenticate`` on a 401 or an insufficient scope)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def operation_outcome(status: int, diagnostics: str, code: str | None = None) -> dict[str, Any]:
    """An OperationOutcome for an HTTP ``status`` (4xx or 5xx): one issue, severity ``error``."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": code or ISSUE_CODES.get(status, "exception"),
                "diagnostics": diagnostics,
            }
        ],
    }
