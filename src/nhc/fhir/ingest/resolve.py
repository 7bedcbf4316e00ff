"""Resolving: staged patients matched to the lake, and every subject reference to a lake patient id.

Runs in the DuckDB session of :mod:`nhc.fhir.ingest.duck` over the ``s_*`` staging views and the
``lake_*`` views, and leaves these tables for the merge:

* ``assigned``: one row per incoming patient (the last one read per match key wins: the NHS number,
  or for a Patient without one its local key) with its ``patient_id``: the lake's, for a match key
  the lake has (``existing_id`` set); else the
  resource's own numeric id when no lake patient and no other incoming patient has it; else the
  next free id, in the order read.
* ``r_events``, ``r_medications``, ``r_encounters``, ``r_episodes``, ``r_codings``: the staged
  rows with ``patient_id`` (null when the subject is neither in this input nor in the lake; those
  resources are moved from accepted to quarantined, with their raw text read back).
* ``r_resources``: the whole resources to store (``_seq``, ``patient_id``), one per type and id
  (the last one read): every resource of a projected type whose patient resolved, and every
  resource of a type that is stored only (its ``patient_id`` null when it names no known patient).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from nhc.fhir.ingest.duck import scalar
from nhc.fhir.ingest.read import read_records
from nhc.fhir.ingest.results import TypeCounts
from nhc.fhir.mapping import MODELLED
from nhc.fhir.quarantine import Quarantine

#: Staging tables whose rows name a patient by a ``subject`` key.
SUBJECT_STAGES = ("events", "medications", "encounters", "episodes", "codings")


@dataclass(frozen=True)
class Resolved:
    patients_new: int
    patients_matched: int
    patients_without_nhs_number: int = 0


def resolve(con: Any, files: list[str], counts: dict[str, TypeCounts], quarantine: Quarantine) -> Resolved:
    """Assign patient ids, resolve every subject, quarantine the unresolved (see the module doc)."""
    _assign_patients(con)
    _key_map(con)
    for stage in SUBJECT_STAGES:
        con.execute(f"""
            CREATE TABLE r_{stage} AS
            SELECT s.*, k.patient_id FROM s_{stage} s LEFT JOIN keymap k ON s.subject = k.key""")
    _quarantine_unresolved(con, files, counts, quarantine)
    _whole_resources(con)
    return Resolved(
        patients_new=scalar(con, "SELECT count(*) FROM assigned WHERE existing_id IS NULL"),
        patients_matched=scalar(con, "SELECT count(*) FROM assigned WHERE existing_id IS NOT NULL"),
        patients_without_nhs_number=scalar(con, "SELECT count(*) FROM assigned WHERE nhs_number = ''"),
    )


def _assign_patients(con: Any) -> None:
    """Patients: one per match key (the last one read wins), matched to the lake by NHS number, or by the
    local key of a patient the lake holds without one."""
    con.execute("""
        CREATE TABLE inc_p AS SELECT * FROM s_patients
        QUALIFY row_number() OVER (PARTITION BY match_key ORDER BY _seq DESC) = 1""")
    con.execute("""
        CREATE TABLE lake_keys AS
        SELECT 'nhs:' || nhs_number AS match_key, min(patient_id) AS patient_id FROM lake_patients
        WHERE nhs_number <> '' GROUP BY ALL
        UNION ALL SELECT local_key, min(patient_id) FROM lake_fhir_local_patients GROUP BY ALL""")
    con.execute("""
        CREATE TABLE m_p AS
        SELECT i.*, e.patient_id AS existing_id,
               CASE WHEN regexp_full_match(i.id, '[1-9][0-9]{0,17}') THEN TRY_CAST(i.id AS BIGINT) END AS num_id
        FROM inc_p i LEFT JOIN lake_keys e USING (match_key)""")
    con.execute("""
        CREATE TABLE free_p AS
        SELECT match_key, num_id FROM m_p
        WHERE existing_id IS NULL AND num_id IS NOT NULL
          AND num_id NOT IN (SELECT patient_id FROM lake_patients)
        QUALIFY count(*) OVER (PARTITION BY num_id) = 1""")
    con.execute("""
        CREATE TABLE assigned AS
        WITH base AS (
            SELECT m_p.*, f.num_id AS free_id FROM m_p LEFT JOIN free_p f USING (match_key)),
        top AS (
            SELECT greatest(coalesce((SELECT max(patient_id) FROM lake_patients), 0),
                            coalesce((SELECT max(num_id) FROM free_p), 0)) AS top)
        SELECT base.*, coalesce(existing_id, free_id,
               (SELECT top FROM top) + row_number() OVER (
                   PARTITION BY existing_id IS NULL AND free_id IS NULL ORDER BY _seq)) AS patient_id
        FROM base""")


def _key_map(con: Any) -> None:
    """Every way a resource may name a patient -> patient_id (this input's keys first, then the lake's)."""
    con.execute("""
        CREATE TABLE keymap AS
        SELECT key, patient_id FROM (
            SELECT k.key, a.patient_id, 0 AS prio, k._seq FROM s_keys k JOIN assigned a USING (match_key)
            UNION ALL SELECT match_key, patient_id, 1, 0 FROM lake_keys
            UNION ALL SELECT 'Patient/' || patient_id, patient_id, 2, 0 FROM lake_patients)
        QUALIFY row_number() OVER (PARTITION BY key ORDER BY prio, _seq DESC) = 1""")


def _whole_resources(con: Any) -> None:
    """``r_resources``: which staged whole resources to store, with their patient (keys only: the
    JSON is read once, when the lake table is written)."""
    projected = ", ".join(f"'{t}'" for t in sorted(MODELLED))
    con.execute(f"""
        CREATE TABLE r_resources AS
        -- the few (type, id)s sent more than once, with the one read last (cheaper than a window)
        WITH dup AS (SELECT rtype, id, max(_seq) AS last FROM s_resources GROUP BY rtype, id HAVING count(*) > 1)
        SELECT s._seq, coalesce(a.patient_id, k.patient_id) AS patient_id
        FROM (SELECT _seq, rtype, id, subject FROM s_resources) s
        LEFT JOIN dup d ON s.rtype = d.rtype AND s.id = d.id
        LEFT JOIN keymap k ON s.subject = k.key
        -- an equi-join on both columns: a constant in the ON clause makes DuckDB plan a slow join
        LEFT JOIN (SELECT 'Patient' AS rtype, match_key, patient_id FROM assigned) a
          ON s.rtype = a.rtype AND s.subject = a.match_key
        WHERE (d.last IS NULL OR s._seq = d.last)
          AND (s.rtype NOT IN ({projected}) OR coalesce(a.patient_id, k.patient_id) IS NOT NULL)""")


def _quarantine_unresolved(
    con: Any, files: list[str], counts: dict[str, TypeCounts], quarantine: Quarantine
) -> None:
    rows = con.execute("""
        WITH failed AS (SELECT key, min(why) AS why FROM s_failed_keys GROUP BY key)
        SELECT DISTINCT u._file, u._line, u._entry, u.rtype, u.subject, f.why FROM (
            SELECT _file, _line, _entry, rtype, subject FROM r_events WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, rtype, subject FROM r_medications WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, 'Encounter', subject FROM r_encounters WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, 'EpisodeOfCare', subject FROM r_episodes WHERE patient_id IS NULL
            UNION ALL SELECT _file, _line, _entry, rtype, subject FROM r_codings WHERE patient_id IS NULL) u
        LEFT JOIN failed f ON f.key = u.subject
        ORDER BY u._file, u._line, u._entry""").fetchall()
    if not rows:
        return
    raw = read_records(files, {(f, ln, e) for f, ln, e, _t, _s, _w in rows})
    for f, ln, e, rtype, subject, why in rows:
        text = raw.get((f, ln, e))
        c = counts[rtype]
        c.accepted -= 1
        c.quarantined += 1
        fld = "patient" if rtype in ("AllergyIntolerance", "EpisodeOfCare") else "subject"
        quarantine.add(
            file=files[f],
            line=ln,
            entry=None if e < 0 else e,
            resource_type=rtype,
            resource_id=_resource_id(text),
            field=fld,
            reason=f"patient {subject!r} was quarantined ({why})"
            if why
            else f"patient {subject!r} is neither in this input nor in the lake",
            raw=text,
        )


def _resource_id(text: str | None) -> str | None:
    """The ``id`` of a resource read back as text (``None`` when it has none or cannot be parsed)."""
    try:
        rid = orjson.loads(text).get("id") if text else None
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return rid if isinstance(rid, str) else None
