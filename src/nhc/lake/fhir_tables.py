"""Compatibility alias for :mod:`nhc.lake.tables.fhir` (import from there in new code)."""

from nhc.lake.tables.fhir import *  # noqa: F403
from nhc.lake.tables.fhir import FHIR_CODINGS, FHIR_RECORD_TYPES, FHIR_TABLES  # noqa: F401
