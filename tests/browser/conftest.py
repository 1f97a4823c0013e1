"""Browser fixtures: a live workbench on 127.0.0.1 and Debian's Chromium driven by Playwright.

Chromium is never downloaded (no `playwright install`): /usr/bin/chromium is used. Outside CI a
missing browser skips these tests; under CI (CI=true) it is a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    """Return Debian's Chromium, or None when it is not installed."""
    return os.environ.get("WORKBENCH_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole run."""
    path = chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture()
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    # shutdown() only stops accepting; a request the browser sent just before its page closed
    # may still be running in its own thread, and would write into the next test's rows.
    # server_close() waits for those threads.
    server.server_close()


class PageErrors:
    """Console errors and uncaught exceptions seen by a page."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def console(self, msg: Any) -> None:
        """Record console messages of type error."""
        if msg.type == "error":
            self.messages.append(f"console: {msg.text}")

    def page_error(self, exc: Any) -> None:
        """Record uncaught page exceptions."""
        self.messages.append(f"pageerror: {exc}")


@pytest.fixture()
def new_page(browser: Any, live_server: str) -> Iterator[Any]:
    """Factory for pages in fresh contexts (one per user); any console error fails the test.

    It asks for the live server so that the server outlives the pages: they are closed before
    it stops, and a request still in flight at the end of a test is never cut off.
    """
    contexts: list[Any] = []
    errors = PageErrors()

    def factory(expect_http_errors: bool = False) -> Any:
        context = browser.new_context(accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", errors.console)
        page.on("pageerror", errors.page_error)
        return page

    yield factory
    for context in contexts:
        context.close()
    # A 4xx the test provoked on purpose logs "Failed to load resource"; anything else fails.
    real = [m for m in errors.messages if "status of 4" not in m]
    assert not real, "browser console errors:\n" + "\n".join(real)


@pytest.fixture()
def page(new_page: Any) -> Any:
    """A single page."""
    return new_page()


def login(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form and wait for the project list."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


# ---- accessibility ---------------------------------------------------------------------------

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"

# Runs axe on the whole document and keeps the violations of the given impacts, with enough of
# each offending node (selector, summary) to fix it from the failure message alone.
_RUN_AXE = """async ([impacts, rules]) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  const kept = result.violations.filter((v) => impacts.includes(v.impact) || rules.includes(v.id));
  return kept.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " +
      (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 240)),
  }));
}"""


@functools.cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


# Page structure a screen-reader user navigates by: checked whatever impact axe gives them.
STRUCTURE_RULES = (
    "landmark-one-main",
    "page-has-heading-one",
    "heading-order",
    "region",
    "empty-heading",
    "empty-table-header",
)


def axe_violations(
    page: Any,
    impacts: tuple[str, ...] = ("serious", "critical"),
    rules: tuple[str, ...] = STRUCTURE_RULES,
) -> list[Any]:
    """Run axe-core on the page as it is now; return its violations of these impacts or rules."""
    # Evaluated through the DevTools protocol rather than added as a <script>: a strict
    # Content-Security-Policy blocks an injected script tag but not this, so the page is audited
    # exactly as the workbench serves it.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return list(page.evaluate(_RUN_AXE, [list(impacts), list(rules)]))


def assert_accessible(page: Any, where: str) -> None:
    """Fail with a readable list when axe finds a serious or critical violation on the page, or
    a fault in its structure (landmarks, headings, table headers)."""
    found = axe_violations(page)
    lines = [
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found
    ]
    assert not found, f"{where} ({page.url}): accessibility violations\n" + "\n".join(lines)


# Elements that act on click (htmx requests) but cannot be reached or operated by keyboard.
_UNREACHABLE = """() => {
  const operable =
    "a[href], button, input, select, textarea, summary, form, [tabindex]:not([tabindex^='-'])";
  const acting = document.querySelectorAll(
    "[hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete]");
  return Array.from(acting).filter((el) => {
    if (el.matches(operable)) return false;
    // Triggered by something other than a click (polling, load, changes of a field): not an action.
    const trigger = el.getAttribute("hx-trigger") || "click";
    return /(^|[\\s,])click\\b/.test(trigger);
  }).map((el) => el.outerHTML.slice(0, 160));
}"""


def keyboard_unreachable(page: Any) -> list[str]:
    """Elements on the page that run an action on click but are not keyboard-operable."""
    return list(page.evaluate(_UNREACHABLE))


def open_all_details(page: Any) -> None:
    """Open every <details>, so an audit sees the forms and tables folded inside them."""
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
