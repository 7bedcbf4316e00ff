"""Helpers for the analytics pages' tests: an app on the fixture lake, signed-in clients, and a
small HTML table reader (the standard library's parser: headers with their sort links and
aria-sort, body rows as cell texts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from nhc.insights.service import InsightsService
from nhc.settings import Settings
from nhc.web.app import create_app

PASSWORD = "correct-horse-battery-staple"


def make_app(lake_root: Path, tmp: Path):
    """The web app on ``lake_root`` (SQLite in ``tmp``) with an analyst, a Banbury clinician and
    a Witney team member."""
    app = create_app(
        Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'nhc.sqlite3'}"),
        insights=InsightsService(lake_root),
    )
    sec = app.state.security
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=["Banbury"])
    sec.create_user("wit", "Wit Team", "team_member", password=PASSWORD, neighbourhoods=["Witney"])
    return app


def sign_in(app, username: str):
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").text).group(1)
    form = {"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    assert c.post("/sign-in", data=form).status_code == 303
    return c


@dataclass
class Header:
    text: str = ""
    href: str | None = None
    aria_sort: str | None = None


@dataclass
class HtmlTable:
    attrs: dict[str, str]
    caption: str = ""
    headers: list[Header] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def column(self, label: str) -> list[str]:
        """The cells under the header whose text starts with ``label``."""
        i = next(i for i, h in enumerate(self.headers) if h.text.startswith(label))
        return [r[i] for r in self.rows]

    def header(self, label: str) -> Header:
        return next(h for h in self.headers if h.text.startswith(label))


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self._stack: list[HtmlTable] = []
        self._section = ""
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._hidden = 0  # inside visually hidden text (screen-reader only) or aria-hidden

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if self._hidden or "nhsuk-u-visually-hidden" in a.get("class", "") or a.get("aria-hidden") == "true":
            self._hidden += tag == "span"
            return
        if tag == "table":
            self._stack.append(HtmlTable(a))
        elif not self._stack:
            return
        elif tag in ("thead", "tbody", "tfoot", "caption"):
            self._section = tag
            if tag == "caption":
                self._cell = []
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []
            if self._section == "thead":
                self._stack[-1].headers.append(Header(aria_sort=a.get("aria-sort")))
        elif tag == "a" and self._section == "thead" and self._stack[-1].headers:
            self._stack[-1].headers[-1].href = a.get("href")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._hidden -= tag == "span"
            return
        if not self._stack:
            return
        t = self._stack[-1]
        text = " ".join("".join(self._cell or []).split())
        if tag == "caption":
            t.caption, self._cell = text, None
        elif tag in ("th", "td") and self._cell is not None:
            if self._section == "thead":
                t.headers[-1].text = text
            elif self._row is not None:
                self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._section in ("tbody", "tfoot") and self._row:
                t.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def tables(html: str) -> list[HtmlTable]:
    reader = _Reader()
    reader.feed(html)
    return reader.tables


def table_by(html: str, testid: str | None = None, caption: str | None = None) -> HtmlTable:
    for t in tables(html):
        if testid and t.attrs.get("data-testid") == testid:
            return t
        if caption and t.caption.startswith(caption):
            return t
    raise AssertionError(f"no table {testid or caption!r} on the page")


def number(cell: str) -> float | None:
    """A shown figure as a number: "none" is 0, "suppressed" is None, "20.3%" is 20.3."""
    if cell in ("suppressed", "–"):
        return None
    if cell == "none":
        return 0
    return float(cell.replace(",", "").rstrip("%"))
