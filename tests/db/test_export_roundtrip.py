"""Round trips: workbook export -> import into a fresh project -> export gives the same data;
.qdpx export validates against Project.xsd and re-imports to the same documents, codes, codings."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from lxml import etree
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import SHARED
from tests.db.test_export_data import build_study
from tests.db.test_export_data import rows_of
from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.interchange import project_exchange
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import User

IDS = {"passage_id", "document_id", "annotation_id", "created_at", "updated_at", "content_sha256"}


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _export(session: Session, project: Any, fmt: str = "xlsx") -> bytes:
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), fmt, buf)
    return buf.getvalue()


def _sheet(data: bytes, name: str) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in IDS}
        for row in rows_of(load_workbook(io.BytesIO(data))[name])
    ]


ZH = {
    "name_zh": "能力建设",
    "definition_zh": "援助他国提升反恐能力。",
    "inclusion_zh": "培训、装备、资金援助。",
    "exclusion_zh": "泛泛的合作表态。",
}


def _in_chinese(session: Session, study: Any) -> None:
    """Give one code of the study its Chinese name, definition and rules."""
    code = study.codes["Capacity-building"]
    for name, value in ZH.items():
        setattr(code, name, value)
    session.commit()


def _chinese_of(session: Session, project: Any) -> dict[str, dict[str, str]]:
    return {
        c.key: {name: getattr(c, name) for name in ZH}
        for c in codebooks.live_codes(session, project)
    }


def _fresh(session: Session, study: Any, name: str) -> Any:
    project = accounts.create_project(session, name, lead=study.lead)
    for coder in (study.coder1, study.coder2):
        accounts.add_member(session, project, coder, "coder")
    session.commit()
    return project


def test_workbook_round_trip_gives_the_same_passages_annotations_and_states(
    session: Session, study: Any
) -> None:
    _in_chinese(session, study)
    first = _export(session, study.project)
    assert [r for r in _sheet(first, "Codebook") if r["name_zh"] == ZH["name_zh"]] == [
        {**next(r for r in _sheet(first, "Codebook") if r["name"] == "Capacity-building"), **ZH}
    ]
    copy = _fresh(session, study, "Copy")
    report = project_exchange.import_project_file(session, copy, study.lead, "export.xlsx", first)
    session.commit()
    assert report.documents_added == 2 and report.codings == 7
    second = _export(session, copy)
    for sheet in ("Passages", "Annotations", "Coded", "Codebook", "Stance scale"):
        before, after = _sheet(first, sheet), _sheet(second, sheet)
        assert after == before, sheet
    assert _chinese_of(session, copy) == _chinese_of(session, study.project)
    assert len(_sheet(first, "Annotations")) == 8  # seven codings and one consensus
    # The passage offsets survive, so spans point at the same text.
    assert [r["span_text"] for r in _sheet(second, "Annotations") if r["span_text"]] == [
        study.english[2].text[2:20],
        study.chinese[1].text[0:6],
    ]


def test_workbook_import_is_all_or_nothing(session: Session, study: Any) -> None:
    data = _export(session, study.project)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Annotations"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("coder") + 1, value="nobody")
    ws.cell(row=3, column=header.index("stance") + 1, value=7)
    buf = io.BytesIO()
    wb.save(buf)
    copy = _fresh(session, study, "Broken copy")
    report = project_exchange.import_project_file(
        session, copy, study.lead, "broken.xlsx", buf.getvalue()
    )
    # Each row that cannot come in is named; the caller then applies nothing.
    assert not report.complete
    details = " | ".join(report.dropped)
    assert "Annotations, row 2, coder: 'nobody' is not a member of this project" in details
    assert "Annotations, row 3, stance: stance 7 is outside the scale" in details
    session.rollback()
    assert (
        session.scalar(select(func.count(Document.id)).where(Document.project_id == copy.id)) == 0
    )


def test_workbook_with_renamed_or_missing_columns_names_sheet_and_column(
    session: Session, study: Any
) -> None:
    wb = load_workbook(io.BytesIO(_export(session, study.project)))
    ws = wb["Passages"]
    header = [c.value for c in ws[1]]
    ws.cell(row=1, column=header.index("text") + 1, value="passage_text")
    del wb["Coded"]
    buf = io.BytesIO()
    wb.save(buf)
    copy = _fresh(session, study, "Renamed")
    report = project_exchange.import_project_file(
        session, copy, study.lead, "renamed.xlsx", buf.getvalue()
    )
    session.rollback()
    assert not report.complete
    assert any(
        "Passages, row 1, text: required column 'text' is missing" in d for d in report.dropped
    ), report.dropped


def _schema(path: Any) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def test_qdpx_is_valid_and_follows_the_container_rules(session: Session, study: Any) -> None:
    data = _export(session, study.project, "qdpx")
    archive = zipfile.ZipFile(io.BytesIO(data))
    qde = archive.read("project.qde")
    root = etree.fromstring(qde)
    for xsd in (SHARED / "refi-qda" / "Project.xsd", "workbench/data/refi/Project.xsd"):
        schema = _schema(xsd)
        assert schema.validate(root), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    sources = root.findall(".//q:TextSource", ns)
    assert len(sources) == 2
    for source in sources:
        guid = source.get("guid")
        assert source.get("plainTextPath") == f"internal://{guid}.txt"
        raw = archive.read(f"sources/{guid}.txt")
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    users = {u.get("id"): u.get("name") for u in root.findall(".//q:User", ns)}
    assert users == {"coder1": "Coder One", "coder2": "Coder Two"}
    selections = root.findall(".//q:PlainTextSelection", ns)
    assert len(selections) == 7
    zh = next(s for s in sources if s.get("name") == study.chinese[0].document.title)
    text = archive.read(f"sources/{zh.get('guid')}.txt").decode("utf-8")
    for sel in zh.findall("q:PlainTextSelection", ns):
        start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        assert text[start:end] == sel.get("name")  # code points: the astral character counts 1
        coding = sel.find("q:Coding", ns)
        assert coding.get("creatingUser") in {u.get("guid") for u in root.findall(".//q:User", ns)}
    codes = {c.get("guid") for c in root.findall(".//q:Code", ns)}
    assert {
        c.find("q:CodeRef", ns).get("targetGUID") for c in root.findall(".//q:Coding", ns)
    } <= codes


def _codings(session: Session, project: Any) -> set[tuple[Any, ...]]:
    rows = session.execute(
        select(
            Document.title, Passage.ordinal, User.username, Annotation.code_id,
            Annotation.stance, Annotation.memo, Annotation.span_start, Annotation.span_end,
        )
        .select_from(Annotation)
        .join(Passage, Passage.id == Annotation.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .join(User, User.id == Annotation.coder_id)
        .where(Annotation.project_id == project.id)
    ).all()  # fmt: skip
    keys = {c.id: c.key for c in codebooks.all_codes(session, project)}
    return {(t, o, u, keys[c], s, m, a, b) for t, o, u, c, s, m, a, b in rows}


def _documents(session: Session, project: Any) -> list[tuple[Any, ...]]:
    docs = session.scalars(
        select(Document).where(Document.project_id == project.id).order_by(Document.id)
    )
    out = []
    for d in docs:
        passages = [
            (p.ordinal, p.start_offset, p.end_offset, p.text, p.speaker, p.delegation, p.codable)
            for p in session.scalars(
                select(Passage).where(Passage.document_id == d.id).order_by(Passage.ordinal)
            )
        ]
        out.append((d.title, d.text, d.content_hash, d.date, d.language, tuple(passages)))
    return out


def _states(session: Session, project: Any) -> set[tuple[Any, ...]]:
    rows = session.execute(
        select(Document.title, Passage.ordinal, User.username)
        .select_from(PassageState)
        .join(Passage, Passage.id == PassageState.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .join(User, User.id == PassageState.coder_id)
        .where(PassageState.project_id == project.id, PassageState.coded.is_(True))
    )
    return set(rows)


def test_qdpx_reimport_reproduces_documents_codes_and_codings(session: Session, study: Any) -> None:
    _in_chinese(session, study)
    data = _export(session, study.project, "qdpx")
    copy = _fresh(session, study, "REFI copy")
    report = project_exchange.import_project_file(session, copy, study.lead, "study.qdpx", data)
    session.commit()
    assert report.codings == 7 and report.documents_added == 2 and not report.split_selections
    assert _documents(session, copy) == _documents(session, study.project)
    assert codebooks.to_spec(session, copy) == codebooks.to_spec(session, study.project)
    # The Chinese texts travel in the archive's workbench/extra.json, not in project.qde.
    assert ZH in _chinese_of(session, copy).values()
    assert ZH["definition_zh"] not in zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode()
    assert _codings(session, copy) == _codings(session, study.project)
    assert _states(session, copy) == _states(session, study.project)
    # Importing the same file again changes nothing.
    again = project_exchange.import_project_file(session, copy, study.lead, "study.qdpx", data)
    session.commit()
    assert again.documents_added == 0 and again.documents_known == 2
    assert _codings(session, copy) == _codings(session, study.project)
    assert (
        session.scalar(select(func.count(Annotation.id)).where(Annotation.project_id == copy.id))
        == 7
    )


def test_qdc_import_merges_the_codebook_only(session: Session, study: Any) -> None:
    from workbench.formats.qdc import codebook_to_qdc

    copy = _fresh(session, study, "Codebook only")
    qdc = codebook_to_qdc(codebooks.to_spec(session, study.project))
    report = project_exchange.import_project_file(session, copy, study.lead, "book.qdc", qdc)
    session.commit()
    assert report.codebook_version == 1 and report.codings == 0
    assert {c.key for c in codebooks.live_codes(session, copy)} == {
        c.key for c in codebooks.live_codes(session, study.project)
    }
    assert re.search(r"codebook version 1", report.summary())


def test_a_codebook_workbook_imports_as_a_codebook_like_a_qdc(session: Session, study: Any) -> None:
    # The project import decides by the workbook's sheets: Codebook without Passages is a
    # codebook, as the Codebook page reads it, not an export missing its Passages sheet.
    from workbench.codebooks import files as codebook_files

    _in_chinese(session, study)
    copy = _fresh(session, study, "Codebook workbook")
    book, _, _ = codebook_files.export_codebook(session, study.project, "xlsx")
    report = project_exchange.import_project_file(session, copy, study.lead, "book.xlsx", book)
    session.commit()
    assert report.complete and report.codebook_version == 1 and report.codings == 0
    assert report.documents_added == 0
    assert {c.key for c in codebooks.live_codes(session, copy)} == {
        c.key for c in codebooks.live_codes(session, study.project)
    }
    # The Chinese texts come along, cell for cell.
    assert _chinese_of(session, copy) == _chinese_of(session, study.project)
    assert ZH in _chinese_of(session, copy).values()


def test_qdpx_carries_the_adjudications_note(session: Session, study: Any) -> None:
    from workbench.models import ConsensusState

    state = session.scalars(
        select(ConsensusState).where(ConsensusState.project_id == study.project.id)
    ).one()
    state.memo = "Resolved for capacity-building: 培训 is named twice."
    session.commit()
    data = _export(session, study.project, "qdpx")
    copy = _fresh(session, study, "REFI note")
    project_exchange.import_project_file(session, copy, study.lead, "study.qdpx", data)
    session.commit()
    notes = session.scalars(select(ConsensusState.memo).where(ConsensusState.project_id == copy.id))
    assert list(notes) == [state.memo]


def test_qdpx_carries_code_revisions_and_suggestion_flags(session: Session, study: Any) -> None:
    annotations = session.scalars(
        select(Annotation).where(Annotation.project_id == study.project.id).order_by(Annotation.id)
    ).all()
    edited, assisted = annotations[0], annotations[1]
    # A definition changed after the first coding: that coding stays under the older one.
    session.get(Code, edited.code_id).revision = 3
    edited.code_revision = 2
    assisted.suggestion_shown = assisted.suggestion_accepted = True
    session.commit()

    def facts(project: Any) -> set[tuple[Any, ...]]:
        rows = session.execute(
            select(
                Code.key,
                Code.revision,
                Annotation.code_revision,
                Annotation.suggestion_shown,
                Annotation.suggestion_accepted,
                Passage.ordinal,
                User.username,
            )
            .join(Code, Code.id == Annotation.code_id)
            .join(Passage, Passage.id == Annotation.passage_id)
            .join(User, User.id == Annotation.coder_id)
            .where(Annotation.project_id == project.id)
        )
        return set(rows.tuples())

    data = _export(session, study.project, "qdpx")
    copy = _fresh(session, study, "REFI revisions")
    project_exchange.import_project_file(session, copy, study.lead, "study.qdpx", data)
    session.commit()
    assert facts(copy) == facts(study.project)
    assert any(row[1] == 3 and row[2] == 2 for row in facts(copy))
    assert any(row[4] for row in facts(copy))
