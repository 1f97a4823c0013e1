"""A blind coder walks every page they can reach and finds no trace of another coder.

Coder A codes first (codes with stances, code memos, a span, a passage memo, some in a
reliability round). Coder B, in the same blind project, then signs in and walks every page:
the known URLs of the project, plus every link and every htmx GET found on the pages, one hop
after another. Every body (pages, fragments, CSV downloads, refusals) is searched for A's
username, display name and memo strings, and every count the pages show is checked against B's
own codings, computed here from the database.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import urljoin
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from tests.browser.conftest import login
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import Passage
from workbench.models import PassageState
from workbench.reliability import rounds

pytestmark = pytest.mark.browser

TEXT = (
    b"Mr. Zhang Jun (China): We support capacity-building for developing countries.\n\n"
    b"We oppose interference in the internal affairs of sovereign States.\n\n"
    b"The private sector is an indispensable partner in countering terrorist financing.\n\n"
    b"Double standards in counter-terrorism must be rejected by every Member State.\n"
)
A_USER, A_NAME = "quillzeb", "Zebulon Quillfeather"
A_CODE_MEMO = "QUINCUNX-code-memo-7731"
A_PASSAGE_MEMO = "XYZZY-passage-memo-4412"
A_ROUND_MEMO = "PLUGH-round-memo-9904"
TRACES = (A_USER, A_NAME, "Zebulon", "Quillfeather", A_CODE_MEMO, A_PASSAGE_MEMO, A_ROUND_MEMO)
HTMX_GET = re.compile(r'hx-get="([^"]+)"')


def _arrange(session: Any, make_user: Any, make_project: Any, import_text: Any) -> dict[str, Any]:
    lead = make_user("lead", name="Lead")
    a = make_user(A_USER, name=A_NAME)
    b = make_user("beecoder", name="Coder Bee")
    project = make_project("Blind study", lead=lead, coders=(a, b), blind=True)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", TEXT)])
    codes = {c.name: c for c in codebooks.live_codes(session, project)}
    p = list(
        session.scalars(
            select(Passage).where(Passage.project_id == project.id).order_by(Passage.ordinal)
        )
    )
    rnd = rounds.create_round(
        session, project, lead, name="Round 1", size=2, coder_ids=[a.id, b.id], seed=3
    )
    session.commit()

    def apply(who: Any, passage: Passage, name: str, **kw: Any) -> None:
        coding.apply_code(session, project, who, passage.id, codes[name].id, **kw)

    # A codes heavily: stances on every stance code, memos, a span, a passage memo.
    apply(a, p[0], "Capacity-building", stance=2, memo=A_CODE_MEMO)
    apply(a, p[0], "Sovereignty", stance=-2, span=coding.Span(3, 12))
    apply(a, p[1], "Sovereignty", stance=-1, memo=A_ROUND_MEMO)
    apply(a, p[1], "Double standards", stance=1)
    apply(a, p[2], "Public-private partnership", stance=2)
    apply(a, p[3], "Double standards", stance=2)
    coding.set_passage_memo(session, project, a, p[2].id, A_PASSAGE_MEMO, limit=20_000)
    coding.set_done(session, project, a, p[2].id, True)
    # B codes a little: one code with a stance, one "nothing applies".
    apply(b, p[0], "Capacity-building", stance=1)
    coding.set_done(session, project, b, p[1].id, True)
    session.commit()
    return {
        "project": project,
        "a": a,
        "b": b,
        "codes": codes,
        "passages": p,
        "round": rnd,
    }


def _b_counts(session: Any, project: Any, b: Any) -> tuple[Counter[int], int, int]:
    """B's annotations per code, B's annotations in all and B's coded passages."""
    per_code: Counter[int] = Counter(
        session.scalars(
            select(Annotation.code_id).where(
                Annotation.project_id == project.id, Annotation.coder_id == b.id
            )
        )
    )
    coded = len(
        session.scalars(
            select(PassageState.id).where(
                PassageState.project_id == project.id,
                PassageState.coder_id == b.id,
                PassageState.coded.is_(True),
            )
        ).all()
    )
    return per_code, sum(per_code.values()), coded


def _no_trace(url: str, body: str) -> None:
    # The language switcher sends the visitor back to the address they asked for: that echo of
    # their own URL is no trace of another coder, whatever they typed into it.
    body = re.sub(r'<input type="hidden" name="next" value="[^"]*">', "", body)
    lowered = body.lower()
    for trace in TRACES:
        assert trace.lower() not in lowered, f"{url} shows coder A's trace {trace!r}"


def test_blind_coder_sees_no_trace_of_another_coder(
    new_page, live_server: str, session, make_user, make_project, import_text
) -> None:
    s = _arrange(session, make_user, make_project, import_text)
    project, b, codes, p = s["project"], s["b"], s["codes"], s["passages"]
    slug, base = project.slug, live_server
    per_code, b_total, b_coded = _b_counts(session, project, b)
    assert b_total == 1 and b_coded == 2  # the arrangement, as intended
    doc_id = p[0].document_id
    cb = codes["Capacity-building"].id
    known = [
        "/",
        f"/p/{slug}",
        f"/p/{slug}/queue",
        f"/p/{slug}/codebook",
        f"/p/{slug}/code",
        f"/p/{slug}/code?status=done",
        f"/p/{slug}/code?round={s['round'].id}",
        f"/p/{slug}/d/{doc_id}",
        f"/p/{slug}/d/{doc_id}/code",
        f"/p/{slug}/analysis",
        f"/p/{slug}/analysis?code={cb}",
        f"/p/{slug}/analysis?code={codes['Double standards'].id}&dimension=speaker",
        f"/p/{slug}/analysis/segments?code={cb}",
        f"/p/{slug}/analysis/segments.csv?code={cb}",
        f"/p/{slug}/analysis?layer=coders",
        f"/p/{slug}/analysis?layer=consensus",
        f"/p/{slug}/analysis?layer=coder:{A_USER}",
        f"/p/{slug}/agreement/mine",
        f"/p/{slug}/agreement",
        f"/p/{slug}/agreement/report",
        f"/p/{slug}/agreement/report.json",
        f"/p/{slug}/agreement/disagreements",
        f"/p/{slug}/agreement/passages/{p[0].id}",
        f"/p/{slug}/team",
        f"/p/{slug}/export",
        f"/p/{slug}/export/download?format=csv&table=annotations",
        "/account/password",
        *[f"/p/{slug}/passages/{x.id}/history" for x in p],
    ]
    page = new_page()
    login(page, base, "beecoder")
    seen: set[str] = set()
    queue = [urljoin(base, u) for u in known]
    pages_ok: dict[str, str] = {}
    while queue:
        url = queue.pop(0)
        parts = urlparse(url)
        key = parts.path + ("?" + parts.query if parts.query else "")
        if key in seen or parts.netloc != urlparse(base).netloc:
            continue
        seen.add(key)
        response = page.request.get(url)
        body = response.text()
        _no_trace(key, body)
        kind = response.headers.get("content-type", "")
        if response.status != 200 or "text/html" not in kind:
            continue
        full = "<html" in body[:500].lower()
        if full:
            # Render it too: htmx loads fragments (also checked) and any console error fails.
            page.goto(url)
            page.wait_for_load_state("networkidle")
            body = page.content()
            _no_trace(key, body)
        pages_ok[key] = body
        for href in re.findall(r'href="([^"#]+)', body) + HTMX_GET.findall(body):
            href = href.replace("&amp;", "&")
            target = urljoin(url, href)
            path = urlparse(target).path
            if path.startswith(("/static/", "/logout")) or not path.startswith(("/p/", "/acc")):
                continue
            if path.startswith("/p/") and not path.startswith(f"/p/{slug}"):
                continue
            queue.append(target)
    # The walk reached the pages a coder has, and more than the known list.
    for must in (f"/p/{slug}", f"/p/{slug}/codebook", f"/p/{slug}/code", f"/p/{slug}/analysis"):
        assert must in pages_ok, f"{must} was not reachable"
    assert len(seen) > len(set(known))

    # Counts equal B's own. Codebook: "N of your annotations" on every code card.
    page.goto(f"{base}/p/{slug}/codebook")
    for code in codebooks.live_codes(session, project):
        text = page.locator(f"#code-{code.id} header .muted").inner_text()
        assert text.startswith(f"{per_code.get(code.id, 0)} of your annotations"), (code.name, text)
    # Analysis: passages and annotations per code are B's.
    page.goto(f"{base}/p/{slug}/analysis")
    rows = page.locator("#frequency-table tbody tr")
    assert rows.count() > 0
    by_path = codebooks.code_paths(codebooks.all_codes(session, project))
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        path = cells.nth(0).inner_text().strip()
        code_id = next(cid for cid, pth in by_path.items() if pth == path)
        assert int(cells.nth(1).inner_text()) == per_code.get(code_id, 0), path
        assert int(cells.nth(2).inner_text()) == per_code.get(code_id, 0), path
    # The coding view: only B's chips, B's coded states, B's stance, no span marks of A's.
    page.goto(f"{base}/p/{slug}/code")
    assert page.locator(".chip").count() == b_total
    assert page.locator(".state[data-state='coded']").count() == b_coded
    # A passage shows each code's stance; the passage being coded also has its stance buttons.
    assert page.locator(".chip[data-stance]").count() == 1
    assert page.locator(f"#passage-{p[0].id} .chip").get_attribute("data-stance") == "1"
    page.locator(f"#passage-{p[0].id} p.text").click()
    assert page.locator(".stance.on").count() == 1
    assert page.locator(f"#passage-{p[0].id} .stance.on").get_attribute("data-value") == "1"
    assert page.locator("mark").count() == 0
    assert A_NAME not in page.content()
    # The queue's round progress is B's: B's coded passages among the round's.
    round_ids = set(
        session.scalars(
            select(Assignment.passage_id).where(
                Assignment.round_id == s["round"].id, Assignment.coder_id == b.id
            )
        )
    )
    b_done = set(
        session.scalars(
            select(PassageState.passage_id).where(
                PassageState.coder_id == b.id, PassageState.coded.is_(True)
            )
        )
    )
    page.goto(f"{base}/p/{slug}/queue")
    bar = page.locator("table.queue [role=progressbar]").first
    assert bar.get_attribute("aria-valuemax") == str(len(round_ids))
    assert bar.get_attribute("aria-valuenow") == str(len(round_ids & b_done))
    # The project page's progress is B's.
    page.goto(f"{base}/p/{slug}")
    bar = page.locator("#documents [role=progressbar]").first
    assert bar.get_attribute("aria-valuenow") == str(b_coded)
