"""Bulk FHIR R4 import: NDJSON (``$export`` output, optionally gzipped) and Bundles into the lake.

How a run goes, one module a step:

1. **Read** (:mod:`.read`, :mod:`.chunks`). Files are read a line at a time (a line longer than
   ``max_line_bytes`` is skipped in pieces, never held whole) and parsed with ``orjson``; large
   NDJSON files are split into line-aligned chunks read by worker processes (:mod:`.workers`).
2. **Stage** (:mod:`.stage`). Each resource is checked by the hand-written readers in
   :mod:`nhc.fhir.mapping`; accepted rows go, in batches, to staging Parquet files, and the accepted
   resource itself, whole, to a staging Arrow file (:mod:`.whole`); rejects go to the quarantine with
   file, line, field and reason. A valid FHIR R4 resource of a type the lake does not project
   (Immunization, Claim, Organization, ...) is stored whole only; a name that is not an R4 type is
   quarantined. Memory does not grow with the input.
3. **Resolve** (:mod:`.resolve`). Patients are matched to the lake by NHS number (new ones keep
   their numeric id when it is free, else get the next id); every subject reference
   (``Patient/<id>``, a Bundle's ``urn:uuid:``, or an NHS number identifier) is resolved by a join
   in DuckDB (:mod:`.duck`). Resources whose patient cannot be found are quarantined here.
4. **Merge** (:mod:`.merge`). Each lake table is merged with the incoming rows by its natural key,
   so running the same input twice changes nothing; the whole resources go to ``fhir_resources``
   (by type and id), which the export gives back. Changed tables are written through
   :func:`nhc.lake.store.update_lake`: a staging copy of the lake (unchanged tables hard-linked,
   byte for byte) swapped in with renames. A run that fails, or that accepts nothing, leaves the
   lake exactly as it was.

:func:`ingest_fhir` (:mod:`.run`) runs the steps and returns an :class:`IngestResult`.
"""

from nhc.fhir.ingest.chunks import Chunk, plan_chunks
from nhc.fhir.ingest.read import DEFAULT_MAX_LINE_BYTES, input_files
from nhc.fhir.ingest.results import IngestResult, TypeCounts
from nhc.fhir.ingest.run import ingest_fhir

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "Chunk",
    "IngestResult",
    "TypeCounts",
    "ingest_fhir",
    "input_files",
    "plan_chunks",
]
