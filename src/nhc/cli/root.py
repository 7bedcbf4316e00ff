"""The ``nhc`` command: one Typer app made of the areas' commands, and :func:`main`, which runs it.

Errors the user can fix — an :class:`~nhc.errors.NhcError` from any command, or a usage error
(an unknown command, a missing argument, a value of the wrong type) — are printed as one line
with a hint on stderr and exit with status 2; never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.text import Text

from nhc.cli import (
    access,
    analytics,
    care,
    clients,
    demo,
    engagement,
    fhir,
    lake,
    navigation,
    outcomes,
    planning,
    plans,
    web,
)
from nhc.cli.common import err_console
from nhc.errors import NhcError

try:  # recent Typer carries its own copy of Click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older Typer runs on Click itself
    import click.exceptions
    from click.exceptions import UsageError

    # Click before 8.2 shows the help itself for a bare group; nothing to catch then.
    NoArgsIsHelpError = getattr(click.exceptions, "NoArgsIsHelpError", ())  # type: ignore[misc]

#: The areas, in the order their commands are listed by ``nhc --help``.
AREAS = (
    lake,
    analytics,
    outcomes,
    fhir,
    clients,
    web,
    care,
    navigation,
    access,
    planning,
    plans,
    engagement,
    demo,
)
USAGE_ERROR = 2

app = typer.Typer(
    name="nhc",
    help="Neighbourhood Health & Care: synthetic county, lake, analytics and services.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for _area in AREAS:
    _area.register(app)


def fail(message: str, hint: str | None = None) -> None:
    """Print ``error: message (hint)`` as one line on stderr and exit with status 2."""
    line = Text.assemble(("error: ", "bold red"), message, (f" ({hint})" if hint else "", "dim"))
    err_console.print(line, soft_wrap=True, highlight=False)
    sys.exit(USAGE_ERROR)


def _usage_hint(exc: UsageError) -> str:
    command = exc.ctx.command_path if exc.ctx is not None else "nhc"
    return f"see `{command} --help`"


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``nhc`` with ``argv`` (default: the process's arguments) and exit with its status."""
    try:
        status = app(args=list(argv) if argv is not None else None, prog_name="nhc", standalone_mode=False)
    except NhcError as exc:
        fail(exc.message, exc.hint)
    except NoArgsIsHelpError as exc:  # `nhc` or `nhc care` alone: the help, as Click shows it
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        fail(exc.format_message().rstrip("."), _usage_hint(exc))
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    sys.exit(status if isinstance(status, int) else 0)
