"""A lead deletes a coded document and undoes it, then re-segments it after a preview."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.browser.conftest import login
from tests.conftest import reread
from tests.db.lifecycle_fixtures import build
from tests.db.lifecycle_fixtures import code_paragraphs
from tests.db.lifecycle_fixtures import passages_of


def test_delete_undo_and_resegment_a_coded_document(
    page: Any, live_server: str, session: Session, make_user, make_project, import_text
) -> None:
    coded = build(session, make_user, make_project, import_text)
    code_paragraphs(session, coded)
    slug, doc_id, title = coded.project.slug, coded.document.id, coded.document.title
    reader = f"{live_server}/p/{slug}/d/{doc_id}"
    login(page, live_server, "lead")
    page.goto(reader)

    # Delete: the confirmation lists the codings that go with the document.
    page.get_by_role("link", name="Delete document…").click()
    impact = page.locator("#deletion-impact")
    impact.get_by_text("Coder One: 3").wait_for()
    assert "Coder Two: 2" in impact.inner_text()
    assert "Round 1" in impact.inner_text()
    page.get_by_role("button", name="Delete the document and its codings").click()
    page.wait_for_url(f"{live_server}/p/{slug}/history")
    page.locator(".flash").get_by_text("was deleted with its codings").wait_for()
    reread(session)
    assert passages_of(session, doc_id) == []

    # Undo from the history: the document comes back with its codings.
    row = page.locator("#document-history tr[data-action='delete']")
    assert title in row.inner_text() and "5 codings" in row.inner_text()
    row.get_by_role("button", name="Undo").click()
    page.wait_for_url(reader)
    assert page.locator("li.passage").count() == 3
    page.locator(".flash").get_by_text("Undone").wait_for()

    # Re-segment by sentence: the preview lists what cannot move before anything changes.
    page.get_by_role("link", name="Re-segment…").click()
    page.get_by_label("New segmentation").select_option("sentence")
    page.get_by_role("button", name="Preview").click()
    page.locator("#cannot-move").get_by_text("Cannot move (5)").wait_for()
    stuck = page.locator("#cannot-move + p + table tbody tr")
    assert stuck.count() == 5
    assert "Coder One" in stuck.first.inner_text()
    reread(session)
    assert len(passages_of(session, doc_id)) == 3
    page.get_by_role("button", name="Re-segment into sentences").click()
    page.wait_for_url(reader)
    page.locator(".flash").get_by_text("now cut into sentences").wait_for()
    assert page.locator("li.passage").count() == 6

    # Split the second sentence where the cursor is put in its text.
    second = page.locator("li.passage").nth(1)
    second.get_by_role("link", name="Split…").click()
    text = page.get_by_label("Passage text")
    text.click()
    # Put the caret after "It is " as a click there would (setting a selection fires "select").
    text.evaluate("el => el.setSelectionRange(6, 6)")
    page.wait_for_function("() => document.getElementById('split-at').value === '6'")
    assert page.get_by_label("Split before character").input_value() == "6"
    page.get_by_role("button", name="Preview").click()
    page.locator("#change-preview").wait_for()
    halves = page.locator("#split-halves p").all_inner_texts()
    assert halves == ["It is", "the key to lasting security."]
    page.get_by_role("button", name="Split the passage").click()
    page.wait_for_url(reader)
    texts = page.locator("li.passage p.text").all_inner_texts()
    assert texts[1] == "It is" and texts[2] == "the key to lasting security."
