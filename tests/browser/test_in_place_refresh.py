"""Parts of a page that an in-place action changes are refreshed with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_document_count_follows_an_upload(
    page: Any, live_server: str, make_user, make_project, import_text, tmp_path: Path
) -> None:
    lead = make_user("lead", name="Lead")
    project = make_project("Uploads", lead=lead)
    import_text(project, [("first.txt", b"A first statement.\n\nIn two paragraphs.\n")])
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{project.slug}")
    documents = page.locator("#documents")
    assert "1 document." in documents.locator("p.muted").first.inner_text()
    source = tmp_path / "second.txt"
    source.write_text("A second statement.\n\nAlso in two paragraphs.\n", encoding="utf-8")
    page.get_by_label("Files to import").set_input_files(str(source))
    page.get_by_role("button", name="Import", exact=True).click()
    page.locator("#import-result").get_by_text("Imported 1 document").wait_for()
    # The list above the form, with its count, now holds the new document.
    page.locator("#documents p.muted", has_text="2 documents.").wait_for()
    assert page.locator("#documents table.docs tbody tr").count() == 2
    assert "second" in page.locator("#documents table.docs").inner_text().lower()


def test_round_view_keeps_titles_and_says_when_the_round_is_done(
    page: Any, live_server: str, session, make_user, make_project, import_text
) -> None:
    from sqlalchemy import select

    from workbench.codebooks import codes as codebooks
    from workbench.models import Document
    from workbench.models import Passage
    from workbench.reliability import rounds

    lead = make_user("lead", name="Lead")
    one = make_user("coder1", name="Coder One")
    two = make_user("coder2", name="Coder Two")
    project = make_project("Round", lead=lead, coders=(one, two))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("speech.txt", b"First paragraph here.\n\nSecond paragraph here.\n")])
    rnd = rounds.create_round(
        session, project, lead, name="R", size=2, coder_ids=[one.id, two.id], seed=1
    )
    session.commit()
    title = session.scalar(select(Document.title))
    ids = session.scalars(select(Passage.id).order_by(Passage.ordinal)).all()
    cb = next(c.id for c in codebooks.live_codes(session, project) if c.name == "Capacity-building")
    login(page, live_server, "coder1")
    page.goto(f"{live_server}/p/{project.slug}/code?round={rnd.id}")
    assert page.locator("#scope-message").inner_text() == ""
    first = page.locator(f"#passage-{ids[0]}")
    first.locator("p.text").click()
    page.locator(f".apply-code[data-code='{cb}']").click()
    page.locator(f"#passage-{ids[0]} .chip").first.wait_for()
    assert page.locator(f"#passage-{ids[0]} .doctitle").inner_text() == title
    assert page.locator("#scope-message").inner_text() == ""
    page.locator(f"#passage-{ids[1]} p.text").click()
    page.locator(f"#passage-{ids[1]} button.done").click()
    page.locator("#scope-message", has_text="You have coded every passage").wait_for()
    assert page.locator(f"#passage-{ids[1]} .doctitle").inner_text() == title
