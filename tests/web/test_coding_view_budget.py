"""The coding view of a heavily coded document stays light, for every role.

A 180-passage document carrying 4,000 codings by six coders (stances, selections, code memos,
passage memos, codings made under an older definition), opened by its lead, by a coder (blind:
their own codings only) and by a coder in a blind reliability round over it, is at most 300 KB of
HTML, and still shows everything it should: every passage, each of the viewer's codings with its
stance, selection, flag and memo, and (for the lead) how many codings the others made where.
The bytes are deterministic; the server time is measured by bench/bench_view.py, not here.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from lxml import html
from sqlalchemy import insert
from sqlalchemy import select

from tests.conftest import reread
from workbench.codebooks import codes as codebooks
from workbench.models import Annotation
from workbench.models import Passage
from workbench.models import PassageState
from workbench.reliability import rounds

BUDGET = 300_000
PASSAGES = 180
CODINGS = 4000
CODERS = 6
PROSE = (
    "the council must strengthen capacity building and respect the sovereignty of states while "
    "countering terrorist financing through cooperation with the private sector and regional "
    "organisations under the charter without double standards or interference"
)
WORDS = PROSE.split()


def _sentence(rng: random.Random, low: int, high: int) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    return body[0].upper() + body[1:] + "."


@pytest.fixture()
def heavy(session: Any, make_user: Any, make_project: Any, import_text: Any) -> dict[str, Any]:
    rng = random.Random(11)
    lead = make_user("lead", name="Lead")
    coders = [make_user(f"coder{i}", name=f"Coder {i}") for i in range(CODERS)]
    project = make_project("Heavy", lead=lead, coders=tuple(coders), blind=True)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    text = "\n\n".join(_sentence(rng, 10, 50) for _ in range(PASSAGES))
    import_text(project, [("statement.txt", text.encode())])
    passages = list(session.scalars(select(Passage).where(Passage.codable.is_(True))))
    codes = [c for c in codebooks.live_codes(session, project) if c.is_codable]
    chosen: dict[tuple[int, int, int], dict[str, Any]] = {}
    while len(chosen) < CODINGS:
        passage, coder, code = rng.choice(passages), rng.choice(coders), rng.choice(codes)
        if (passage.id, coder.id, code.id) in chosen:
            continue
        start = rng.randrange(len(passage.text) // 2) if rng.random() < 0.15 else None
        chosen[(passage.id, coder.id, code.id)] = {
            "project_id": project.id,
            "passage_id": passage.id,
            "coder_id": coder.id,
            "code_id": code.id,
            "stance": rng.choice([-2, -1, 0, 1, 2, None]) if code.takes_stance else None,
            "memo": _sentence(rng, 5, 25) if rng.random() < 0.1 else "",
            "span_start": start,
            "span_end": None if start is None else start + rng.randint(5, 40),
            "code_revision": code.revision - (rng.random() < 0.05),
        }
    session.execute(insert(Annotation), list(chosen.values()))
    states = sorted({(p, c) for p, c, _k in chosen})
    session.execute(
        insert(PassageState),
        [
            {
                "project_id": project.id,
                "passage_id": p,
                "coder_id": c,
                "coded": rng.random() < 0.8,
                "memo": _sentence(rng, 5, 30) if rng.random() < 0.05 else "",
            }
            for p, c in states
        ],
    )
    doc = passages[0].document_id
    rnd = rounds.create_round(
        session,
        project,
        lead,
        name="Round 1",
        size=PASSAGES,
        coder_ids=[coders[0].id, coders[1].id],
        seed=1,
        doc_ids=[doc],
    )
    session.commit()
    reread(session)
    return {"project": project, "doc": doc, "round": rnd.id, "codings": chosen, "coders": coders}


def _passages(page: Any) -> list[Any]:
    return page.xpath("//ol[@id='coding-list']/li[contains(@class, 'passage')]")


def _chips(page: Any) -> list[Any]:
    return page.xpath("//div[contains(@class, 'chips')]/div[contains(@class, 'chip')]")


def test_every_role_gets_the_heavy_document_in_300_kb(client_factory: Any, heavy: Any) -> None:
    slug, doc = heavy["project"].slug, heavy["doc"]
    coder_id = heavy["coders"][0].id
    mine = [v for (_p, c, _k), v in heavy["codings"].items() if c == coder_id]
    lead, coder = client_factory(), client_factory()
    lead.login("lead")
    coder.login("coder0")
    sizes = {}
    for name, client, url in [
        ("lead", lead, f"/p/{slug}/d/{doc}/code"),
        ("coder", coder, f"/p/{slug}/d/{doc}/code"),
        ("coder in the blind round", coder, f"/p/{slug}/code?round={heavy['round']}"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, name
        body = response.get_data()
        sizes[name] = len(body)
        page = html.fromstring(body)
        assert len(_passages(page)) == PASSAGES, name
        chips = _chips(page)
        if name == "lead":
            # The lead codes nothing here; each passage says how many codings the others made.
            assert chips == []
            summaries = page.xpath("//details[contains(@class, 'others')]/summary")
            assert sum(int(s.text_content().split()[0]) for s in summaries) == CODINGS
            continue
        # A blind coder sees their own codings whole, and not one of the others'.
        assert len(chips) == len(mine), name
        stances = Counter(c.get("data-stance") for c in chips if c.get("data-stance"))
        assert stances == Counter(str(m["stance"]) for m in mine if m["stance"] is not None), name
        notes = page.xpath("//div[@class='chips']//*[@class='memo-note']")
        memos = [m.text_content() for m in notes]
        assert sorted(memos) == sorted(m["memo"] for m in mine if m["memo"]), name
        spans = page.xpath("//div[@class='chips']//*[contains(@class, 'span')]")
        assert len(spans) == sum(1 for m in mine if m["span_start"] is not None), name
        assert page.xpath("//details[contains(@class, 'others')]") == [], name
    over = {name: size for name, size in sizes.items() if size > BUDGET}
    assert not over, f"over the {BUDGET:,}-byte budget: {over}"
