"""Issue 4's "done when": a reliability round with two coders, adjudicated, seen in the report."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import login
from workbench.codebooks import codes as codebooks
from workbench.models import Passage

pytestmark = pytest.mark.browser

TEXT = (
    b"Mr. Zhang Jun (China): We support capacity-building for developing countries.\n\n"
    b"We oppose interference in the internal affairs of sovereign States.\n\n"
    b"The private sector is an indispensable partner in countering terrorist financing.\n"
)


def code_round(page: Any, base: str, slug: str, passages: list[int], apply: dict[int, int]) -> None:
    """In the coder's own page: open the round from the queue, apply codes, press Done."""
    page.goto(f"{base}/p/{slug}/queue")
    page.get_by_role("link", name="Reliability round: Round 1").click()
    page.wait_for_url("**/code?round=*")
    for pid in passages:
        li = page.locator(f"#passage-{pid}")
        li.locator("p.text").click()
        if pid in apply:
            page.locator(f".apply-code[data-code='{apply[pid]}']").click()
            page.locator(f"#passage-{pid} .chip").first.wait_for()
        page.locator(f"#passage-{pid} button.done").click()
        page.locator(f"#passage-{pid} .state[data-state='coded']").wait_for()


def test_round_adjudication_and_consensus_in_report(
    new_page, live_server: str, session, make_user, make_project, import_text
) -> None:
    lead = make_user("lead", name="Lead")
    one = make_user("coder1", name="Coder One")
    two = make_user("coder2", name="Coder Two")
    project = make_project("Round study", lead=lead, coders=(one, two))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", TEXT)])
    passages = list(
        session.scalars(
            select(Passage.id).where(Passage.project_id == project.id).order_by(Passage.ordinal)
        )
    )
    sov = next(c.id for c in codebooks.live_codes(session, project) if c.name == "Sovereignty")
    base, slug = live_server, project.slug

    # The lead starts a round of all three passages for both coders.
    page = new_page()
    login(page, base, "lead")
    page.goto(f"{base}/p/{slug}")
    page.get_by_role("link", name="Agreement", exact=True).click()
    form = page.locator("#new-round form")
    form.get_by_label("Name").fill("Round 1")
    form.get_by_label("Passages").fill("3")
    form.get_by_label("Seed (empty: drawn and recorded)").fill("1")
    form.get_by_label("Coder One").check()
    # One coder is not a reliability round: the error shows under the form, which stays.
    form.get_by_role("button", name="Draw the sample and start the round").click()
    page.locator("#round-errors .error").get_by_text("at least two coders").wait_for()
    assert page.locator("#rounds").count() == 1
    form.get_by_label("Coder Two").check()
    form.get_by_role("button", name="Draw the sample and start the round").click()
    page.locator("#rounds p.ok").get_by_text("3 passages for 2 coders").wait_for()
    assert page.locator("#round-errors .error").count() == 0  # the earlier error is cleared

    # Each coder codes blind in their own browser: they disagree on the second passage.
    first, second = new_page(), new_page()
    login(first, base, "coder1")
    login(second, base, "coder2")
    code_round(first, base, slug, passages, {passages[1]: sov})
    code_round(second, base, slug, passages, {})

    # The lead opens the disagreement browser and adopts coder one's coding.
    page.goto(f"{base}/p/{slug}/agreement")
    page.locator("a.button", has_text="Disagreements").click()
    card = page.locator(f"#adj-{passages[1]}")
    assert card.get_attribute("data-status") == "disagreement"
    card.get_by_role("button", name="Adopt Coder One").click()
    page.locator(f"#adj-{passages[1]}[data-status='resolved']").wait_for()
    consensus = page.locator(f"#adj-{passages[1]} td.consensus-col").first
    assert "✓" in consensus.inner_text()

    # The round's report now compares each coder with the consensus.
    page.goto(f"{base}/p/{slug}/agreement")
    page.get_by_role("link", name="Round 1").click()
    page.get_by_role("link", name="Round report").click()
    table = page.locator("#reference-table")
    table.wait_for()
    assert "consensus" in page.locator("#reference h2").inner_text()
    assert table.locator("tr[data-coder='coder1'] td").nth(1).inner_text() == "1.000"
    assert table.locator("tr[data-coder='coder2'] td").nth(1).inner_text() != "1.000"
    assert page.locator("svg.alpha-chart line.threshold").count() == 2
    # The speech breakdown (original vs translated) loads by itself; others when opened.
    page.locator("details[data-breakdown='speech'] tr[data-value='original']").wait_for()
    page.locator("details[data-breakdown='delegation'] summary").click()
    page.locator("details[data-breakdown='delegation'] tr[data-value='China']").wait_for()
