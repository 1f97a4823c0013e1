"""Keyword highlighting in a real browser: off at first, on per code or for all, kept for the
coder across reloads and coding actions, and never changing the passage's text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.browser.conftest import login
from tests.db.quality_fixtures import keyword_project
from workbench.models import Document

TEXT = (
    "<i>Tags stay text</i>: a public-private partnership here.\n\n中方支持公私伙伴关系。\n\nNone."
).encode()


def test_keyword_highlighting_toggles_per_code_and_persists(
    new_page: Any, live_server: str, session, make_user, make_project, import_text
) -> None:
    project, _, _, partnership, randomly = keyword_project(
        session, make_user, make_project, import_text
    )
    randomly.shortcut = "x"
    session.commit()
    import_text(project, [("mixed.txt", TEXT)])
    fresh = session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert fresh is not None

    page = new_page()
    login(page, live_server, "ann")
    url = f"{live_server}/p/{project.slug}/d/{fresh.id}/code"
    page.goto(url)
    lit = page.locator("#coding-list span.kw.on")
    assert page.locator("#coding-list span.kw").count() == 2
    assert lit.count() == 0  # off until the coder asks
    texts = page.locator("#coding-list p[data-text]").all_text_contents()
    assert texts[0] == "<i>Tags stay text</i>: a public-private partnership here."

    toggle = page.locator(f"button.kw-toggle[data-kw-code='{partnership.id}']")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert lit.all_text_contents() == ["public-private partnership", "公私伙伴关系"]

    page.reload()
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => document.activeElement.matches('li.passage.current')")
    page.locator(".apply-code[data-key='x'][data-htmx-powered]").wait_for()  # htmx is ready
    assert lit.count() == 2  # kept in this browser for this coder
    # A coding action swaps the passage in again: it stays highlighted.
    with page.expect_response(lambda r: r.url.endswith("/code/toggle") and r.ok, timeout=30_000):
        page.keyboard.press("x")
    page.locator("li.passage.current .chips .chip").wait_for()
    assert lit.count() == 2
    assert page.locator("#coding-list p[data-text]").all_text_contents() == texts

    toggle.click()
    assert lit.count() == 0
    page.locator("button.kw-toggle[data-kw-code='all']").click()
    assert lit.count() == 2
    assert toggle.get_attribute("aria-pressed") == "true"

    other = new_page()
    login(other, live_server, "bob")
    other.goto(url)
    assert other.locator("#coding-list span.kw.on").count() == 0  # another coder's choice
