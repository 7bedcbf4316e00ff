"""What every browser test asks of a page: axe-core finds no serious or critical violation.

axe is injected by the browser context (``add_init_script``) before the page loads, so a page's
Content Security Policy stays in force; this module only runs it and reads the result.
"""

from __future__ import annotations

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
