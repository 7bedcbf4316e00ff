"""Sortable, paginated tables for server-rendered pages: links, not JavaScript.

A header is a link to the same page with ``?sort=<column>&dir=asc|desc`` (the other query
parameters kept), and the sorted column's header says so with ``aria-sort``. On a page with several
tables the column is named ``<table>.<column>``, so one link sorts one table. Long tables are cut
into pages of :data:`PAGE_SIZE` rows (``?page=N``); CSV downloads always carry every row.

Contract for disclosure control: rows are sorted only by the values the table shows (published,
disclosure-controlled figures), with ties kept in the table's own order (a stable sort), so the
order of rows says nothing the figures do not. Suppressed values sort between a structural zero
and the smallest published count (a suppressed count is 0-7 people).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 25
DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class Col:
    """A sortable column: its key in the query string, and what a row sorts by."""

    key: str
    value: Callable[[Any], Any]


def by(name: str) -> Callable[[Any], Any]:
    """Sort by a row's field ``name`` (rows are dicts)."""
    return lambda row: row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)


def position(rows: Sequence[Any]) -> Callable[[Any], Any]:
    """Sort by the row's place in the table's own order (categories: age bands, quintiles)."""
    index = {id(r): i for i, r in enumerate(rows)}
    return lambda row: index[id(row)]


def _key(value: Any) -> tuple:
    """Numbers before text; ``None`` (suppressed) just above zero (it means 0-7 people)."""
    if value is None:
        return (0, 0.5)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value if math.isfinite(value) else 0.0)
    return (1, str(value).casefold())


@dataclass
class Table:
    """One table on a page as the request asked for it: sorted, and cut to one page."""

    name: str  # "" for a page's only sortable table
    rows: list[Any]
    count: int
    sort: str | None
    direction: str
    page: int
    pages: int
    path: str
    params: dict[str, str] = field(default_factory=dict)
    anchor: str = ""
    page_size: int = PAGE_SIZE

    def _url(self, **changes: Any) -> str:
        query = {**self.params, **{k: v for k, v in changes.items() if v is not None}}
        query = {k: v for k, v in query.items() if v not in ("", None)}
        return (
            self.path + ("?" + urlencode(query) if query else "") + (f"#{self.anchor}" if self.anchor else "")
        )

    def _param(self, col: str) -> str:
        return f"{self.name}.{col}" if self.name else col

    def href(self, col: str) -> str:
        """The link on a header: sort by ``col`` ascending, or descending if it already is."""
        flip = self.sort == col and self.direction == "asc"
        return self._url(sort=self._param(col), dir="desc" if flip else "asc", page=None)

    def aria(self, col: str) -> str:
        """``aria-sort`` for a header: ascending, descending or none."""
        if self.sort != col:
            return "none"
        return "ascending" if self.direction == "asc" else "descending"

    def page_href(self, page: int) -> str:
        sort = self._param(self.sort) if self.sort else None
        return self._url(sort=sort, dir=self.direction if sort else None, page=page)

    @property
    def first(self) -> int:
        """The number of the first row shown (1-based; 0 when the table is empty)."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def sort_params(query: Mapping[str, str], name: str, columns: Iterable[str]) -> tuple[str | None, str]:
    """The column and direction the query asks ``name``'s table to be sorted by, or ``(None,
    "asc")`` (the table's own order) when it names another table or no known column."""
    wanted = str(query.get("sort") or "")
    prefix = f"{name}." if name else ""
    col = wanted[len(prefix) :] if wanted.startswith(prefix) else None
    if col is None or col not in set(columns):
        return None, "asc"
    direction = str(query.get("dir") or "asc")
    return col, direction if direction in DIRECTIONS else "asc"


def page_number(query: Mapping[str, str]) -> int:
    try:
        return max(1, min(int(str(query.get("page") or "1")), 100_000))
    except ValueError:
        return 1


def table(
    query: Mapping[str, str],
    rows: Sequence[Any],
    columns: Sequence[Col],
    *,
    path: str,
    name: str = "",
    keep: Mapping[str, Any] | None = None,
    paginate: bool = False,
    anchor: str = "",
    page_size: int = PAGE_SIZE,
) -> Table:
    """``rows`` sorted as the query asks (a stable sort on the shown values) and, when
    ``paginate``, cut to the page it asks for (clamped to the last page). ``keep``: the page's
    other query parameters, kept in every link."""
    cols = {c.key: c for c in columns}
    sort, direction = sort_params(query, name, cols)
    ordered = list(rows)
    if sort:
        ordered.sort(key=lambda r: _key(cols[sort].value(r)), reverse=direction == "desc")
    pages, page = 1, 1
    if paginate:
        pages = max(1, math.ceil(len(ordered) / page_size))
        page = min(page_number(query), pages)
        ordered = ordered[(page - 1) * page_size : page * page_size]
    params = {k: str(v) for k, v in (keep or {}).items() if v not in (None, "")}
    return Table(name, ordered, len(rows), sort, direction, page, pages, path, params, anchor, page_size)


def request_key(query: Mapping[str, str]) -> tuple[str, str, int]:
    """What of the query changes a cached page's tables (for :func:`nhc.web.deps.render_cached`)."""
    return (str(query.get("sort") or "")[:80], str(query.get("dir") or "")[:4], page_number(query))
