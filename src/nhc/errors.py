"""The one exception type users see.

Every error that a user can cause (bad options, bad files, bad codelists) is raised as an
:class:`NhcError` whose message is a single line saying what is wrong and, where it helps, what
to do. The CLI prints that line and exits with status 2; it never shows a traceback for them.
"""

from __future__ import annotations


class NhcError(Exception):
    """A problem the user can fix, described in one line."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)


class InputError(NhcError):
    """Bad input data: names the file, line and field where it can."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file, self.line, self.field = file, line, field
        where = ":".join(str(p) for p in (file, line) if p is not None)
        prefix = f"{where}: " if where else ""
        suffix = f" [field {field}]" if field else ""
        super().__init__(f"{prefix}{message}{suffix}", hint=hint)
