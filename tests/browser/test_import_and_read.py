"""A lead signs in, uploads a document in the browser, and reads its passages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import login

RECORD = (
    "The President: I welcome the Minister.\n\n"
    "Mr. Zhang Jun (China) (spoke in Chinese): China opposes all forms of terrorism. "
    "We support capacity-building for developing countries.\n\n"
    "<script>document.title='owned'</script> is text, not code.\n"
)


def test_upload_then_read_passages(
    page: Any, live_server: str, make_user, make_project, tmp_path: Path
) -> None:
    lead = make_user("lead", admin=True)
    project = make_project("Browser study", lead=lead)
    login(page, live_server, "lead")
    page.get_by_role("link", name="Browser study").click()
    source = tmp_path / "record.txt"
    source.write_text(RECORD, encoding="utf-8")
    page.get_by_label("Files to import").set_input_files(str(source))
    page.get_by_role("button", name="Import", exact=True).click()
    result = page.locator("#import-result")
    result.get_by_text("Imported 1 document").wait_for()
    result.get_by_role("link").first.click()
    page.wait_for_url(f"{live_server}/p/{project.slug}/d/*")
    passages = page.locator("li.passage")
    assert passages.count() >= 3
    texts = passages.locator("p.text").all_inner_texts()
    assert any("capacity-building" in t for t in texts)
    zhang = passages.filter(has_text="China opposes all forms of terrorism")
    assert "Mr. Zhang Jun" in zhang.locator(".speaker").inner_text()
    assert "China" in zhang.locator(".delegation").inner_text()
    assert "spoken in zh" in zhang.inner_text()
    # Markup in a document is shown as text and never runs.
    assert page.title() != "owned"
    assert any("<script>" in t for t in texts)
