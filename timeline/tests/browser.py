"""Driving Debian's Chromium for the browser tests: finding it, watching a page, running axe.

Playwright cannot download its own browser here, so it launches the system Chromium.
axe-core comes from the axe-playwright-python package and is injected with
`page.evaluate`, which our Content-Security-Policy does not govern (a `<script>` tag would be
blocked, and the test must not switch the policy off to find out what it blocks).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """The Chromium executable: $CHROMIUM_PATH if set, else Debian's, else one on PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_required() -> bool:
    """CI sets REQUIRE_BROWSER=1: a missing browser is then a failure, not a skip."""
    return os.environ.get("REQUIRE_BROWSER") == "1"


@dataclass
class PageLog:
    """What a page did while a test drove it: every request, console error and crash."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    # From the page's securitypolicyviolation events: which directive, where, on what element.
    csp_reports: list[dict] = field(default_factory=list)

    def record_console(self, message) -> None:
        """A console listener: keep errors, with the script position that logged them."""
        if message.type != "error":
            return
        where = message.location or {}
        source = f" [at {where.get('url')}:{where.get('lineNumber')}]" if where.get("url") else ""
        self.console_errors.append(f"{message.text}{source}")

    def csp_violations(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" in m]

    def foreign_requests(self, allowed_origins: set[str]) -> list[str]:
        """Requests to any origin outside `allowed_origins` (data: and blob: URLs are local)."""
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if f"{parts.scheme}://{parts.netloc}" not in allowed_origins:
                foreign.append(url)
        return foreign


# Runs before any page script (and outside the page's CSP): report each CSP violation with
# the element that caused it, which the console message alone does not name.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  const target = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 300) : "";
  window.__reportCspViolation({
    directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, column: e.columnNumber, sample: e.sample, element: target,
  });
}, true);
"""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@cache
def axe_source() -> str:
    """axe-core's minified source, as shipped in the axe-playwright-python wheel."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.x A and AA plus best practices) on the page; its violations."""
    page.evaluate(axe_source())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return results["violations"]


def describe_violations(violations: list[dict]) -> str:
    """One line per rule and one per offending node: enough to find and fix each."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)
