"""The lead adjudicates with everything in view: each coder's codes, stances, spans and memos
side by side, and writes a consensus memo that is stored, shown and exported."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import login
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.models import ConsensusState
from workbench.models import Passage

pytestmark = pytest.mark.browser

TEXT = (
    b"We oppose interference in the internal affairs of sovereign States.\n\n"
    b"The private sector is an indispensable partner in countering terrorist financing.\n"
)
MEMO_ONE = "One reads this as a rejection of intervention"
MEMO_TWO = "Two sees capacity-building here"
PASSAGE_MEMO_ONE = "Passage memo of coder one: compare the 2015 statement"
PASSAGE_MEMO_TWO = "Passage memo of coder two: speaker unclear"
CONSENSUS_MEMO = "Agreed after discussion: sovereignty, firmly"


def test_adjudication_shows_both_coders_memos_and_takes_a_consensus_memo(
    new_page, live_server: str, session, make_user, make_project, import_text
) -> None:
    lead = make_user("lead", name="Lead")
    one = make_user("coder1", name="Coder One")
    two = make_user("coder2", name="Coder Two")
    project = make_project("Adjudication study", lead=lead, coders=(one, two))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", TEXT)])
    codes = {c.name: c for c in codebooks.live_codes(session, project)}
    p0, p1 = session.scalars(
        select(Passage).where(Passage.project_id == project.id).order_by(Passage.ordinal)
    ).all()
    sov, other = codes["Sovereignty"].id, codes["Capacity-building"].id
    coding.apply_code(
        session, project, one, p0.id, sov, stance=-2, memo=MEMO_ONE, span=coding.Span(10, 22)
    )
    coding.apply_code(session, project, two, p0.id, other, memo=MEMO_TWO)
    coding.set_passage_memo(session, project, one, p0.id, PASSAGE_MEMO_ONE, limit=20_000)
    coding.set_passage_memo(session, project, two, p0.id, PASSAGE_MEMO_TWO, limit=20_000)
    # A second disagreement keeps the counter honest: resolving one leaves one open.
    coding.apply_code(session, project, one, p1.id, sov, stance=1)
    coding.set_done(session, project, two, p1.id, True)
    session.commit()
    spanned = p0.text[10:22]

    page = new_page()
    base, slug = live_server, project.slug
    login(page, base, "lead")
    page.goto(f"{base}/p/{slug}/agreement/disagreements")
    counts = page.locator("#counts")
    assert "2 open disagreements" in counts.inner_text()
    assert "0 resolved passages" in counts.inner_text()
    card = page.locator(f"#adj-{p0.id}")
    # Side by side: each coder's code memo, the spanned text and each coder's passage memo.
    assert card.locator(".code-memo[data-coder='Coder One']").inner_text() == MEMO_ONE
    assert card.locator(".code-memo[data-coder='Coder Two']").inner_text() == MEMO_TWO
    assert card.locator("q.span").inner_text() == spanned
    assert card.locator(".passage-memo[data-coder='Coder One']").inner_text() == PASSAGE_MEMO_ONE
    assert card.locator(".passage-memo[data-coder='Coder Two']").inner_text() == PASSAGE_MEMO_TWO
    # The memos sit in the columns of their coders.
    headers = [h.strip() for h in card.locator("thead th").all_inner_texts()]
    memo_cells = card.locator("tr.memos td").all_inner_texts()
    assert PASSAGE_MEMO_ONE in memo_cells[headers.index("Coder One") - 1]
    assert PASSAGE_MEMO_TWO in memo_cells[headers.index("Coder Two") - 1]

    # The lead writes the consensus with a memo.
    card.locator("summary", has_text="Edit the consensus").click()
    form = card.locator("form.resolve.edit")
    form.locator(f"input[name=code][value='{sov}']").check()
    form.locator(f"select[name=stance_{sov}]").select_option("-2")
    form.locator("textarea[name=note]").fill(CONSENSUS_MEMO)
    form.get_by_role("button", name="Save consensus").click()
    page.locator(f"#adj-{p0.id}[data-status='resolved']").wait_for()
    resolved = page.locator(f"#adj-{p0.id}")
    assert resolved.locator(".consensus-memo").inner_text() == CONSENSUS_MEMO
    # The counter above the list moved in place.
    page.locator("#counts", has_text="1 open disagreement").wait_for()
    assert "1 resolved passage" in page.locator("#counts").inner_text()

    # Stored, shown on the passage's own page, and exported with the consensus.
    session.rollback()
    state = session.scalar(select(ConsensusState).where(ConsensusState.passage_id == p0.id))
    assert state is not None and state.memo == CONSENSUS_MEMO
    page.goto(f"{base}/p/{slug}/agreement/passages/{p0.id}")
    assert page.locator(".consensus-memo").inner_text() == CONSENSUS_MEMO
    assert page.locator("textarea[name=note]").input_value() == CONSENSUS_MEMO
    assert page.locator(".passage-memo[data-coder='Coder Two']").inner_text() == PASSAGE_MEMO_TWO
    csv = page.request.get(f"{base}/p/{slug}/export/download?format=csv&table=coded").text()
    consensus_rows = [line for line in csv.splitlines() if ",consensus," in line]
    assert len(consensus_rows) == 1 and CONSENSUS_MEMO in consensus_rows[0]
