"""The FHIR API's HTTP side: the router (:mod:`nhc.web.fhir.router`) and its dependency seams."""

from __future__ import annotations

from nhc.web.fhir.deps import get_current_user, get_server
from nhc.web.fhir.router import (
    base_url,
    error_response,
    fhir_response,
    outcome_response,
    router,
)

__all__ = [
    "base_url",
    "error_response",
    "fhir_response",
    "get_current_user",
    "get_server",
    "outcome_response",
    "router",
]
