"""axe-core in the page: WCAG 2.1 A and AA violations, for the browser tests.

axe-core comes from `.ci/node_modules/` (.ci/package.json, installed by `make test`). Its source
is evaluated in the page through the DevTools protocol (`page.evaluate`), which the page's CSP
does not govern, so the pages are checked under their real policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / ".ci" / "node_modules" / "axe-core" / "axe.min.js"

#: The rule sets the issue asks for: WCAG 2.0 and 2.1, levels A and AA.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[str]:
    """axe's WCAG 2.1 AA violations on the page as it is now, one line per failing element."""
    assert AXE.is_file(), f"{AXE} is missing: `make node` installs axe-core"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary']!r}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]
