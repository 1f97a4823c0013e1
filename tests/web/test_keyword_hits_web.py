"""Dictionary hits: keywords marked in the coding view (text-safe), and counted in the analysis
and the export workbook against the codings of the chosen layer."""

from __future__ import annotations

import io

import openpyxl
from lxml import html
from sqlalchemy import select

from tests.db.quality_fixtures import keyword_project
from tests.db.quality_fixtures import passages_of
from workbench.coding.view import segments
from workbench.core.suggest.dictionary import Hit
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.interchange import exports
from workbench.models import Document

TRICKY = (
    "<b>Not bold</b> & a public-private partnership, then Public-Private Partnership again.\n\n"
    "中方支持公私伙伴关系。\n\n"
    "Nothing here at all."
).encode()


def test_segments_cut_at_keyword_edges_and_keep_the_text() -> None:
    text = "ab public-private partnership cd"
    hits = [Hit("7", "public-private partnership", 3, 29), Hit("9", "partnership", 18, 29)]
    pieces = segments(text, [(0, 5, "#123456")], hits)
    assert "".join(p for p, _, _ in pieces) == text
    assert pieces == [
        ("ab ", ["#123456"], []),
        ("pu", ["#123456"], [7]),
        ("blic-private ", [], [7]),
        ("partnership", [], [7, 9]),
        (" cd", [], []),
    ]
    assert segments("plain", []) == [("plain", [], [])]


def test_coding_view_marks_keywords_per_code_without_changing_the_text(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, _, ann, partnership, randomly = keyword_project(
        session, make_user, make_project, import_text
    )
    import_text(project, [("tricky.txt", TRICKY)])
    fresh = session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert fresh is not None
    coder = client_factory()
    coder.login("ann")
    page = coder.get(f"/p/{project.slug}/d/{fresh.id}/code")
    assert page.status_code == 200
    tree = html.fromstring(page.get_data(as_text=True))
    first, chinese, plain = [p for p in passages_of(session, project) if p.document_id == fresh.id]
    texts = {
        p.id: tree.xpath(f"//li[@id='passage-{p.id}']//p[@data-text]")[0]
        for p in (first, chinese, plain)
    }
    for p in (first, chinese, plain):
        assert texts[p.id].text_content() == p.text  # markup in the text stays text
    assert not tree.xpath(f"//li[@id='passage-{first.id}']//p[@data-text]//b")
    marked = {
        p.id: [
            (s.text_content(), s.get("data-kw")) for s in texts[p.id].xpath(".//span[@class='kw']")
        ]
        for p in (first, chinese, plain)
    }
    assert marked == {
        first.id: [
            ("public-private partnership", str(partnership.id)),
            ("Public-Private Partnership", str(partnership.id)),
        ],
        chinese.id: [("公私伙伴关系", str(partnership.id))],
        plain.id: [],
    }
    toggles = tree.xpath("//button[contains(@class, 'kw-toggle')]/@data-kw-code")
    assert toggles == ["all", str(partnership.id)]  # Random has no keywords: no toggle
    store = tree.xpath("//*[@id='keyword-toggles']/@data-store")[0]
    assert store == f"workbench-keywords:{project.slug}:{ann.id}"  # kept per coder

    # A coding action's fragment marks the keywords too.
    acted = coder.post(
        f"/p/{project.slug}/code/toggle",
        {"passage_id": chinese.id, "code_id": randomly.id, "scope": f"doc:{fresh.id}"},
    )
    row = html.fromstring(acted.get_data(as_text=True))
    assert [s.text_content() for s in row.xpath("//span[@class='kw']")] == ["公私伙伴关系"]


def _expected(hits_by_pid: dict[int, bool], coded_pids: set[int]) -> dict[str, int]:
    hit = {pid for pid, h in hits_by_pid.items() if h}
    return {
        "hits": len(hit),
        "hit_coded": len(hit & coded_pids),
        "hit_not_coded": len(hit - coded_pids),
        "coded_no_hit": len(coded_pids - hit),
    }


def test_analysis_and_export_cross_keyword_hits_with_the_layer(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, _, _, _, _ = keyword_project(session, make_user, make_project, import_text)
    passages = passages_of(session, project)
    # An independent reading of the hits: the phrase, in any case, anywhere in the text.
    hits = {p.id: "public-private partnership" in p.text.lower() for p in passages}
    assert 20 < sum(hits.values()) < 140
    # Passages 1-40 are coded in the consensus only, 41-160 by both coders, who agree with it.
    truth_coded = {p.id for p in passages if hits[p.id]}
    coders_layer = truth_coded & {p.id for p in passages[40:]}
    consensus_layer = truth_coded & {p.id for p in passages[:40]}

    client = client_factory()
    client.login("lead")
    for layer, coded in (("coders", coders_layer), ("consensus", consensus_layer)):
        page = client.get(f"/p/{project.slug}/analysis?layer={layer}")
        assert page.status_code == 200
        tree = html.fromstring(page.get_data(as_text=True))
        rows = tree.xpath("//table[@id='keyword-table']/tbody/tr")
        assert [r.get("data-code") for r in rows] == ["Partnership"]
        got = {td.get("data-col"): int(td.text) for td in rows[0].xpath("td[@data-col]")}
        want = _expected(hits, coded)
        want["neither"] = len(passages) - want["hits"] - want["coded_no_hit"]
        assert got == want, layer

    buf = io.BytesIO()
    scope = ExportScope(bootstrap=0, layer=Layer.parse("consensus"))
    exports.write_export(session, project, scope, "xlsx", buf)
    sheet = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["Keywords"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    want = _expected(hits, consensus_layer)
    assert {k: row[k] for k in want} == want
    assert row["code_path"] == "Partnership" and row["passages"] == len(passages)
    assert row["keywords"] == "public-private partnership | 公私伙伴关系"
