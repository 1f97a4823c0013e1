"""axe-core on every page type, as each role sees it, with its folds open and after htmx swaps.

A page passes with no serious or critical violation, no fault in its structure (landmarks, heading
order, table headers), and no element that acts on a click but cannot be reached by keyboard.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.browser.conftest import assert_accessible
from tests.browser.conftest import axe_violations
from tests.browser.conftest import keyboard_unreachable
from tests.browser.conftest import login
from tests.browser.conftest import open_all_details
from tests.browser.walk_study import ADMIN_PAGES
from tests.browser.walk_study import SIGN_IN
from tests.browser.walk_study import WalkStudy
from tests.browser.walk_study import build_walk_study

pytestmark = pytest.mark.browser

EXPECTED_STATUS = {"not found": 404, "forbidden": 403}
# What a page must show for its audit to mean something (a preview without its lists of codings
# that move, or a history without an entry, would pass axe while hiding their tables).
EXPECTED_CONTENT = {
    "document history": "#document-history button[type=submit]",
    "delete confirmation": "#deletion-impact ul.impact li",
    "re-segment preview": "#change-preview table.change-lines tbody tr",
    "split preview": "#split-halves + #change-preview table.change-lines tbody tr",
    "merge preview": "#change-preview table.change-lines tbody tr",
}


@pytest.fixture()
def walk(session: Any, make_user: Any, make_project: Any, import_text: Any) -> WalkStudy:
    return build_walk_study(session, make_user, make_project, import_text)


def audit(page: Any, base: str, name: str, path: str) -> None:
    """Open a page, audit it as loaded and again with every fold open."""
    response = page.goto(base + path)
    assert response is not None and response.status == EXPECTED_STATUS.get(name, 200), name
    page.wait_for_load_state("networkidle")
    assert page.locator("main h1").count() == 1, f"{name}: one h1 inside main"
    if name in EXPECTED_CONTENT:
        assert page.locator(EXPECTED_CONTENT[name]).count() > 0, f"{name}: walked empty"
    assert_accessible(page, name)
    unreachable = keyboard_unreachable(page)
    assert not unreachable, f"{name}: click-only actions:\n" + "\n".join(unreachable)
    open_all_details(page)
    assert_accessible(page, f"{name}, folds open")


def test_axe_finds_a_planted_violation(page: Any, live_server: str, walk: WalkStudy) -> None:
    # The audit is live: an image without alternative text and an unnamed button are reported.
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{walk.slug}")
    assert axe_violations(page) == []
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('beforeend', '<img src="data:,"><button></button>');
        }"""
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "button-name"} <= found
    with pytest.raises(AssertionError, match="button-name"):
        assert_accessible(page, "planted")
    page.evaluate("() => document.querySelector('main button:empty').remove()")
    page.evaluate("() => document.querySelector('main img[src=\"data:,\"]').remove()")
    # A clickable div is the kind of action the keyboard check reports.
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML(
             'beforeend', '<div hx-post="/nowhere">click me</div>')"""
    )
    assert len(keyboard_unreachable(page)) == 1


def test_every_page_of_a_lead_passes_axe(new_page: Any, live_server: str, walk: WalkStudy) -> None:
    page = new_page()
    page.goto(live_server + SIGN_IN)
    assert_accessible(page, "login")
    # A failed sign-in shows its message accessibly too.
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "login, failed")
    login(page, live_server, "lead")
    pages = walk.lead_pages()
    for name, path in pages.items():
        audit(page, live_server, name, path)
    assert len(pages) >= 20


def test_every_page_of_a_coder_passes_axe(new_page: Any, live_server: str, walk: WalkStudy) -> None:
    page = new_page()
    login(page, live_server, "coder1")
    for name, path in walk.coder_pages().items():
        audit(page, live_server, name, path)


def test_admin_pages_pass_axe(new_page: Any, live_server: str, walk: WalkStudy) -> None:
    page = new_page()
    login(page, live_server, "admin")
    for name, path in ADMIN_PAGES.items():
        audit(page, live_server, name, path)
    # A refused password change (wrong current password) shows its error accessibly.
    page.locator("input[type=password]").first.fill("not the password")
    for field in page.locator("input[type=password]").all()[1:]:
        field.fill("a brand new passphrase 42")
    page.locator("main button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "password, refused")


def test_pages_after_htmx_swaps_pass_axe(new_page: Any, live_server: str, walk: WalkStudy) -> None:
    base, slug = live_server, walk.slug
    lead = new_page()
    login(lead, base, "lead")
    # A refused round (one coder) puts an error under the form.
    lead.goto(f"{base}/p/{slug}/agreement")
    form = lead.locator("#new-round form")
    form.get_by_label("Name").fill("Too small")
    form.get_by_label("Passages").fill("2")
    form.get_by_label("Coder One").check()
    form.get_by_role("button", name="Draw the sample and start the round").click()
    lead.locator("#round-errors .error").wait_for()
    assert_accessible(lead, "agreement, round refused")
    # An upload's import report on the project page.
    lead.goto(f"{base}/p/{slug}")
    lead.get_by_label("Files to import").set_input_files(
        [{"name": "note.txt", "mimeType": "text/plain", "buffer": b"One line.\n\nAnother.\n"}]
    )
    lead.locator("#import button[type=submit]").click()
    lead.locator("#import-result *").first.wait_for()
    assert_accessible(lead, "project, import report")
    # Coded segments retrieved in place.
    lead.goto(f"{base}/p/{slug}/analysis")
    lead.locator("#retrieval select[name=code]").select_option(
        label="Cooperation > Capacity-building"
    )
    lead.get_by_role("button", name="Find").click()
    lead.locator("#segments li.segment").first.wait_for()
    assert_accessible(lead, "analysis, segments")
    # A codebook edit swaps the codebook with its message.
    lead.goto(f"{base}/p/{slug}/codebook")
    card = lead.locator(".code-card", has=lead.locator("h3", has_text="Procedural"))
    card.locator("summary", has_text="Edit").click()
    card.locator("textarea[name=definition]").fill("Remarks on the order of business.")
    card.get_by_role("button", name="Save as new version").click()
    lead.locator("#codebook p.ok").wait_for()
    assert_accessible(lead, "codebook, saved")
    # The other coders' codings of a passage, opened in the lead's coding view.
    lead.goto(f"{base}/p/{slug}/d/{walk.study.english[0].document_id}/code")
    others = lead.locator("details.others").first
    others.locator("summary").click()
    others.locator("li.chip.other").first.wait_for()
    assert_accessible(lead, "coding view, other coders' codings")
    # The agreement report's drift table, opened under the report.
    lead.goto(f"{base}/p/{slug}/agreement/report?bootstrap=0")
    lead.locator("#report-drift summary").click()
    lead.locator("#report-drift-body").wait_for()
    assert_accessible(lead, "agreement report, drift table")

    # A coder applies a code by keyboard, sets a stance, opens history and the shortcut list.
    coder = new_page()
    login(coder, base, "coder1")
    doc = walk.study.english[0].document_id
    coder.goto(f"{base}/p/{slug}/d/{doc}/code")
    sovereignty = walk.study.codes["Sovereignty"]
    coder.wait_for_function("() => document.activeElement.matches('li.passage.current')")
    coder.keyboard.press(sovereignty.shortcut or "")
    coder.locator("li.passage.current .chip", has_text="Sovereignty").wait_for()
    coder.keyboard.press("g")
    chip = f"li.passage.current .chip[data-code='{sovereignty.id}']"
    coder.locator(f"{chip} button.stance.on[data-value='2']").wait_for()
    coder.locator("li.passage.current button.history-link").click()
    coder.locator("li.passage.current .history table").wait_for()
    assert_accessible(coder, "coding view, after coding")
    coder.keyboard.press("?")
    coder.locator("dialog#shortcuts[open]").wait_for()
    assert_accessible(coder, "coding view, shortcut list")
    # The linked Chinese version's aligned passage, opened with "v" under the current passage.
    coder.goto(f"{base}/p/{slug}/d/{doc}/code")
    coder.wait_for_function("() => document.activeElement.matches('li.passage.current')")
    coder.keyboard.press("v")
    coder.locator("li.passage.current .aligned .aligned-text").first.wait_for()
    assert_accessible(coder, "coding view, the other version's passage")


# GET routes that are not pages of their own, so the walks above do not open them.
NOT_PAGES = {
    # Files: stylesheets, scripts and fonts.
    "static",
    # Downloads: a workbook, CSV or JSON file, never an HTML page.
    "agreement.report_json_view",
    "codebook.export",
    "exports.coding_sheet",
    "exports.download",
    "exports.job_file",
    "analysis.segments_csv",
    # Fragments swapped into a page by htmx: audited inside it (the report's breakdown when
    # opened; a passage's history in the coding view, see test_pages_after_htmx_swaps_pass_axe).
    "agreement.breakdown",
    "coding.history",
    # Other coders' codings of a passage, opened under it in the lead's coding view (audited
    # there, in test_pages_after_htmx_swaps_pass_axe).
    "coding.others",
    # The other version's aligned passage, opened under the current passage with "v" (audited
    # there, in test_pages_after_htmx_swaps_pass_axe).
    "translations.aligned_passages",
    # The state of a suggestion training job, polled into the quality page while it runs
    # (the page's own copy of it is audited with the page).
    "quality.training_job",
    # The agreement report's drift table, loaded when opened (audited there, in
    # test_pages_after_htmx_swaps_pass_axe).
    "quality.report_drift",
}


def test_every_page_route_is_audited(app: Flask, walk: WalkStudy) -> None:
    # A new page added to the application fails here until it is added to a walk (or, if it is
    # not a page, to NOT_PAGES with the reason).
    walked = [*walk.lead_pages().values(), *walk.coder_pages().values(), *ADMIN_PAGES.values()]
    adapter = app.url_map.bind("localhost")
    audited = {adapter.match(urlsplit(path).path, method="GET")[0] for path in [SIGN_IN, *walked]}
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    assert not NOT_PAGES - routes, f"not routes any more: {sorted(NOT_PAGES - routes)}"
    assert not audited & NOT_PAGES, f"walked but listed as not pages: {sorted(audited & NOT_PAGES)}"
    missing = routes - NOT_PAGES - audited
    assert not missing, f"pages no accessibility walk opens: {sorted(missing)}"
