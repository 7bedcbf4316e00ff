"""FHIR R4 interchange: bulk import (NDJSON / Bundles) into the lake, bulk export, and a FHIR API.

* :mod:`nhc.fhir.mapping`    lake rows <-> FHIR resources (one place for the mapping table)
* :mod:`nhc.fhir.ingest`     streaming import with validation, quarantine and an idempotent merge
* :mod:`nhc.fhir.export`     the lake as ``$export``-style NDJSON with a manifest
* :mod:`nhc.fhir.validate`   the hot-path checks and the (slower) ``fhir.resources`` R4 model check
* :mod:`nhc.fhir.quarantine` where rejected resources go, with their reasons
* :mod:`nhc.fhir.server`     the FHIR server: lake and care resources through one table (HTTP: ``nhc.web.fhir``)

The emitted FHIR version is R4 (4.0.1); models are checked with ``fhir.resources.R4B``, the
library's R4-compatible package (the resources used here are unchanged between R4 and R4B).
"""

from __future__ import annotations

FHIR_VERSION = "4.0.1"
