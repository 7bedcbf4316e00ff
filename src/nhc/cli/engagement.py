"""Engagement commands: ``nhc engagement import`` (staff notes in bulk), ``nhc engagement themes``
(the disclosure-controlled theme counts) and ``nhc engagement demo`` (demonstration comments).

Contract of ``import``: a CSV with the columns ``neighbourhood, channel, received, text`` and optionally
``age_band, imd_quintile, tags`` (tags separated by ``;``). Every row is checked first; a bad row stops
the import with one line naming the file, the line and the field (exit 2) and nothing is written. The
notes are scrubbed and themed exactly like the web form's, and entered by ``--by`` (default: the login).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated

import typer

from nhc.cli.common import DataOption, JsonOption, add_group, console, print_json, services_for
from nhc.engagement.domain import BadField, EngagementSummary
from nhc.engagement.domain.feedback import parse_channel
from nhc.engagement.services import Comment
from nhc.errors import InputError

REQUIRED = ("neighbourhood", "channel", "received", "text")
OPTIONAL = ("age_band", "imd_quintile", "tags")


def _row(row: dict[str, str | None], path: str, line: int) -> Comment:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    try:
        received = dt.date.fromisoformat(cell("received"))
    except ValueError:
        raise InputError(
            f"{cell('received')!r} is not a date",
            file=path,
            line=line,
            field="received",
            hint="e.g. 2026-03-31",
        ) from None
    try:
        channel = parse_channel(cell("channel"))
    except BadField as exc:
        raise InputError(exc.message, file=path, line=line, field="channel", hint=exc.hint) from None
    return Comment(
        neighbourhood=cell("neighbourhood"),
        text=cell("text"),
        channel=channel,
        received=received,
        age_band=cell("age_band") or None,
        imd_quintile=cell("imd_quintile") or None,
        tags=tuple(t for t in cell("tags").split(";") if t.strip()),
    )


def read_notes(path: Path) -> list[Comment]:
    """The notes of ``path``, every row checked as far as the file can be (the service checks the rest)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", file=str(path)) from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            "missing column",
            file=str(path),
            line=1,
            field=missing[0],
            hint=f"columns: {', '.join(REQUIRED + OPTIONAL)}",
        )
    return [_row(row, str(path), n) for n, row in enumerate(reader, start=2)]


def engagement_import(
    path: Annotated[Path, typer.Argument(help="CSV of notes (see `nhc engagement import --help`).")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who entered the notes (default: your login).")
    ] = None,
    data: DataOption = None,
) -> None:
    """Import meeting and survey notes from a CSV: all rows or none."""
    comments = read_notes(path)
    service = services_for(data).engagement
    items = service.import_notes(comments, entered_by=by or getpass.getuser(), file=str(path))
    console.print(f"Imported {len(items)} notes from {path}.")


def _summary_json(summary: EngagementSummary) -> dict:
    return dataclasses.asdict(summary)


def engagement_themes(
    neighbourhood: Annotated[
        str | None, typer.Option("--neighbourhood", "-n", help="One neighbourhood (default: the county).")
    ] = None,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """What people told us: comments per theme, positive and negative (7 or fewer suppressed, others rounded to 5)."""
    summary = services_for(data).engagement.summary(neighbourhood)
    if as_json:
        print_json(_summary_json(summary))
        return
    shown = lambda v: "suppressed" if v is None else str(v)  # noqa: E731
    as_of = summary.as_of.isoformat() if summary.as_of else "no comments yet"
    console.print(f"{neighbourhood or 'County'}: {shown(summary.total)} comments (newest {as_of})")
    for t in summary.themes:
        console.print(
            f"  {t.label}: {shown(t.count)} (positive {shown(t.positive)}, negative {shown(t.negative)})"
        )


def engagement_demo(
    per_neighbourhood: Annotated[
        int, typer.Option("--per-neighbourhood", help="Comments per neighbourhood.")
    ] = 10,
    data: DataOption = None,
) -> None:
    """Add demonstration comments (synthetic, from the labelled set's training rows) if there are none."""
    added = services_for(data).engagement.seed_demo(per_neighbourhood)
    console.print(
        f"Added {added} demonstration comments." if added else "Comments already present; none added."
    )


def register(app: typer.Typer) -> None:
    """Add ``nhc engagement import|themes|demo`` to ``app``."""
    add_group(
        app,
        "engagement",
        "What people tell us: import notes, theme counts, demonstration comments.",
        {"import": engagement_import, "themes": engagement_themes, "demo": engagement_demo},
    )
