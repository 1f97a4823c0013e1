"""A reliability round over HTTP: create, code, report, disagreements, adjudication, consensus."""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import reread
from workbench.core.agreement import CodingRecord
from workbench.core.agreement import build_report
from workbench.models import AuditEvent
from workbench.models import ConsensusAnnotation
from workbench.models import Passage
from workbench.models import ReliabilityRound

from .conftest import Team

CB = "Cooperation > Capacity-building"
SOV = "Sovereignty and non-interference > Sovereignty"
PPP = "Cooperation > Public-private partnership"
VOID = {"br", "hr", "img", "input", "link", "meta", "col", "area", "base", "source", "wbr"}


@dataclass
class Node:
    """An element of a parsed page."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """The element's text, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with this tag and these attribute values (class_ for class)."""
        found: list[Node] = []
        for child in self.children:
            if isinstance(child, Node):
                wanted = {k.rstrip("_"): v for k, v in attrs.items()}
                if (tag is None or child.tag == tag) and all(
                    child.attrs.get(k) == v for k, v in wanted.items()
                ):
                    found.append(child)
                found.extend(child.all(tag, **attrs))
        return found

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        """The single descendant matching; fails the test when there is not exactly one."""
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def dom(html: str | Any) -> Node:
    """Parse a page or a response into a Node tree."""
    if not isinstance(html, str):
        html = html.get_data(as_text=True)
    builder = _Builder()
    builder.feed(html)
    return builder.root


def row_cells(table: Node, attr: str, value: str) -> list[str]:
    """Texts of the header and data cells of the table row whose attribute matches."""
    rows = [r for r in table.all("tr") if r.attrs.get(attr) == value]
    assert len(rows) == 1, f"no single row {attr}={value!r}"
    return [c.text() for c in rows[0].children if isinstance(c, Node) and c.tag in ("th", "td")]


def create_round(lead: Any, team: Team, size: int = 3, seed: int = 5) -> ReliabilityRound:
    """The lead draws a round over every passage for both coders."""
    r = lead.post(
        f"/p/{team.slug}/agreement/rounds",
        {
            "name": "Round 1",
            "size": str(size),
            "seed": str(seed),
            "stratify": "document",
            "coders": [str(team.coder1.id), str(team.coder2.id)],
        },
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert (
        "Round “Round 1” created: 3 passages for 2 coders (seed 5)"
        in dom(r).one("p", role="status").text()
    )
    return r


def code(
    client: Any, team: Team, passage: Any, name: str | None, stance: int | None = None
) -> None:
    """Apply a code (with a stance) through the coding endpoints, or mark 'nothing applies'."""
    if name is None:
        r = client.post(f"/p/{team.slug}/code/done", {"passage_id": passage.id, "coded": "1"})
    else:
        data = {"passage_id": passage.id, "code_id": team.codes[name].id}
        if stance is not None:
            data["stance"] = str(stance)
        r = client.post(f"/p/{team.slug}/code/apply", data)
    assert r.status_code == 200, r.get_data(as_text=True)


@pytest.fixture()
def coded_round(client_factory, team: Team, session) -> tuple[Any, ReliabilityRound]:
    """A round of all three passages, coded: p0 agreed, p1 stance differs, p2 presence differs."""
    return make_coded_round(client_factory, team, session)


def make_coded_round(client_factory, team: Team, session) -> tuple[Any, ReliabilityRound]:
    """The lead's client and the round of ``coded_round`` (shared with other test modules)."""
    lead, one, two = client_factory(), client_factory(), client_factory()
    lead.login("lead")
    one.login("coder1")
    two.login("coder2")
    create_round(lead, team)
    reread(session)
    rnd = session.scalar(select(ReliabilityRound))
    p0, p1, p2 = team.passages
    code(one, team, p0, "Capacity-building", 2)
    code(two, team, p0, "Capacity-building", 2)
    code(one, team, p1, "Sovereignty", -1)
    code(two, team, p1, "Sovereignty", 1)
    code(one, team, p2, "Public-private partnership", 1)
    code(two, team, p2, None)
    return lead, rnd


def hand_records(team: Team) -> list[CodingRecord]:
    p0, p1, p2 = (p.id for p in team.passages)
    return [
        CodingRecord(p0, "coder1", CB, 2),
        CodingRecord(p0, "coder2", CB, 2),
        CodingRecord(p1, "coder1", SOV, -1),
        CodingRecord(p1, "coder2", SOV, 1),
        CodingRecord(p2, "coder1", PPP, 1),
        CodingRecord(p2, "coder2", None),
    ]


def test_round_report_shows_the_right_alpha(coded_round, team: Team) -> None:
    lead, rnd = coded_round
    page = dom(lead.get(f"/p/{team.slug}/agreement/report?round={rnd.id}&bootstrap=200&seed=3"))
    per_code = page.one("table", id="per-code")
    expected = build_report(hand_records(team), codes=[CB, PPP, SOV], bootstrap=200, seed=3)
    # PPP: 1 of 6 values is a one, in a disagreeing unit: D_o = 2/6 = D_e → α = 0.
    assert expected.per_code[PPP].presence.alpha == 0.0
    for path in (CB, SOV, PPP):
        cells = row_cells(per_code, "data-code", path)
        presence = expected.per_code[path].presence
        assert cells[2] == f"{presence.alpha:.3f}"
        low, high = presence.alpha_ci95 or (None, None)
        assert cells[3] == ("—" if low is None else f"[{low:.3f}, {high:.3f}]")
    # The stance of sovereignty: one unit, -1 vs +1.
    stance = row_cells(page.one("table", id="stance"), "data-code", SOV)
    assert stance[1] == "1" and stance[2] == "0.0 %"
    assert "bootstrap 200 replicates, seed 3" in page.one(id="bootstrap-seed").text()
    # The chart draws every code with its α and the two threshold lines.
    svg = page.one("svg")
    assert {g.attrs["data-code"] for g in svg.all("g")} >= {CB, SOV, PPP}
    assert {ln.attrs["data-threshold"] for ln in svg.all("line", class_="threshold")} == {
        "0.667",
        "0.800",
    }
    heat = page.one("table", id="heatmap")
    assert "Coder One" in heat.text() and "Coder Two" in heat.text()
    # The JSON has the same numbers.
    js = json.loads(
        lead.get(
            f"/p/{team.slug}/agreement/report.json?round={rnd.id}&bootstrap=200&seed=3"
        ).get_data(as_text=True)
    )
    assert {k: js["per_code"][k] for k in (CB, PPP, SOV)} == json.loads(
        json.dumps(expected.to_json())
    )["per_code"]
    # Codes nobody applied are reported too, undefined rather than 0.
    unused = js["per_code"]["Cooperation > Central role of the UN"]
    assert unused["presence"]["alpha"] is None and unused["flag"] == "undefined"
    assert js["round_id"] == rnd.id and js["reference_layer"] is None
    # Default report: 1000 replicates with the fixed seed, shown on the page.
    default = dom(lead.get(f"/p/{team.slug}/agreement/report"))
    assert "bootstrap 1000 replicates, seed 20250101" in default.one(id="bootstrap-seed").text()


def test_breakdowns_by_metadata(coded_round, team: Team, session) -> None:
    lead, rnd = coded_round
    reread(session)
    p0 = session.get(Passage, team.passages[0].id)
    p0.language, p0.original_language = "en", "zh"  # an interpretation of a Chinese speech
    session.commit()
    page = dom(lead.get(f"/p/{team.slug}/agreement/report?round={rnd.id}&bootstrap=0"))
    keys = [d.attrs["data-breakdown"] for d in page.one(id="breakdowns").all("details")]
    assert keys == ["speech", "language", "original_language", "delegation", "doc_type", "document"]
    r = lead.get(f"/p/{team.slug}/agreement/report/breakdown?by=speech&round={rnd.id}", htmx=True)
    table = dom(r).one("table")
    translated = row_cells(table, "data-value", "translated")
    original = row_cells(table, "data-value", "original")
    header = [th.text() for th in table.one("thead").all("th")]
    cb = header.index("Capacity-building")
    # Only p0 is translated: one pairable passage where both applied the code → α undefined.
    assert translated[cb] == "— n=1"
    # p1, p2: nobody applied capacity-building → no variation → undefined, never 0 or 1.
    assert original[cb] == "— n=2"
    ppp = header.index("Public-private partnership")
    assert original[ppp].startswith("0.000")  # coder one applied it on p2, coder two did not
    js = json.loads(
        lead.get(f"/p/{team.slug}/agreement/report.json?round={rnd.id}&bootstrap=0").get_data()
    )
    assert set(js["breakdowns"]["speech"]) == {"original", "translated"}
    assert js["breakdowns"]["speech"]["original"][PPP]["alpha"] == 0.0


def test_disagreements_adjudication_and_consensus_in_report(
    coded_round, team: Team, session
) -> None:
    lead, rnd = coded_round
    _, p1, p2 = team.passages
    page = dom(lead.get(f"/p/{team.slug}/agreement/disagreements?round={rnd.id}"))
    cards = page.all("article", class_="adjudication")
    assert [c.attrs["data-passage"] for c in cards] == [str(p1.id), str(p2.id)]
    side = cards[0].one("table")
    assert [th.text() for th in side.all("th", class_="coder")] == ["Coder One", "Coder Two"]
    assert row_cells(side, "data-code", SOV)[1:3] == ["✓ -1", "✓ +1"]
    hidden = dom(lead.get(f"/p/{team.slug}/agreement/disagreements?round={rnd.id}&names=hide"))
    assert "Coder One" not in hidden.one(id="adjudications").text()
    assert [th.text() for th in hidden.all("th", class_="coder")][:2] == ["Coder A", "Coder B"]
    # Both forms of a card carry the round and the hidden names on to the answer.
    for form in hidden.all("article")[0].all("form"):
        values = {i.attrs["name"]: i.attrs["value"] for i in form.all("input", type="hidden")}
        assert values["round"] == str(rnd.id) and values["names"] == "hide"
    adopt_buttons = [b.text() for b in hidden.all("article")[0].all("button", name="adopt")]
    assert adopt_buttons == ["Adopt Coder A", "Adopt Coder B"]
    # Filter by code: only the passage where public-private partnership is disputed.
    ppp = team.codes["Public-private partnership"].id
    only = dom(lead.get(f"/p/{team.slug}/agreement/disagreements?code={ppp}"))
    assert [c.attrs["data-passage"] for c in only.all("article")] == [str(p2.id)]
    # Resolve p1 by editing, p2 by adopting coder two ("nothing applies").
    sov = team.codes["Sovereignty"].id
    r = lead.post(
        f"/p/{team.slug}/agreement/passages/{p1.id}/resolve",
        {"code": str(sov), f"stance_{sov}": "-1", "note": "reads as a rejection", "round": rnd.id},
    )
    assert r.status_code == 200
    card = dom(r).one("article")
    assert card.attrs["data-status"] == "resolved"
    assert row_cells(card.one("table"), "data-code", SOV)[-1] == "✓ -1"
    r = lead.post(
        f"/p/{team.slug}/agreement/passages/{p2.id}/resolve",
        {"adopt": str(team.coder2.id), "round": rnd.id},
    )
    assert r.status_code == 200 and dom(r).one("article").attrs["data-status"] == "resolved"
    reread(session)
    assert [(c.passage_id, c.stance) for c in session.scalars(select(ConsensusAnnotation))] == [
        (p1.id, -1)
    ]
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "consensus")).all()
    assert [(e.action, e.passage_id) for e in events] == [("resolve", p1.id), ("adopt", p2.id)]
    assert events[0].after["note"] == "reads as a rejection"
    # No open disagreement left; the resolved view shows both with their consensus.
    open_page = dom(lead.get(f"/p/{team.slug}/agreement/disagreements?round={rnd.id}"))
    assert open_page.all("article") == []
    done = dom(lead.get(f"/p/{team.slug}/agreement/disagreements?round={rnd.id}&status=resolved"))
    assert len(done.all("article")) == 2
    # The report now compares each coder with the consensus.
    report = dom(lead.get(f"/p/{team.slug}/agreement/report?round={rnd.id}&bootstrap=0"))
    ref = report.one("table", id="reference-table")
    codes = json.loads(
        lead.get(f"/p/{team.slug}/agreement/report.json?round={rnd.id}&bootstrap=0").get_data()
    )["codes"]
    expected = build_report(
        hand_records(team),
        codes=codes,
        bootstrap=0,
        reference=[CodingRecord(p1.id, "consensus", SOV, -1), CodingRecord(p2.id, "c", None)],
    ).reference
    for coder in ("coder1", "coder2"):
        cells = row_cells(ref, "data-coder", coder)
        assert cells[1] == str(expected[coder].units)
        assert cells[2] == f"{expected[coder].accuracy:.3f}"
    assert row_cells(ref, "data-coder", "coder2")[2] == "1.000"  # coder two = consensus
    # Six codes × two adjudicated passages; only PPP on p2 differs: 11/12.
    assert row_cells(ref, "data-coder", "coder1")[2] == "0.917"


def test_adjudicating_an_agreed_passage_is_allowed(coded_round, team: Team) -> None:
    lead, _ = coded_round
    p0 = team.passages[0]
    card = dom(lead.get(f"/p/{team.slug}/agreement/passages/{p0.id}"))
    assert card.one("article").attrs["data-status"] == "agreed"
    # The edit form starts from the shared coding: capacity-building with stance +2.
    cb = team.codes["Capacity-building"].id
    box = next(i for i in card.all("input") if i.attrs.get("value") == str(cb))
    assert "checked" in box.attrs
    r = lead.post(f"/p/{team.slug}/agreement/passages/{p0.id}/resolve", {"adopt": team.coder1.id})
    assert dom(r).one("article").attrs["data-status"] == "resolved"
    r = lead.post(f"/p/{team.slug}/agreement/passages/{p0.id}/reopen", {})
    assert dom(r).one("article").attrs["data-status"] == "agreed"


def test_rounds_over_time_table(coded_round, team: Team) -> None:
    lead, rnd = coded_round
    page = dom(lead.get(f"/p/{team.slug}/agreement"))
    cells = row_cells(page.one("table", class_="list rounds-table"), "data-round", str(rnd.id))
    assert cells[0] == "Round 1" and cells[2] == f"v{rnd.codebook_version}"
    assert cells[3] == "Coder One, Coder Two" and cells[4] == "3" and cells[5] == "3"
    # Mean α over the defined codes: CB 1.0, PPP 0.0, SOV 1.0 (presence agreed on p1).
    assert cells[7] == f"{(1.0 + 0.0 + 1.0) / 3:.3f}"
    round_page = dom(lead.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}"))
    assert "stratified by document, seed 5" in round_page.text()


def test_methods_report(coded_round, team: Team) -> None:
    lead, rnd = coded_round
    lead.post(
        f"/p/{team.slug}/agreement/passages/{team.passages[1].id}/resolve",
        {"adopt": team.coder1.id},
    )
    page = dom(lead.get(f"/p/{team.slug}/agreement/methods?round={rnd.id}&bootstrap=100"))
    paragraph = page.one(id="methods-paragraph").text()
    assert paragraph.startswith("Intercoder reliability was assessed on 3 passages")
    assert "codebook version 1" in paragraph and "1 disagreement was resolved" in paragraph
    table = page.one("table", id="methods-table")
    header = [th.text() for th in table.all("th")]
    assert header[:4] == ["Code", "α", "95% CI low", "95% CI high"]
    assert {"codebook version", "disagreements resolved", "units", "coders"} <= set(header)
    assert "| Code | α |" in page.one("pre", id="methods-markdown").text()
    md = lead.get(f"/p/{team.slug}/agreement/methods?round={rnd.id}&bootstrap=100&format=md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert "attachment" in md.headers["Content-Disposition"]
    assert md.get_data(as_text=True).startswith("Intercoder reliability")
