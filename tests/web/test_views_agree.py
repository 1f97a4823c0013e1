"""Views agree with each other and stay current: one passage numbering everywhere, colours that
do not fake a change, parts of a page refreshed after in-place actions."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import reread
from workbench.codebooks import codes as codebooks
from workbench.interchange import legacy_import
from workbench.interchange.import_report import Upload
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import PassageState

from .conftest import Team
from .test_agreement_flow import create_round
from .test_agreement_flow import dom


def _first(node: Any, tag: str, cls: str) -> Any:
    """The first descendant with the tag whose class list holds ``cls`` (None when none)."""
    return next((n for n in node.all(tag) if cls in n.attrs.get("class", "").split()), None)


def _numbers(html: str) -> dict[int, int]:
    """passage id -> the ¶N a page shows for it."""
    page = dom(html)
    out: dict[int, int] = {}
    for li in page.all("li"):
        pid = li.attrs.get("data-passage") or (li.attrs.get("id") or "").removeprefix("passage-")
        ordinal = _first(li, "span", "ordinal") if pid and pid.isdigit() else None
        if ordinal is not None:
            out[int(pid)] = int(ordinal.text().removeprefix("¶"))
    return out


def _csv(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_one_passage_numbering_in_views_retrieval_and_exports(
    client_factory, team: Team, session
) -> None:
    lead, coder = client_factory(), client_factory()
    lead.login("lead")
    coder.login("coder1")
    cb = team.codes["Capacity-building"].id
    for p in team.passages:
        r = coder.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": cb})
        assert r.status_code == 200
    doc = team.passages[0].document_id
    coding_view = _numbers(coder.get(f"/p/{team.slug}/d/{doc}/code").get_data(as_text=True))
    reader = _numbers(coder.get(f"/p/{team.slug}/d/{doc}").get_data(as_text=True))
    expected = {p.id: p.ordinal + 1 for p in team.passages}  # 1-based, as users count
    assert coding_view == reader == expected
    # Retrieval shows the same ¶N and its CSV the same passage_ordinal.
    seg = dom(coder.get(f"/p/{team.slug}/analysis/segments?code={cb}", htmx=True))
    shown = {
        int(li.attrs["data-passage"]): int(_first(li, "span", "ordinal").text()[1:])
        for li in seg.all("li")
        if "segment" in li.attrs.get("class", "").split()
    }
    assert shown == expected
    rows = _csv(coder.get(f"/p/{team.slug}/analysis/segments.csv?code={cb}"))
    assert {int(r["passage_id"]): int(r["passage_ordinal"]) for r in rows} == expected
    # The export's tables: passages, annotations, coded, all numbered as shown.
    for table in ("passages", "annotations", "coded"):
        got = _csv(lead.get(f"/p/{team.slug}/export/download?format=csv&table={table}"))
        pairs = {int(r["passage_id"]): int(r["passage_ordinal"]) for r in got}
        assert pairs and all(expected[pid] == n for pid, n in pairs.items()), table


def test_exported_annotations_come_back_to_the_same_passages(
    client_factory, team: Team, session
) -> None:
    """The Annotations table, numbered from 1, reads back through the codings import."""
    lead, coder = client_factory(), client_factory()
    lead.login("lead")
    coder.login("coder1")
    cb, sov = team.codes["Capacity-building"].id, team.codes["Sovereignty"].id
    _, p1, p2 = team.passages
    coder.post(f"/p/{team.slug}/code/apply", {"passage_id": p1.id, "code_id": cb, "stance": "1"})
    coder.post(f"/p/{team.slug}/code/apply", {"passage_id": p2.id, "code_id": sov, "stance": "-1"})
    data = lead.get(f"/p/{team.slug}/export/download?format=csv&table=annotations").get_data()
    reread(session)
    session.execute(Annotation.__table__.delete())
    session.commit()
    report = legacy_import.import_legacy(
        session, team.project, team.lead, Upload("annotations.csv", data, {"allow_partial": True})
    )
    session.commit()
    assert not report.problems, report.problems
    rows = session.execute(select(Annotation.passage_id, Annotation.code_id, Annotation.stance))
    back = {tuple(r) for r in rows}
    assert back == {(p1.id, cb, 1), (p2.id, sov, -1)}


def _versions(session) -> int:
    return int(session.scalar(select(func.count(CodebookVersion.id))) or 0)


def _events(session) -> int:
    return int(session.scalar(select(func.count(AuditEvent.id))) or 0)


def test_colours_are_normalised_and_an_unchanged_edit_records_nothing(
    client_factory, team: Team, session
) -> None:
    lead = client_factory()
    lead.login("lead")
    code = team.codes["Sovereignty"]
    # Every path in stores lower case: the seed (a file), an added code, an edit.
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c.colour) for c in team.codes.values())
    r = lead.post(f"/p/{team.slug}/codebook/codes", {"name": "Terror lists", "colour": "#ABCDEF"})
    assert r.status_code == 200
    reread(session)
    added = session.scalar(select(Code).where(Code.name == "Terror lists"))
    assert added is not None and added.colour == "#abcdef"
    versions, events = _versions(session), _events(session)
    # The edit form sends back what it shows; a browser may send the colour in upper case and
    # the definition with CRLF line ends. Nothing changed: no version, no history entry.
    form = {
        "name": code.name,
        "definition": code.definition.replace("\n", "\r\n"),
        "colour": code.colour.upper(),
        "shortcut": code.shortcut or "",
        "keywords_en": "; ".join(code.keywords_en or []),
        "has_takes_stance": "1",
        "takes_stance": "on" if code.takes_stance else "",
    }
    r = lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", form)
    assert r.status_code == 200
    # The code's name is its own element (marked as data): compare the words, not the spacing.
    status = dom(r).one("p", role="status").text().split()
    assert "".join(status) == "".join(f"No change to '{code.name}'.".split())
    reread(session)
    assert (_versions(session), _events(session)) == (versions, events)
    # Moving a code to the parent it already has changes nothing either.
    r = lead.post(
        f"/p/{team.slug}/codebook/codes/{code.id}/move", {"parent_id": str(code.parent_id or "")}
    )
    assert r.status_code == 200
    reread(session)
    assert (_versions(session), _events(session)) == (versions, events)
    # A real change of colour is one version, stored in lower case.
    r = lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", {**form, "colour": "#00AA11"})
    reread(session)
    assert _versions(session) == versions + 1
    assert session.get(Code, code.id).colour == "#00aa11"
    # A codebook file with upper-case colours is stored in lower case too.
    spec = codebooks.to_spec(session, team.project)
    upper = replace(spec, codes=tuple(replace(c, colour=c.colour.upper()) for c in spec.codes))
    codebooks.install_spec(session, team.project, upper, user=team.lead, note="re-import")
    session.commit()
    stored = [c.colour for c in codebooks.live_codes(session, team.project)]
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in stored)


def test_removing_the_last_code_returns_the_passage_to_not_coded(
    client_factory, team: Team, session
) -> None:
    coder = client_factory()
    coder.login("coder1")
    cb, sov = team.codes["Capacity-building"].id, team.codes["Sovereignty"].id
    p0, p1, _ = team.passages

    def state(pid: int) -> bool | None:
        reread(session)
        return session.scalar(
            select(PassageState.coded).where(
                PassageState.passage_id == pid, PassageState.coder_id == team.coder1.id
            )
        )

    url = f"/p/{team.slug}/code"
    coder.post(f"{url}/apply", {"passage_id": p0.id, "code_id": cb})
    coder.post(f"{url}/apply", {"passage_id": p0.id, "code_id": sov})
    assert state(p0.id) is True
    r = coder.post(f"{url}/remove", {"passage_id": p0.id, "code_id": cb})
    assert state(p0.id) is True  # one code left: still coded
    r = coder.post(f"{url}/remove", {"passage_id": p0.id, "code_id": sov})
    assert state(p0.id) is False
    row = dom(r).one("li", id=f"passage-{p0.id}")
    assert _first(row, "span", "state").attrs["data-state"] == "todo"
    # "Nothing applies" is an explicit answer: Done on a passage without codes keeps it coded.
    coder.post(f"{url}/done", {"passage_id": p1.id, "coded": "1"})
    assert state(p1.id) is True
    coder.post(f"{url}/toggle", {"passage_id": p1.id, "code_id": cb})
    coder.post(f"{url}/toggle", {"passage_id": p1.id, "code_id": cb})
    assert state(p1.id) is False  # the last code removed again: to be answered anew
    coder.post(f"{url}/done", {"passage_id": p1.id, "coded": "1"})
    assert state(p1.id) is True


def test_round_view_keeps_titles_and_tells_the_coder_the_round_is_done(
    client_factory, team: Team, session
) -> None:
    lead, coder = client_factory(), client_factory()
    lead.login("lead")
    coder.login("coder1")
    create_round(lead, team)
    reread(session)
    from workbench.models import ReliabilityRound

    rnd = session.scalar(select(ReliabilityRound))
    scope = f"round:{rnd.id}"
    title = team.passages[0].document.title
    view = coder.get(f"/p/{team.slug}/code?round={rnd.id}").get_data(as_text=True)
    assert dom(view).one(id="scope-message").text() == ""
    cb = team.codes["Capacity-building"].id
    *first, last = team.passages
    for p in first:
        r = coder.post(
            f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": cb, "scope": scope}
        )
        page = dom(r)
        # The coded passage keeps its document title in a view across documents.
        row = page.one("li", id=f"passage-{p.id}")
        assert title in _first(row, "span", "doctitle").text()
        assert page.one(id="scope-message").text() == ""
    r = coder.post(f"/p/{team.slug}/code/done", {"passage_id": last.id, "scope": scope})
    message = dom(r).one(id="scope-message")
    assert message.attrs.get("hx-swap-oob") == "outerHTML"
    assert "You have coded every passage of this reliability round" in message.text()
    # The round page's report shows the round's statistics, per code.
    page = dom(lead.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}"))
    stats = page.one("table", id="round-stats")
    codes = {tr.attrs["data-code"] for tr in stats.all("tr") if "data-code" in tr.attrs}
    assert "Cooperation > Capacity-building" in codes
    assert "passages coded" in page.one("section", id="round-report").text()


def test_import_result_reloads_the_document_list(client_factory, team: Team) -> None:
    lead = client_factory()
    lead.login("lead")
    before = dom(lead.get(f"/p/{team.slug}", htmx=True)).one("section", id="documents").text()
    assert "1 document." in before
    r = lead.post(
        f"/p/{team.slug}/upload",
        data={"files": (io.BytesIO(b"A second statement.\n\nWith two paragraphs.\n"), "b.txt")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    reload = [d for d in dom(r).all("div") if d.attrs.get("hx-trigger") == "load"]
    assert len(reload) == 1 and reload[0].attrs["hx-target"] == "#documents"
    after = dom(lead.get(reload[0].attrs["hx-get"], htmx=True)).one("section", id="documents")
    assert "2 documents." in after.text()
