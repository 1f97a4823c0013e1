"""Offline coding sheets and legacy tables: every row validated, nothing half-applied."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.db.test_export_data import build_study
from workbench.core.errors import Forbidden
from workbench.formats import coding_sheet as cs
from workbench.interchange import coding_import
from workbench.interchange import legacy_import
from workbench.interchange.import_report import Upload
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Membership
from workbench.models import PassageState
from workbench.models import User


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _sheet(session: Session, study: Any) -> Any:
    buf = io.BytesIO()
    assert coding_import.write_sheet_for(session, study.project, study.coder1, buf) == 3
    return load_workbook(io.BytesIO(buf.getvalue()))


def _bytes(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _col(ws: Any, header: str) -> int:
    return [c.value for c in ws[1]].index(header) + 1


def _count(session: Session, model: Any, *conds: Any) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model).where(*conds)) or 0)


SOV = "Sovereignty and non-interference > Sovereignty"
CB = "Cooperation > Capacity-building"


def test_coding_sheet_layout_dropdowns_hidden_hash_and_prefill(
    session: Session, study: Any
) -> None:
    wb = _sheet(session, study)
    assert wb.sheetnames == ["Coding", "Instructions", "_meta"]
    assert wb["_meta"].sheet_state == "hidden"
    ws = wb["Coding"]
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["B"].hidden
    assert ws.protection.sheet
    header = [c.value for c in ws[1]]
    assert header[:8] == [*cs.FIXED, "done"] and header[-1] == "memo"
    assert f"{SOV} [stance]" in header and "Procedural [stance]" not in header
    row = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert row["text_sha256"] == cs.text_hash(study.english[0].text)
    assert (row[CB], row[f"{CB} [stance]"], row["done"]) == (1, 1, 1)
    assert ws.cell(2, _col(ws, CB)).protection.locked is False
    assert ws.cell(2, 1).protection.locked is not False
    validations = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert '"0,1"' in validations and '"-2,-1,0,1,2"' in validations
    stance_col = ws.cell(1, _col(ws, f"{SOV} [stance]")).column_letter
    assert f"{stance_col}2:{stance_col}4" in validations['"-2,-1,0,1,2"']


def test_a_valid_sheet_applies_through_the_coding_service(session: Session, study: Any) -> None:
    wb = _sheet(session, study)
    ws = wb["Coding"]
    ws.cell(3, _col(ws, SOV), 1)
    ws.cell(3, _col(ws, f"{SOV} [stance]"), -2)
    ws.cell(2, _col(ws, CB), 0)  # remove an existing coding (and its stance)
    ws.cell(2, _col(ws, f"{CB} [stance]")).value = None
    ws.cell(4, _col(ws, "memo"), "offline note")
    data = _bytes(wb)
    before = _count(session, AuditEvent)
    report = coding_import.import_coding_sheet(
        session, study.project, study.coder1, "coder", "s.xlsx", data
    )
    session.commit()
    assert report.applied and not report.problems
    assert report.codings_removed == 1
    ann = session.scalar(
        select(Annotation).where(
            Annotation.passage_id == study.english[1].id, Annotation.coder_id == study.coder1.id
        )
    )
    assert ann is not None and ann.stance == -2
    assert (
        _count(
            session,
            Annotation,
            Annotation.passage_id == study.english[0].id,
            Annotation.coder_id == study.coder1.id,
        )
        == 0
    )
    memo = session.scalar(
        select(PassageState.memo).where(
            PassageState.passage_id == study.english[2].id, PassageState.coder_id == study.coder1.id
        )
    )
    assert memo == "offline note"
    events = _count(session, AuditEvent)
    assert events > before  # history kept
    again = coding_import.import_coding_sheet(
        session, study.project, study.coder1, "coder", "s.xlsx", data
    )
    session.commit()
    assert again.applied and _count(session, AuditEvent) == events  # idempotent


def test_every_problem_is_reported_and_nothing_is_applied(session: Session, study: Any) -> None:
    wb = _sheet(session, study)
    ws = wb["Coding"]
    ws.cell(1, ws.max_column + 1, "Made-up code")
    ws.cell(2, _col(ws, f"{CB} [stance]"), 9)
    ws.cell(3, _col(ws, "text_sha256"), "0" * 64)
    ws.cell(4, _col(ws, SOV), "yes please")
    ws.cell(4, _col(ws, "done"), 1)
    zh = study.chinese[0]
    ws.append([zh.id, cs.text_hash(zh.text), "zh", 0, None, None, zh.text, 1])
    ws.cell(3, _col(ws, "Cooperation > Central role of the UN [stance]"), 2)
    before = _count(session, Annotation)
    report = coding_import.import_coding_sheet(
        session, study.project, study.coder1, "coder", "bad.xlsx", _bytes(wb)
    )
    session.rollback()
    assert not report.applied and _count(session, Annotation) == before
    found = {(p.sheet, p.row, p.column): p.message for p in report.problems}
    assert "unknown column" in found[("Coding", 1, "Made-up code")]
    assert "outside the scale" in found[("Coding", 2, f"{CB} [stance]")]
    assert "changed since" in found[("Coding", 3, "text_sha256")]
    assert "not 1, 0 or empty" in found[("Coding", 4, SOV)]
    assert "not assigned to coder1" in found[("Coding", 5, "passage_id")]
    assert "not marked 1" in found[("Coding", 3, "Cooperation > Central role of the UN [stance]")]
    # Explicitly applying the valid rows skips the broken ones only; none is valid but the header
    # problem is file-wide, so fix it and keep one broken row.
    ws.delete_cols(ws.max_column)
    ws.cell(2, _col(ws, f"{CB} [stance]"), 2)
    report = coding_import.import_coding_sheet(
        session, study.project, study.coder1, "coder", "bad.xlsx", _bytes(wb), apply_valid=True
    )
    session.commit()
    assert report.applied and report.applied_rows == 1 and report.skipped_rows == 3
    stance = session.scalar(
        select(Annotation.stance).where(
            Annotation.passage_id == study.english[0].id, Annotation.coder_id == study.coder1.id
        )
    )
    assert stance == 2


def test_whose_sheet_it_is(session: Session, study: Any) -> None:
    data = _bytes(_sheet(session, study))
    with pytest.raises(Forbidden):
        coding_import.import_coding_sheet(
            session, study.project, study.coder2, "coder", "s.xlsx", data
        )
    report = coding_import.import_coding_sheet(
        session, study.project, study.lead, "lead", "s.xlsx", data
    )
    assert report.applied  # a lead may import a coder's sheet on their behalf


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        (b"PK\x03\x04 this is not a real archive", "not a valid Excel workbook"),
        (b"plain text", "not a valid Excel workbook"),
    ],
)
def test_unreadable_workbooks_are_reported_not_raised(
    session: Session, study: Any, data: bytes, message: str
) -> None:
    report = coding_import.import_coding_sheet(
        session, study.project, study.coder1, "coder", "x.xlsx", data
    )
    assert not report.applied and message in report.problems[0].message


def test_a_zip_bomb_workbook_is_refused(session: Session, study: Any) -> None:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b" " * 50_000_000)
    report = coding_import.import_coding_sheet(
        session, study.project, study.coder1, "coder", "bomb.xlsx", buf.getvalue()
    )
    assert not report.applied and "bomb" in report.problems[0].message


LEGACY = (
    "document,passage,text,coder,code,stance,memo\r\n"
    "statement-2020,2,,coder1,Sovereignty,-1,from the old spreadsheet\r\n"
    "statement-2020,,private sector is an indispensable,Coder Two,"
    "Cooperation > Public-private partnership,2,\r\n"
    "zh-2018,1,,coder2,Capacity-building,,\r\n"
)


def _legacy(session: Session, study: Any, text: str, **kw: Any) -> Any:
    return legacy_import.import_legacy(
        session, study.project, study.lead, Upload("old.csv", text.encode("utf-8-sig"), kw)
    )


def test_legacy_table_applies_by_title_ordinal_text_and_names(session: Session, study: Any) -> None:
    from workbench.models import Document

    titles = {d.id: d.title for d in session.scalars(select(Document))}
    text = LEGACY.replace("statement-2020", titles[study.english[0].document_id]).replace(
        "zh-2018", titles[study.chinese[0].document_id]
    )
    report = _legacy(session, study, text)
    session.commit()
    assert report.applied and not report.problems, report.problems
    assert report.codings_set == 3
    sov = session.scalar(
        select(Annotation).where(
            Annotation.passage_id == study.english[1].id, Annotation.coder_id == study.coder1.id
        )
    )
    assert sov is not None and sov.stance == -1 and sov.memo == "from the old spreadsheet"
    pp = session.scalar(
        select(Annotation.stance).where(
            Annotation.passage_id == study.english[2].id, Annotation.coder_id == study.coder2.id
        )
    )
    assert pp == 2


def test_legacy_rows_with_problems_name_row_and_column(session: Session, study: Any) -> None:
    text = (
        "document,passage,coder,code,stance\r\n"
        "No such document,0,coder1,Sovereignty,1\r\n"
        "statement-2020.txt,99,coder1,Sovereignty,1\r\n"
        "statement-2020.txt,1,ghost,Sovereignty,1\r\n"
        "statement-2020.txt,1,coder1,Sovereignty,5\r\n"
        "statement-2020.txt,1,coder1,Cooperation,\r\n"
        "statement-2020.txt,1,coder1,Procedural,1\r\n"
    )
    before = _count(session, Annotation)
    report = _legacy(session, study, text)
    session.rollback()
    assert not report.applied and _count(session, Annotation) == before
    found = {(p.row, p.column): p.message for p in report.problems}
    assert "no document called" in found[(2, "document")]
    assert "no passage ¶99" in found[(3, "passage")]
    assert "'ghost' is not a member of this project" in found[(4, "coder")]
    assert "outside the scale" in found[(5, "stance")]
    assert "folder" in found[(6, "code")]
    assert "takes no stance" in found[(7, "stance")]


def test_legacy_missing_columns_and_created_coders(session: Session, study: Any) -> None:
    report = _legacy(session, study, "file,paragraph,who,label\r\nx,0,y,z\r\n")
    assert not report.applied
    columns = {p.column for p in report.problems}
    assert {"document", "coder", "code"} <= columns and all(p.row == 1 for p in report.problems)
    assert "found: file, paragraph, who, label" in report.problems[0].message
    report = _legacy(
        session,
        study,
        "document,passage,coder,code\r\nstatement-2020.txt,1,Dr. Old Coder,Sovereignty\r\n",
        create_coders=True,
    )
    session.commit()
    assert report.applied and report.created_coders == ["Dr._Old_Coder"]
    user = session.scalar(select(User).where(User.username == "Dr._Old_Coder"))
    assert user is not None and not user.active and user.display_name == "Dr. Old Coder"
    assert (
        _count(session, Membership, Membership.user_id == user.id, Membership.role == "coder") == 1
    )


def test_the_codings_import_takes_a_coding_sheet_as_one(session: Session, study: Any) -> None:
    # The codings import decides by the workbook's sheets: a "Coding" sheet is a coder's sheet,
    # imported on their behalf as the lead's coding-sheet form does (not read as a table).
    from workbench.interchange import workbook_import

    wb = _sheet(session, study)
    ws = wb["Coding"]
    ws.cell(3, _col(ws, SOV), 1)
    ws.cell(3, _col(ws, f"{SOV} [stance]"), -2)
    report = workbook_import.import_codings_file(
        session, study.project, study.lead, "from-coder1.xlsx", _bytes(wb)
    )
    session.commit()
    assert report.kind == "coding sheet" and report.applied and not report.problems
    ann = session.scalar(
        select(Annotation).where(
            Annotation.passage_id == study.english[1].id, Annotation.coder_id == study.coder1.id
        )
    )
    assert ann is not None and ann.stance == -2


def test_a_coding_sheet_upload_that_is_a_table_says_where_it_goes(
    session: Session, study: Any
) -> None:
    data = b"document,passage,coder,code\nstatement-2020.txt,1,coder1,Sovereignty\n"
    report = coding_import.import_coding_sheet(
        session, study.project, study.coder1, "coder", "codings.csv", data
    )
    assert not report.applied
    assert "is a table of codings, not a coding sheet" in str(report.problems[0])
