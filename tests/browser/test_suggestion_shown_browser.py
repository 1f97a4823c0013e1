"""In a real browser: a coder applies a code with its own key while its suggestion chip shows;
the coding is recorded as made with the suggestion shown but not accepted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.browser.conftest import login
from tests.conftest import reread
from tests.db.quality_fixtures import keyword_project
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.quality import suggestions


def test_own_key_beside_a_visible_chip_is_shown_not_accepted(
    new_page: Any, live_server: str, session, make_user, make_project, import_text
) -> None:
    project, lead, ann, partnership, _ = keyword_project(
        session, make_user, make_project, import_text
    )
    partnership.shortcut = "x"
    session.commit()
    suggestions.train_project(session, project, lead)
    suggestions.set_enabled(session, project, lead, partnership.id, True)
    session.commit()
    import_text(
        project,
        [("new.txt", b"We support a public-private partnership here.\n\nNothing else at all.")],
    )
    fresh = session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert fresh is not None

    coder = new_page()
    login(coder, live_server, "ann")
    coder.goto(f"{live_server}/p/{project.slug}/d/{fresh.id}/code")
    current = coder.locator("li.passage.current")
    current.locator("button.suggestion", has_text="Partnership").wait_for()
    coder.wait_for_load_state("networkidle")
    coder.wait_for_function("() => document.activeElement.matches('li.passage.current')")
    coder.locator(".apply-code[data-key='x'][data-htmx-powered]").wait_for()  # htmx is ready
    with coder.expect_response(lambda r: r.url.endswith("/code/toggle") and r.ok, timeout=30_000):
        coder.keyboard.press("x")
    coder.locator("li.passage.current .chips .chip", has_text="Partnership").wait_for()
    # The second passage shows no chip: its own key records nothing shown.
    coder.keyboard.press("j")
    assert coder.locator("li.passage.current button.suggestion").count() == 0
    with coder.expect_response(lambda r: r.url.endswith("/code/toggle") and r.ok, timeout=30_000):
        coder.keyboard.press("x")

    reread(session)
    rows = session.execute(
        select(Passage.ordinal, Annotation.suggestion_shown, Annotation.suggestion_accepted)
        .join(Passage, Passage.id == Annotation.passage_id)
        .where(Annotation.coder_id == ann.id, Passage.document_id == fresh.id)
        .order_by(Passage.ordinal)
    ).all()
    assert [tuple(r) for r in rows] == [(0, True, False), (1, False, False)]
