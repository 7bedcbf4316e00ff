"""The FHIR R4 server: lake and care resources through one table and one dispatcher.

* :mod:`~nhc.fhir.server.table`      the table (type -> searchers, parameters) and the sources
* :mod:`~nhc.fhir.server.lake`       searchers over the lake (DuckDB, :mod:`~nhc.fhir.server.reader`)
* :mod:`~nhc.fhir.server.care`       searchers over the care record (the care service's views)
* :mod:`~nhc.fhir.server.params`     search parameters, parsed and checked before any lookup
* :mod:`~nhc.fhir.server.dispatch`   read, search, ``$everything``, ``$care-record``; the access order
* :mod:`~nhc.fhir.server.capability` the CapabilityStatement, generated from the table
* :mod:`~nhc.fhir.server.outcome`    the one OperationOutcome builder (severity policy there)

HTTP is translated by :mod:`nhc.web.fhir`; nothing here knows about requests or responses.
"""

from __future__ import annotations

from nhc.fhir.server.bundle import collection, searchset
from nhc.fhir.server.dispatch import (
    KNOWN_PARAMS,
    SEARCHABLE,
    SYSTEM_USER,
    TABLE,
    FhirServer,
    PatientGuard,
    User,
)
from nhc.fhir.server.outcome import FHIR_JSON, FhirError, operation_outcome
from nhc.fhir.server.params import Search
from nhc.fhir.server.reader import LakeReader
from nhc.fhir.server.table import Sources

__all__ = [
    "FHIR_JSON",
    "KNOWN_PARAMS",
    "SEARCHABLE",
    "SYSTEM_USER",
    "TABLE",
    "FhirError",
    "FhirServer",
    "LakeReader",
    "PatientGuard",
    "Search",
    "Sources",
    "User",
    "collection",
    "operation_outcome",
    "searchset",
]
