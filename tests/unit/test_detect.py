"""One file-type detector: the name says the family, a workbook's sheets say what it is."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from workbench.core.codebook import load_seed_codebook
from workbench.formats import coding_sheet as cs
from workbench.formats.codebook_xlsx import codebook_to_xlsx
from workbench.formats.detect import Kind
from workbench.formats.detect import detect
from workbench.formats.detect import sheet_names
from workbench.formats.detect import suffix
from workbench.formats.detect import workbook_kind


def workbook(*sheets: str) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name in sheets:
        wb.create_sheet(name)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zipped(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "kind"),
    [("p.qdpx", Kind.QDPX), ("P.QDE", Kind.QDE), ("book.qdc", Kind.QDC), ("x.csv", Kind.TABLE),
     ("x.TSV", Kind.TABLE), ("x.txt", Kind.TABLE), ("x.pdf", Kind.OTHER), ("noext", Kind.OTHER)],
)  # fmt: skip
def test_the_name_decides_outside_workbooks_and_zips(name: str, kind: Kind) -> None:
    assert detect(name, b"anything") is kind


def test_a_workbook_is_what_its_sheets_say() -> None:
    assert detect("a.xlsx", workbook("About", "Codebook", "Passages", "Annotations")) is Kind.EXPORT
    assert detect("a.xlsx", workbook("Coding", "Instructions", "_meta")) is Kind.CODING_SHEET
    assert detect("a.xlsx", workbook("Coding")) is Kind.CODING_SHEET  # _meta lost: still one
    assert detect("a.xlsx", workbook("Codebook", "Stance scale", "About")) is Kind.CODEBOOK
    assert detect("a.xlsx", workbook("Codings")) is Kind.TABLE  # not "Coding"
    assert detect("a.xlsx", workbook("Annotations")) is Kind.TABLE
    assert detect("a.xlsx", workbook("Sheet1")) is Kind.TABLE
    # Passages without Annotations is no whole export, and no codebook either.
    assert detect("a.xlsx", workbook("Codebook", "Passages")) is Kind.TABLE


def test_the_real_writers_are_recognised() -> None:
    spec = load_seed_codebook()
    out = io.BytesIO()
    codebook_to_xlsx(spec, out)
    assert detect("book.xlsx", out.getvalue()) is Kind.CODEBOOK
    sheet = io.BytesIO()
    meta = cs.SheetMeta("p", "ann", "Ann", 1, ((0, "neutral"),), "2026-01-01T00:00:00+00:00")
    cs.write_coding_sheet(meta, [cs.SheetCode("k", "A", False)], [], sheet)
    assert detect("sheet.xlsx", sheet.getvalue()) is Kind.CODING_SHEET


def test_a_workbook_that_cannot_be_read_goes_to_its_reader() -> None:
    assert detect("a.xlsx", b"not a zip") is Kind.WORKBOOK
    assert detect("a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 encrypted") is Kind.WORKBOOK
    assert detect("a.xlsx", zipped(**{"word/document.xml": b"<w/>"})) is Kind.WORKBOOK
    huge = zipped(**{"xl/workbook.xml": b" " * 1_000_001})
    assert detect("a.xlsx", huge) is Kind.WORKBOOK


def test_a_zip_is_the_csv_export_when_it_holds_passages_csv() -> None:
    assert detect("e.zip", zipped(**{"passages.csv": b"a\n"})) is Kind.CSV_EXPORT
    assert detect("e.zip", zipped(**{"other.csv": b"a\n"})) is Kind.ZIP
    assert detect("e.zip", b"PK") is Kind.ZIP


def test_jsonl_is_the_export_when_its_first_line_says_so() -> None:
    assert detect("e.jsonl", b'{"format":"workbench-export","version":2}\n') is Kind.JSONL_EXPORT
    assert detect("e.jsonl", b'{"text":"a speech"}\n') is Kind.OTHER
    assert detect("e.jsonl", b"\xff\xfe not json") is Kind.OTHER


def test_sheet_names_read_escaped_names_and_prefixed_tags() -> None:
    book = (
        b'<workbook xmlns:x="s"><sheets><x:sheet name="A &amp; B" sheetId="1"/>'
        b'<sheet sheetId="2" name="Coding"/></sheets></workbook>'
    )
    assert sheet_names(zipped(**{"xl/workbook.xml": book})) == ["A & B", "Coding"]
    assert workbook_kind([" coding "]) is Kind.CODING_SHEET


def test_suffix() -> None:
    assert suffix("a/b.Tar.XLSX") == ".xlsx"
    assert suffix("noext") == suffix(".hidden") == suffix("dots.") == ""
