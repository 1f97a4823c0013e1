""".qdpx export -> import into a fresh project -> export: the same data, item by item, ids aside.

Both archives are taken apart (project.qde, source texts, workbench/extra.json) and every item
is keyed by what it is, not by its GUID: users by username, sources by title, selections by
source, offsets, coder and code. Then each item of the first export must equal the second's.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.db.test_export_data import DASH_MEMO
from tests.db.test_export_data import PAYLOAD_MEMO
from tests.db.test_export_data import build_study
from tests.db.translation_fixtures import traced_seed_report
from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.interchange import project_exchange
from workbench.models import DocumentLink
from workbench.reliability import adjudication
from workbench.translations import alignments
from workbench.translations import links

NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _export(session: Session, project: Any) -> bytes:
    buf = io.BytesIO()
    project_exchange.export_qdpx(session, project, buf)
    return buf.getvalue()


def items(data: bytes) -> dict[str, Any]:
    """Everything in an exported .qdpx, keyed by content instead of GUIDs."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        extra = json.loads(zf.read("workbench/extra.json"))
        texts = {
            n[len("sources/") : -len(".txt")]: zf.read(n).decode("utf-8")
            for n in zf.namelist()
            if n.startswith("sources/")
        }
    users = {u.get("guid"): u.get("id") for u in root.iterfind(".//q:User", NS)}
    out: dict[str, Any] = {
        "users": sorted((u.get("id"), u.get("name")) for u in root.iterfind(".//q:User", NS)),
        "extra users": sorted((v["username"], v["display_name"]) for v in extra["users"].values()),
        "codes": sorted(
            (c.get("guid"), c.get("name"), c.get("isCodable"), c.get("color"))
            for c in root.iterfind(".//q:Code", NS)
        ),
    }
    out["codebook versions"] = extra["codebook_versions"]
    out["codebook"] = extra["codebook"]
    out["code descriptions"] = sorted(
        (c.get("guid"), [d.text for d in c.iterfind("q:Description", NS)])
        for c in root.iterfind(".//q:Code", NS)
    )
    titles = {}
    for source in root.iterfind(".//q:TextSource", NS):
        guid = source.get("guid")
        meta = dict(extra["documents"][guid])
        title = meta["title"]
        titles[guid] = title
        out[f"source {title}: text"] = texts[guid]
        out[f"source {title}: element"] = (source.get("name"), source.get("creationDateTime"))
        out[f"source {title}: description"] = [d.text for d in source.iterfind("q:Description", NS)]
        for key, value in sorted(meta.items()):
            out[f"source {title}: {key}"] = value
        for sel in source.iterfind("q:PlainTextSelection", NS):
            coding_el = sel.find("q:Coding", NS)
            code = coding_el.find("q:CodeRef", NS).get("targetGUID")
            key = (
                f"selection {title} {sel.get('startPosition')}-{sel.get('endPosition')} "
                f"{users[sel.get('creatingUser')]} {code}"
            )
            assert key not in out
            described = [d.text for d in sel.iterfind("q:Description", NS)]
            out[key] = {
                "name": sel.get("name"),
                "created": sel.get("creationDateTime"),
                "modified": sel.get("modifiedDateTime"),
                "coding created": coding_el.get("creationDateTime"),
                "memo": described,
                "extra": extra["annotations"][sel.get("guid")],
            }
    for link in extra["translations"]["links"]:
        key = f"link {titles[link['source']]} -> {titles[link['target']]}"
        out[key] = {k: v for k, v in link.items() if k not in ("source", "target")}
    quotes = extra["translations"]["quotations"]
    out["quotations"] = sorted(
        json.dumps(
            {
                **{k: v for k, v in q.items() if k not in ("report", "statement")},
                "report": titles[q["report"]],
                "statement": titles[q["statement"]],
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        for q in quotes
    )
    return out


def _enrich(session: Session, study: Any) -> None:
    """Add what build_study lacks: a passage memo with no coding, an adjudicated passage."""
    coding.set_done(session, study.project, study.coder2, study.english[1].id, True)
    coding.set_passage_memo(
        session, study.project, study.coder2, study.english[1].id, "nothing fits", limit=1000
    )
    adjudication.resolve(session, study.project, study.lead, study.chinese[0].id, {})
    # Translations: the two versions linked, their alignment corrected by the lead, and a
    # report linked to the speech it quotes, traced.
    link = links.link_documents(
        session,
        study.project,
        study.english[0].document,
        study.chinese[0].document,
        "translation",
        study.lead,
    )
    alignments.pairs_of(session, link)
    alignments.join(session, link, 0, study.lead)
    traced_seed_report(session, study.project, study.lead)
    session.commit()


def test_qdpx_round_trip_is_exact_item_by_item(session: Session, study: Any) -> None:
    _enrich(session, study)
    first = _export(session, study.project)
    copy = accounts.create_project(session, "Copy", lead=study.lead)
    for coder in (study.coder1, study.coder2):
        accounts.add_member(session, copy, coder, "coder")
    session.commit()
    report = project_exchange.import_project_file(session, copy, study.lead, "study.qdpx", first)
    session.commit()
    assert report.complete, report.dropped
    assert not report.changes  # our own passages already hold every selection
    second = _export(session, copy)
    before, after = items(first), items(second)
    assert sorted(before) == sorted(after)
    for key in before:
        assert after[key] == before[key], key
    # The items compared are the real data, not empty shells.
    selections = [k for k in before if k.startswith("selection ")]
    assert len(selections) == 7
    states = [s for k, v in before.items() if k.endswith(": states") for s in v]
    assert ["coder1", True] in [s[1:3] for s in states]  # a "nothing applies" passage
    assert any(s[3] == "nothing fits" for s in states)
    assert [v for k, v in before.items() if k.endswith(": consensus") and v]
    assert [v for k, v in before.items() if k.endswith(": resolved") and len(v) == 1]
    assert len(before["codebook versions"]) >= 2
    assert codebooks.current_version(session, copy) == codebooks.current_version(
        session, study.project
    )
    stances = {v["extra"]["stance"] for k, v in before.items() if k.startswith("selection ")}
    assert stances == {-1, 0, 1, 2, None}
    links_ = {k: v for k, v in before.items() if k.startswith("link ")}
    assert len(links_) == 2 and len(before["quotations"]) >= 2
    corrected = [p for v in links_.values() for p in v["pairs"] if p[4]]
    assert corrected  # the lead's correction comes across


def test_other_tools_see_memos_not_our_data(session: Session, study: Any) -> None:
    data = _export(session, study.project)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        qde = zf.read("project.qde").decode("utf-8")
        root = etree.fromstring(qde.encode())
    assert "workbench-data" not in qde
    memos = [d.text for d in root.iterfind(".//q:PlainTextSelection/q:Description", NS)]
    assert sorted(memos) == sorted([DASH_MEMO, PAYLOAD_MEMO])
    assert not root.findall(".//q:TextSource/q:Description", NS)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("a/b\\c", "a_b_c"),
        ("../../etc/passwd", "etc_passwd"),
        ("tab\there\x01", "tab_here"),
        ("x" * 300, "x" * 120),
    ],
)
def test_source_names_are_safe_file_names_and_unique(title: str, expected: str) -> None:
    from workbench.formats.qdpx import safe_name

    taken: set[str] = set()
    first = safe_name(title, taken)
    assert first == expected
    assert "/" not in first and "\\" not in first and ".." not in first
    assert safe_name(title, taken) == f"{expected[:112]} (2)"


def _import(session: Session, study: Any, name: str, data: bytes) -> Any:
    project = accounts.create_project(session, name, lead=study.lead)
    for coder in (study.coder1, study.coder2):
        accounts.add_member(session, project, coder, "coder")
    session.commit()
    report = project_exchange.import_project_file(session, project, study.lead, "s.qdpx", data)
    session.commit()
    return project, report


def _with_extra(data: bytes, change: Any) -> bytes:
    """The archive with its extra.json changed by ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            body = old.read(info.filename)
            if info.filename == "workbench/extra.json":
                extra = json.loads(body)
                change(extra)
                body = json.dumps(extra).encode()
            new.writestr(info, body)
    return out.getvalue()


def test_translations_that_cannot_come_back_are_listed(session: Session, study: Any) -> None:
    _enrich(session, study)
    data = _export(session, study.project)

    def spoil(extra: dict[str, Any]) -> None:
        layer = extra["translations"]
        translation = next(link for link in layer["links"] if link["kind"] == "translation")
        translation["pairs"][0][1] = "2-3"  # no such relation
        layer["links"].append({**translation, "source": "no-such-guid", "pairs": []})
        layer["quotations"][0]["kind"] = "rumour"
        layer["quotations"][1]["report_passage"] = 999

    project, report = _import(session, study, "Spoilt", _with_extra(data, spoil))
    dropped = "\n".join(report.dropped)
    assert "its aligned pairs not imported (unknown passages)" in dropped
    assert "a document of it is not in the file" in dropped
    assert "its kind, score or mark is not readable" in dropped
    assert "the passage no longer holds those words" in dropped
    # The rest came in: both links, the other quotations.
    again = items(_export(session, project))
    assert len([k for k in again if k.startswith("link ")]) == 2
    assert len(again["quotations"]) == len(items(data)["quotations"]) - 2


def test_a_second_import_of_the_same_file_adds_no_second_link_or_quotation(
    session: Session, study: Any
) -> None:
    _enrich(session, study)
    data = _export(session, study.project)
    project, _report = _import(session, study, "Twice", data)
    once = items(_export(session, project))
    second = project_exchange.import_project_file(session, project, study.lead, "s.qdpx", data)
    session.commit()
    assert not [d for d in second.dropped if "link" in d or "quotation" in d]
    after = items(_export(session, project))
    translations = [k for k in once if k.startswith("link ") or k == "quotations"]
    assert len(translations) == 3
    assert {k: after[k] for k in translations} == {k: once[k] for k in translations}


@pytest.mark.parametrize(
    "spoil",
    [
        lambda layer: layer["links"].append("not a link"),
        lambda layer: layer["quotations"].append(["not", "a", "quotation"]),
        lambda layer: layer["links"][0].update(source=["a", "list"]),
        lambda layer: layer["quotations"][0].update(report_passage={"a": 1}),
        lambda layer: layer["quotations"][0].update(score=10**400),
        lambda layer: layer["quotations"][0].update(report_start=-1),
        lambda layer: next(k for k in layer["links"] if k["pairs"])["pairs"][0].__setitem__(
            0, 2**70
        ),
        lambda layer: layer["quotations"][0].update(report_text="a\x00b"),
        lambda layer: layer["quotations"][0].update(statement_text="a\ud800b"),
        lambda layer: layer["links"][0].update(created_by="lead\x00"),
    ],
    ids=[
        "link-text",
        "quote-list",
        "guid-list",
        "ordinal-dict",
        "huge-score",
        "negative",
        "huge",
        "nul",
        "surrogate",
        "nul-creator",
    ],
)
def test_an_unreadable_translation_item_is_listed_not_a_failure(
    session: Session, study: Any, spoil: Any
) -> None:
    _enrich(session, study)
    data = _with_extra(_export(session, study.project), lambda e: spoil(e["translations"]))
    project, report = _import(session, study, "Unreadable", data)
    assert any("not readable" in d for d in report.dropped), report.dropped
    assert len([k for k in items(_export(session, project)) if k.startswith("selection ")]) == 7


def test_a_link_keeps_who_made_it_and_a_clashing_link_is_listed(
    session: Session, study: Any
) -> None:
    _enrich(session, study)
    data = _export(session, study.project)
    other_lead = accounts.create_user(session, "second-lead", "a long enough password")
    project = accounts.create_project(session, "Elsewhere", lead=other_lead)
    for user in (study.lead, study.coder1, study.coder2):
        accounts.add_member(session, project, user, "coder")
    session.commit()
    project_exchange.import_project_file(session, project, other_lead, "s.qdpx", data)
    session.commit()
    links_ = session.scalars(select(DocumentLink).where(DocumentLink.project_id == project.id))
    assert {link.created_by_id for link in links_} == {study.lead.id}

    # The same file again, with the translation turned the other way round: listed.
    def turn(extra: dict[str, Any]) -> None:
        link = next(k for k in extra["translations"]["links"] if k["kind"] == "translation")
        link["source"], link["target"] = link["target"], link["source"]

    again = project_exchange.import_project_file(
        session, project, other_lead, "s.qdpx", _with_extra(data, turn)
    )
    session.commit()
    assert any("already linked" in d for d in again.dropped), again.dropped


def test_a_quotation_of_itself_is_listed(session: Session, study: Any) -> None:
    _enrich(session, study)

    def same(extra: dict[str, Any]) -> None:
        quote = extra["translations"]["quotations"][0]
        quote["statement"] = quote["report"]

    _project, report = _import(
        session, study, "Itself", _with_extra(_export(session, study.project), same)
    )
    assert any("cannot quote itself" in d for d in report.dropped), report.dropped


def test_a_link_never_names_an_account_outside_the_project(session: Session, study: Any) -> None:
    _enrich(session, study)
    accounts.create_user(session, "outsider", "a long enough password")
    session.commit()

    def outsider(extra: dict[str, Any]) -> None:
        for link in extra["translations"]["links"]:
            link["created_by"] = "outsider"

    project, _report = _import(
        session, study, "Members", _with_extra(_export(session, study.project), outsider)
    )
    made = session.scalars(select(DocumentLink).where(DocumentLink.project_id == project.id))
    assert {link.created_by_id for link in made} == {study.lead.id}  # the importer
