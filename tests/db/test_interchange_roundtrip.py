"""Exact round trips of our own export: export -> import into a fresh project -> export again,
compared cell by cell on every sheet (xlsx), every file (CSV) and every table (JSON Lines),
ids apart."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.db.test_export_data import build_study
from workbench.accounts import users as accounts
from workbench.formats.jsonl_export_read import read_jsonl_export
from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.interchange import workbook_import

# Columns that hold database ids: they differ in the copy by design.
IDS = {"annotation_id", "passage_id", "document_id"}
# About: the export describes itself (project name, time of export); these rows differ.
ABOUT_OWN = {"project", "exported_at", "exported", "generated_at", "project_slug"}


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def export(session: Session, project: Any, fmt: str) -> bytes:
    """The whole export of a project, without bootstrap (it is seeded, but slow)."""
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), fmt, buf)
    return buf.getvalue()


def fresh_copy(session: Session, study: Any, name: str) -> Any:
    """A new project whose members are the study's coders."""
    project = accounts.create_project(session, name, lead=study.lead)
    for coder in (study.coder1, study.coder2):
        accounts.add_member(session, project, coder, "coder")
    session.commit()
    return project


def _masked(table: list[list[Any]]) -> list[list[Any]]:
    """Blank the id columns (by header name) and the About rows about the export itself."""
    if not table:
        return table
    header = [str(h) if h is not None else "" for h in table[0]]
    hidden = {i for i, h in enumerate(header) if h in IDS}
    out = [header]
    for row in table[1:]:
        if row and str(row[0]) in ABOUT_OWN:
            continue
        out.append([None if i in hidden else v for i, v in enumerate(row)])
    return out


def xlsx_tables(data: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet of a workbook as rows of cell values."""
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def csv_tables(data: bytes) -> dict[str, list[list[Any]]]:
    """Every CSV file of the export zip as rows of cells (the bytes decoded, nothing else)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"), newline="")))
            for name in archive.namelist()
        }


def jsonl_tables(data: bytes) -> dict[str, list[list[Any]]]:
    """Every table of the JSON Lines export as rows of values, its column names first."""
    tables = read_jsonl_export(data, "export.jsonl")
    return {key: [t.columns, *t.rows] for key, t in tables.items()}


READERS = {"xlsx": xlsx_tables, "csv": csv_tables, "json": jsonl_tables}
NAMES = {"xlsx": "study.xlsx", "csv": "study-csv.zip", "json": "study.jsonl"}


def differences(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """Every cell that differs, as 'sheet!row:column: before -> after'."""
    found = []
    assert sorted(first) == sorted(second)
    for name in first:
        a, b = _masked(first[name]), _masked(second[name])
        if len(a) != len(b):
            found.append(f"{name}: {len(a)} rows before, {len(b)} after")
        for r, (ra, rb) in enumerate(zip(a, b, strict=False), start=1):
            for c in range(max(len(ra), len(rb))):
                va = ra[c] if c < len(ra) else None
                vb = rb[c] if c < len(rb) else None
                if va != vb:
                    found.append(f"{name}!{r}:{a[0][c] if c < len(a[0]) else c}: {va!r} -> {vb!r}")
    return found


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_export_import_export_is_identical_cell_by_cell(
    session: Session, study: Any, fmt: str
) -> None:
    first = export(session, study.project, fmt)
    copy = fresh_copy(session, study, f"Copy {fmt}")
    name = NAMES[fmt]
    report = workbook_import.import_codings_file(session, copy, study.lead, name, first)
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    session.commit()
    assert report.documents_added == 2 and report.consensus_passages == 1
    second = export(session, copy, fmt)
    read = READERS[fmt]
    before, after = read(first), read(second)
    found = differences(before, after)
    assert found == [], "\n".join(found)
    # The comparison sees what matters: the tables are not empty, and it notices a change.
    key = {"xlsx": "Annotations", "csv": "annotations.csv", "json": "annotations"}[fmt]
    assert len(before[key]) == 9  # header, seven codings, one consensus
    after[key][2][after[key][0].index("memo")] = "changed"
    assert differences(before, after)


HARD_MEMOS = [
    'He said ""no"", twice',
    'He said "no", twice',
    "=1+1 and '=2",
    "line one\r\nline two, with a comma\nline three",
    "\ttab first; 王伟：备注",
    "@mention 😀",
    "- first point\n+ second",
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_hard_memos_come_back_exactly(session: Session, study: Any, fmt: str) -> None:
    from sqlalchemy import select

    from workbench.models import Annotation
    from workbench.models import PassageState

    annotations = session.scalars(
        select(Annotation).where(Annotation.project_id == study.project.id).order_by(Annotation.id)
    ).all()
    assert len(annotations) == len(HARD_MEMOS)
    for annotation, memo in zip(annotations, HARD_MEMOS, strict=True):
        annotation.memo = memo
    state = session.scalars(
        select(PassageState).where(PassageState.project_id == study.project.id)
    ).first()
    assert state is not None
    state.memo = '\'+ passage memo\r\n"quoted", with a comma'
    session.commit()
    first = export(session, study.project, fmt)
    copy = fresh_copy(session, study, f"Hard {fmt}")
    name = {"xlsx": "hard.xlsx", "csv": "hard.zip", "json": "hard.jsonl"}[fmt]
    report = workbook_import.import_codings_file(session, copy, study.lead, name, first)
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    session.commit()
    copied = set(session.scalars(select(Annotation.memo).where(Annotation.project_id == copy.id)))
    assert copied == set(HARD_MEMOS)
    assert state.memo in set(
        session.scalars(select(PassageState.memo).where(PassageState.project_id == copy.id))
    )
    read = READERS[fmt]
    assert differences(read(first), read(export(session, copy, fmt))) == []


@pytest.mark.parametrize("extra", ['{"region": "EU", "source_url": "http://x"', "[1, 2]", "{not"])
def test_unreadable_document_metadata_is_a_problem_not_dropped(
    session: Session, study: Any, extra: str
) -> None:
    first = export(session, study.project, "csv")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    rows = list(csv.reader(io.StringIO(files["documents.csv"].decode("utf-8-sig"), newline="")))
    rows[1][rows[0].index("extra")] = extra
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    files["documents.csv"] = out.getvalue().encode("utf-8-sig")
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    copy = fresh_copy(session, study, "Extra")
    report = workbook_import.import_codings_file(
        session, copy, study.lead, "x-csv.zip", changed.getvalue()
    )
    assert not report.applied
    assert [(p.row, p.column) for p in report.problems] == [(2, "extra")]
    assert "not a JSON object" in report.problems[0].message


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_the_adjudications_note_comes_back(session: Session, study: Any, fmt: str) -> None:
    from sqlalchemy import select

    from workbench.models import ConsensusState

    state = session.scalars(
        select(ConsensusState).where(ConsensusState.project_id == study.project.id)
    ).one()
    state.memo = "Decided for capacity-building: the speaker names training twice."
    session.commit()
    copy = fresh_copy(session, study, f"Note {fmt}")
    data = export(session, study.project, fmt)
    report = workbook_import.import_codings_file(session, copy, study.lead, NAMES[fmt], data)
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    session.commit()
    notes = session.scalars(select(ConsensusState.memo).where(ConsensusState.project_id == copy.id))
    assert list(notes) == [state.memo]
    # The same file again changes nothing.
    again = workbook_import.import_codings_file(session, copy, study.lead, NAMES[fmt], data)
    assert again.applied and again.consensus_passages == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_cell_longer_than_a_worksheet_holds_is_refused_not_cut(
    session: Session, study: Any, fmt: str
) -> None:
    from sqlalchemy import select

    from workbench.models import Annotation

    annotation = session.scalars(
        select(Annotation).where(Annotation.project_id == study.project.id)
    ).first()
    assert annotation is not None
    annotation.memo = "long memo " * 4_000  # 40,000 characters
    session.commit()
    copy = fresh_copy(session, study, f"Long {fmt}")
    data = export(session, study.project, fmt)
    report = workbook_import.import_codings_file(session, copy, study.lead, NAMES[fmt], data)
    assert not report.applied
    (problem,) = report.problems
    assert "column 'memo': 40,000 characters" in str(problem) and "cuts nothing" in str(problem)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_a_former_coders_nothing_applies_comes_back(
    session: Session, study: Any, make_user: Any, fmt: str
) -> None:
    from sqlalchemy import select

    from workbench.coding import passage_state
    from workbench.models import PassageState

    # Their only work: a passage marked "nothing applies", with a memo; then they became lead.
    former = make_user("former", name="Former Coder")
    accounts.add_member(session, study.project, former, "coder")
    passage = study.english[1]
    passage_state.set_done(session, study.project, former, passage.id, True)
    memo = "nothing applies: a procedural remark"
    passage_state.set_passage_memo(session, study.project, former, passage.id, memo, limit=20_000)
    accounts.add_member(session, study.project, former, "lead")
    session.commit()
    copy = fresh_copy(session, study, f"Former {fmt}")
    accounts.add_member(session, copy, former, "coder")
    session.commit()
    data = export(session, study.project, fmt)
    report = workbook_import.import_codings_file(session, copy, study.lead, NAMES[fmt], data)
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    session.commit()
    kept = session.execute(
        select(PassageState.coded, PassageState.memo).where(
            PassageState.project_id == copy.id, PassageState.coder_id == former.id
        )
    ).all()
    assert kept == [(True, memo)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_control_characters_are_shown_as_they_export_and_said(
    session: Session, study: Any, import_text: Any, fmt: str
) -> None:
    from sqlalchemy import select

    from workbench.models import Document
    from workbench.models import Passage

    # An ESC in the text, and the Ctrl-Z old DOS files end with: no export can hold them (a
    # file with more of them than this reads as binary and is refused).
    data = b"We support capacity-building \x1b[1m for all.\n\nSecond paragraph.\n\x1a"
    result = import_text(study.project, [("terminal.txt", data)])
    assert result.shown_controls == {"terminal.txt": 2}
    assert any("2 control character(s) shown as U+FFFD" in note for note in result.notes)
    document = session.scalars(select(Document).where(Document.filename == "terminal.txt")).one()
    texts = session.scalars(select(Passage.text).where(Passage.document_id == document.id)).all()
    assert texts[0] == "We support capacity-building \ufffd[1m for all."
    assert "\x1b" in document.raw_text and len(document.raw_text) == len(data)
    # Our own export read back into the same project finds the document already there.
    report = workbook_import.import_codings_file(
        session, study.project, study.lead, NAMES[fmt], export(session, study.project, fmt)
    )
    assert report.documents_added == 0 and report.documents_known == 3
