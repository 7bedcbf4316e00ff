"""Navigation commands: ``nhc navigate`` (the navigator), ``nhc directory`` (the community asset
directory: load the synthetic county, import and export Open Referral UK JSON, set capacity) and
``nhc social-prescribing clock`` (the 14-day clock, to run from cron).

Contract of ``nhc navigate``: with ``--json`` it reads the request JSON on standard input and prints
the response JSON (the same bodies as ``POST /api/navigate``); ``--reasons --json`` prints the reasons
list with the red flags each asks about. A bad request (unknown reason, impossible age, unknown
practice...) prints one line naming the field and the allowed values on standard error and exits 2.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from nhc.cli.common import DataOption, add_commands, add_group, console, print_json, services_for
from nhc.errors import NhcError
from nhc.navigation.services import NavigationService, uk_now


def _service(data: Path | None) -> NavigationService:
    return services_for(data).navigation


def _request_from_stdin() -> Any:
    try:
        return json.loads(sys.stdin.read() or "null")
    except json.JSONDecodeError as exc:
        raise NhcError(
            f"request: not valid JSON ({exc.msg} at line {exc.lineno})", hint="send a JSON object"
        ) from None


def _print_answer(answer: dict[str, Any]) -> None:
    console.print(f"[bold]{answer['disposition']}[/] (within {answer['timeframe_minutes']} minutes)")
    for line in answer["explanation"]:
        console.print(f"  - {line}")
    for s in answer["services"]:
        distance = f"{s['distance_km']} km, " if s["distance_km"] is not None else ""
        console.print(
            f"  * {s['name']}: {distance}open {s['opens']}-{s['closes']} on {s['date']}, phone {s['phone']}"
        )
    console.print(answer["safety_net"])
    for line in answer["alternatives"]:
        console.print(f"  > {line}")


def navigate(
    as_json: Annotated[
        bool, typer.Option("--json", help="Read the request JSON on stdin; print JSON.")
    ] = False,
    reasons: Annotated[bool, typer.Option("--reasons", help="List the reasons and their red flags.")] = False,
    age: Annotated[int | None, typer.Option("--age", help="Age in whole years.")] = None,
    sex: Annotated[str | None, typer.Option("--sex", help="female, male, other or unknown.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="A reason id (see --reasons).")] = None,
    red_flag: Annotated[
        list[str] | None, typer.Option("--red-flag", help="A red flag answered yes (repeatable).")
    ] = None,
    when: Annotated[str | None, typer.Option("--when", help="ISO date-time (default: now).")] = None,
    practice_code: Annotated[str | None, typer.Option("--practice-code")] = None,
    small_area: Annotated[str | None, typer.Option("--small-area")] = None,
    postcode: Annotated[str | None, typer.Option("--postcode")] = None,
    data: DataOption = None,
) -> None:
    """Send a person to the most appropriate service: a disposition, two services open in time, why,
    what to do if it gets worse, and a phone or face-to-face alternative."""
    service = _service(data)
    if reasons:
        _print_reasons(service.reasons(), as_json)
        return
    if as_json:
        body = _request_from_stdin()
    else:
        fields = {"age": age, "sex": sex, "reason": reason, "red_flags": red_flag or [], "when": when,
                  "practice_code": practice_code, "small_area": small_area, "postcode": postcode}  # fmt: skip
        body = {k: v for k, v in fields.items() if v is not None}
    answer = service.navigate(body, asked_by=f"cli:{getpass.getuser()}", channel="cli")
    if as_json:
        print(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        _print_answer(answer)


def _print_reasons(listed: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"reasons": listed}, indent=2, ensure_ascii=False))
        return
    for r in listed:
        console.print(f"[bold]{r['id']}[/] {r['label']}: " + ", ".join(f["id"] for f in r["red_flags"]))


def directory_synth(data: DataOption = None) -> None:
    """Replace the directory with the synthetic Oxfordshire one (approximate locations)."""
    count = _service(data).load_synthetic()
    console.print(f"{count} services loaded (synthetic Oxfordshire directory).")


def directory_import(
    path: Annotated[Path, typer.Argument(help="ORUK JSON file.")], data: DataOption = None
) -> None:
    """Replace the directory with an Open Referral UK JSON file: all of it, or nothing on an error."""
    count = _service(data).import_json(path)
    console.print(f"{count} services imported from {path}.")


def directory_export(
    path: Annotated[Path, typer.Argument(help="File to write.")], data: DataOption = None
) -> None:
    """Write the directory as Open Referral UK JSON."""
    count = _service(data).export_json(path)
    console.print(f"{count} services written to {path}.")


def directory_capacity(
    service_id: Annotated[str, typer.Argument(help="Service id.")],
    status: Annotated[str, typer.Argument(help="green, amber or red.")],
    hours: Annotated[float, typer.Option("--hours", help="Hours until it lapses to green.")] = 24.0,
    reason: Annotated[str, typer.Option("--reason")] = "",
    data: DataOption = None,
) -> None:
    """Set a provider's capacity status (red services are not offered by the navigator)."""
    expires = uk_now() + dt.timedelta(hours=hours)
    _service(data).set_capacity(service_id, status, expires_at=expires, reason=reason)
    console.print(f"{service_id}: {status} until {expires:%Y-%m-%d %H:%M} (UK time).")


def social_prescribing_clock(
    as_json: Annotated[bool, typer.Option("--json", help="Print what was declined as JSON.")] = False,
    data: DataOption = None,
) -> None:
    """Decline every social prescribing referral not answered within 14 days and tell each referrer
    (audited). Safe to run as often as you like, e.g. hourly from cron: a referral is declined once."""
    sp = services_for(data).social_prescribing
    declined = sp.run_clock()
    rows = [
        {
            "referral_id": r.id,
            "service_id": r.service_id,
            "service_name": r.service_name,
            "referred_by": r.referred_by,
            "created_at": r.created_at.isoformat(timespec="minutes"),
            "due_by": r.due_by.isoformat(timespec="minutes"),
        }
        for r in declined
    ]
    if as_json:
        print_json({"ran_at": sp.clock().isoformat(timespec="minutes"), "declined": rows})
        return
    console.print(f"{len(rows)} referral(s) declined: not answered within 14 days.")
    for row in rows:
        console.print(
            f"  referral {row['referral_id']} to {row['service_name']} (referrer {row['referred_by']})"
        )


def register(app: typer.Typer) -> None:
    """Add ``nhc navigate``, ``nhc directory synth|import|export|capacity`` and
    ``nhc social-prescribing clock`` to ``app``."""
    add_commands(app, {"navigate": navigate})
    add_group(
        app,
        "directory",
        "The community asset directory (Open Referral UK).",
        {
            "synth": directory_synth,
            "import": directory_import,
            "export": directory_export,
            "capacity": directory_capacity,
        },
    )
    add_group(
        app,
        "social-prescribing",
        "Social prescribing referrals: the 14-day clock.",
        {"clock": social_prescribing_clock},
    )
