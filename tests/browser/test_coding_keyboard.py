"""Issue 3 in a real browser: keyboard coding, blindness, flagged definitions, .qdc export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select

from tests.browser.conftest import login
from tests.conftest import REPO
from tests.conftest import reread
from workbench.codebooks import codes as codebooks
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Passage
from workbench.models import PassageState

STATEMENT = (
    b"Mr. Zhang Jun (China): We oppose any interference in the internal affairs of sovereign "
    b"States under the pretext of counter-terrorism.\n\n"
    b"Capacity-building for developing countries must be strengthened.\n\n"
    b"The private sector is an indispensable partner.\n"
)


@pytest.fixture()
def coded_project(session, make_user, make_project, import_text) -> Any:
    lead = make_user("lead", name="Lead")
    one = make_user("coder1", name="Coder One")
    two = make_user("coder2", name="Coder Two")
    project = make_project("Keyboard study", lead=lead, coders=(one, two), blind=True)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", STATEMENT)])
    doc_id = session.scalar(select(Passage.document_id).where(Passage.project_id == project.id))
    return project, doc_id


def _code(session, name: str) -> Code:
    return session.scalar(select(Code).where(Code.name == name))


def test_a_coder_codes_by_keyboard_and_the_progress_bar_moves(
    page: Any, live_server: str, coded_project, session
) -> None:
    project, doc_id = coded_project
    sovereignty = _code(session, "Sovereignty")
    login(page, live_server, "coder1")
    page.goto(f"{live_server}/p/{project.slug}/d/{doc_id}/code")
    first = page.locator("li.passage").first
    assert "current" in (first.get_attribute("class") or "")
    bar = page.locator("#scope-progress")
    assert bar.get_attribute("aria-valuenow") == "0"

    # Code: the codebook shortcut applies Sovereignty to the current passage.
    page.keyboard.press(sovereignty.shortcut or "")
    chip = page.locator("li.passage.current .chips .chip", has_text="Sovereignty")
    chip.wait_for()
    # Stance: the fifth stance key (g) is +2 on the default scale.
    page.keyboard.press("g")
    page.locator("li.passage.current .chip button.stance.on[data-value='2']").wait_for()
    # Memo: m opens the memo of the selected code; Esc saves it and returns to the passage.
    page.keyboard.press("m")
    memo = page.locator("li.passage.current .chip textarea[name=memo]")
    assert memo.evaluate("el => el === document.activeElement")
    page.keyboard.type("Frames interference as the threat.")
    with page.expect_response(lambda r: r.url.endswith("/code/memo") and r.ok):
        page.keyboard.press("Escape")
    page.locator("li.passage.current .chip textarea", has_text="Frames interference").wait_for()
    # Typing j inside the memo never moved the passage: still on the first one.
    assert page.locator("li.passage").first.get_attribute("class").count("current") == 1
    # Done, next: n marks it coded and moves on; the progress bar moves in place.
    with page.expect_response(lambda r: r.url.endswith("/code/done") and r.ok):
        page.keyboard.press("n")
    page.wait_for_function(
        "() => document.querySelector('#scope-progress').getAttribute('aria-valuenow') === '1'"
    )
    second = page.locator("li.passage").nth(1)
    assert "current" in (second.get_attribute("class") or "")
    assert "coded" in (page.locator("li.passage").first.get_attribute("class") or "")
    # "Nothing applies" is an answer too: n on the second passage with no code.
    with page.expect_response(lambda r: r.url.endswith("/code/done") and r.ok):
        page.keyboard.press("n")
    page.wait_for_function(
        "() => document.querySelector('#scope-progress').getAttribute('aria-valuenow') === '2'"
    )
    # The ? key lists every shortcut.
    page.keyboard.press("?")
    assert page.locator("dialog#shortcuts").is_visible()

    reread(session)
    ann = session.scalar(select(Annotation))
    assert (ann.code_id, ann.stance, ann.memo) == (
        sovereignty.id,
        2,
        "Frames interference as the threat.",
    )
    coded = session.scalars(select(PassageState).where(PassageState.coded.is_(True))).all()
    assert len(coded) == 2


def test_a_second_coder_cannot_see_the_first_ones_codes(
    new_page: Any, live_server: str, coded_project, session
) -> None:
    project, doc_id = coded_project
    one, two = new_page(), new_page()
    login(one, live_server, "coder1")
    one.goto(f"{live_server}/p/{project.slug}/d/{doc_id}/code")
    one.get_by_role("button", name="Capacity-building").click()
    one.locator("li.passage.current .chips .chip", has_text="Capacity-building").wait_for()
    login(two, live_server, "coder2")
    two.goto(f"{live_server}/p/{project.slug}/d/{doc_id}/code")
    two.locator("li.passage").first.wait_for()
    assert two.locator(".chips .chip").count() == 0
    assert two.locator(".others").count() == 0
    assert "Coder One" not in two.content()


def test_editing_a_definition_flags_older_annotations(
    new_page: Any, live_server: str, coded_project, session
) -> None:
    project, doc_id = coded_project
    coder, lead = new_page(), new_page()
    login(coder, live_server, "coder1")
    coder.goto(f"{live_server}/p/{project.slug}/d/{doc_id}/code")
    coder.get_by_role("button", name="Sovereignty").click()
    chip = coder.locator("li.passage.current .chips .chip", has_text="Sovereignty")
    chip.wait_for()
    assert chip.locator(".flag").count() == 0

    login(lead, live_server, "lead")
    lead.goto(f"{live_server}/p/{project.slug}/codebook")
    card = lead.locator(
        "article.code-card", has=lead.get_by_role("heading", name="Sovereignty", exact=True)
    )
    card.locator("details.edit > summary").click()
    card.locator("textarea[name=definition]").fill(
        "Claims about the exclusive authority of States, narrowed."
    )
    card.get_by_label("Change note").fill("Narrowed after round 1")
    card.get_by_role("button", name="Save as new version").click()
    lead.get_by_role("status").filter(has_text="Saved 'Sovereignty'").wait_for()
    assert lead.locator("table.versions").get_by_text("Narrowed after round 1").count() == 1

    coder.reload()
    flagged = coder.locator(".chips .chip", has_text="Sovereignty").locator(".flag")
    flagged.wait_for()
    assert "older definition" in flagged.inner_text()


def test_the_qdc_export_validates_against_the_schema(
    page: Any, live_server: str, coded_project, tmp_path: Path
) -> None:
    project, _doc = coded_project
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{project.slug}/codebook")
    with page.expect_download() as info:
        page.get_by_role("link", name="REFI-QDA .qdc").click()
    target = tmp_path / "codebook.qdc"
    info.value.save_as(target)
    schema = etree.XMLSchema(etree.parse(str(REPO.parent / "shared" / "refi-qda" / "Codebook.xsd")))
    document = etree.parse(str(target))
    assert schema.validate(document), schema.error_log
    names = document.xpath("//q:Code/@name", namespaces={"q": "urn:QDA-XML:codebook:1.0"})
    assert "Xinjiang rebuttal" in names
