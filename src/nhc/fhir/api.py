"""Where the FHIR API used to live, kept so older imports still work.

The server is :mod:`nhc.fhir.server` (lake and care resources through one table); the HTTP router
is :mod:`nhc.web.fhir`.
"""

from __future__ import annotations

from nhc.fhir.server import FhirError, FhirServer, LakeReader, User

__all__ = ["FhirError", "FhirServer", "LakeReader", "User"]
