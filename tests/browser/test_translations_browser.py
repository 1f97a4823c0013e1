"""A lead links two versions of a statement, corrects one aligned pair and compares the codes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.conftest import login
from tests.conftest import reread
from workbench.models import AlignmentPair
from workbench.models import AuditEvent
from workbench.models import Document

ENGLISH = (
    b"Mr. President,\n\n"
    b"China will provide US$50 million to the Global Humanitarian Response Plan in 2021.\n\n"
    b"We call on the World Health Organization to lead the response of 193 Member States.\n"
)
CHINESE = (
    "主席先生！中国将在2021年向全球人道主义应对计划提供5000万美元。"
    "我们呼吁世界卫生组织领导193个会员国的应对工作。\n"
).encode()


def test_link_correct_and_compare(
    page: Any, live_server: str, session: Session, make_user, make_project, import_text
) -> None:
    lead = make_user("lead", name="Lead")
    coder = make_user("coder1", name="Coder One")
    project = make_project("Versions", lead=lead, coders=(coder,))
    import_text(project, [("english.txt", ENGLISH), ("chinese.txt", CHINESE)])
    english = session.scalar(select(Document).where(Document.filename == "english.txt"))
    chinese = session.scalar(select(Document).where(Document.filename == "chinese.txt"))
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{project.slug}")
    page.get_by_role("link", name="Translations").click()

    # Link the two documents as versions of one statement.
    form = page.locator("#new-link")
    form.get_by_label("Source (original, or the report)").select_option(str(english.id))
    form.get_by_label("Target (other version, or the statement)").select_option(str(chinese.id))
    form.get_by_label("Kind").select_option("translation")
    form.get_by_role("button", name="Link").click()
    page.locator(".flash").get_by_text("Linked").wait_for()
    rows = page.locator("#alignment tbody tr")
    assert rows.count() == 3
    assert "5000万美元" in rows.nth(1).inner_text()

    # Correct one pair: move the dollar sentence down to the World Health Organization pair.
    rows.nth(1).get_by_role("button", name="Last target ↓ (pair 2, to the next pair)").click()
    page.locator("#pair-3").wait_for()
    assert page.locator("#pair-2").get_attribute("data-relation") == "source-only"
    assert page.locator("#pair-3").get_attribute("data-relation") == "1-n"
    assert "re-paired" in page.locator("#alignment-history").inner_text()
    reread(session)
    pairs = list(session.scalars(select(AlignmentPair).order_by(AlignmentPair.position)))
    assert [p.relation for p in pairs] == ["1-1", "source-only", "1-n"]
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.entity == "alignment")).action == "move"
    )

    # Open the cross-version comparison for a coder.
    page.get_by_label("Compare the codes of").select_option(str(coder.id))
    page.get_by_role("button", name="Compare across versions").click()
    page.get_by_role("heading", name="Codes across versions").wait_for()
    assert page.locator("#layer").inner_text() == "Coder One"
    assert "No codes on the aligned passages" in page.locator("#codes-across").inner_text()

    # A coder on the English version presses v on a passage and reads the Chinese one beside it.
    page.context.clear_cookies()
    login(page, live_server, "coder1")
    page.goto(f"{live_server}/p/{project.slug}/d/{english.id}/code")
    last = page.locator("li.passage").nth(2)
    page.locator("li.passage.current").wait_for()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "current" in (last.get_attribute("class") or "")
    page.keyboard.press("v")
    other = last.locator(".aligned .aligned-text")
    other.first.wait_for()
    shown = last.locator(".aligned").inner_text()
    assert "5000万美元" in shown and "我们呼吁世界卫生组织" in shown
    assert other.first.get_attribute("lang") == "zh"
    page.keyboard.press("v")
    assert last.locator(".aligned").count() == 0
