"""What every browser test shares: the app served on a free loopback port (:func:`served`), sign-in
through the real form (:func:`sign_in`), and axe-core finding no serious or critical violation.

axe is injected by the browser context (``add_init_script``) before the page loads, so a page's
Content Security Policy stays in force; this module only runs it and reads the result.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

#: axe-core, fetched by ``scripts/frontend-assets.sh`` (``make test`` runs it).
AXE = Path(__file__).resolve().parents[1] / "build" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def require_axe() -> None:
    """Fail (not skip) when axe-core is missing: a browser test without it checks nothing."""
    if not AXE.exists():
        pytest.fail("browser tests need axe-core: run scripts/frontend-assets.sh")


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(app, start_seconds: float = 30) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free loopback port; yields its base URL and stops
    the server on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_seconds
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


_SERIOUS = """async () => {
    const r = await axe.run(document, {resultTypes: ['violations']});
    return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on ``page``: rule, help and the first three nodes.

    Waits for the page to finish loading first: a click that navigates returns before the next
    document exists, and axe run on a half-swapped page fails on a null ``documentElement``.
    """
    page.wait_for_load_state("load")
    return page.evaluate(_SERIOUS)


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on ``page``."""
    result = serious_violations(page)
    assert result == [], f"accessibility violations on {page.url}: {result}"


# Generous because CI runs the suite on two busy cores: a sign-in that lands on a page building its
# figures can take many seconds there, and a timeout on a slow machine is not a defect users see.
SIGN_IN_TIMEOUT_MS = 120_000


def sign_in(page, username: str, password: str, target: str | None = None) -> None:
    """Sign ``username`` in through the real form and wait until the browser has left it.

    ``target`` is the page to land on (the form's ``next``); the wait is for the URL to leave
    ``/sign-in`` and the new page to load, so a wrong password fails here with the URL in the message.
    """
    from urllib.parse import quote

    page.goto("/sign-in" if target is None else f"/sign-in?next={quote(target, safe='')}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click(no_wait_after=True)
    page.wait_for_url(lambda url: "/sign-in" not in url, timeout=SIGN_IN_TIMEOUT_MS)
    page.wait_for_load_state("load", timeout=SIGN_IN_TIMEOUT_MS)
