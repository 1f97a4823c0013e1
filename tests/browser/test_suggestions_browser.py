"""Suggestions in a real browser: the lead enables a ready code, a coder accepts by key, and the
export marks that coding as assisted."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from sqlalchemy import select

from tests.browser.conftest import login
from tests.conftest import reread
from tests.db.quality_fixtures import keyword_project
from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.quality import suggestions


def test_lead_enables_coder_accepts_by_key_export_marks_assisted(
    new_page: Any, live_server: str, session, make_user, make_project, import_text
) -> None:
    project, lead, ann, _, _ = keyword_project(session, make_user, make_project, import_text)
    suggestions.train_project(session, project, lead)
    session.commit()
    import_text(
        project,
        [("new.txt", b"We support a public-private partnership here.\n\nNothing else at all.")],
    )
    fresh = session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert fresh is not None

    lead_page = new_page()
    login(lead_page, live_server, "lead")
    lead_page.goto(f"{live_server}/p/{project.slug}/quality")
    row = lead_page.locator("#suggestion-codes tr[data-code='Partnership']")
    row.get_by_role("button", name="Enable").click()
    lead_page.locator("#suggestion-codes tr[data-code='Partnership']").get_by_role(
        "button", name="Disable"
    ).wait_for()
    assert lead_page.locator("#suggestion-codes tr[data-code='Random'] button").count() == 0

    coder = new_page()
    login(coder, live_server, "ann")
    coder.goto(f"{live_server}/p/{project.slug}/d/{fresh.id}/code")
    current = coder.locator("li.passage.current")
    current.locator("button.suggestion", has_text="Partnership").wait_for()
    assert current.locator(".chips .chip").count() == 0  # shown, not applied
    with coder.expect_response(lambda r: r.url.endswith("/suggest/accept") and r.ok):
        coder.keyboard.press("=")
    coder.locator("li.passage.current .chips .chip", has_text="Partnership").wait_for()
    assert coder.locator("li.passage.current button.suggestion").count() == 0

    reread(session)
    ann_row = session.scalar(
        select(Annotation)
        .join(Passage, Passage.id == Annotation.passage_id)
        .where(Annotation.coder_id == ann.id, Passage.document_id == fresh.id)
    )
    assert ann_row is not None and ann_row.suggestion_accepted
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "xlsx", buf)
    rows = list(openpyxl.load_workbook(buf)["Annotations"].iter_rows(values_only=True))
    header = list(rows[0])
    marked = [r for r in rows[1:] if r[header.index("suggestion_accepted")] == 1]
    assert [(r[header.index("coder")], r[header.index("code_path")]) for r in marked] == [
        ("ann", "Partnership")
    ]
