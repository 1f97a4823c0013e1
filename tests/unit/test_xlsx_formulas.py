"""An uploaded workbook's formula cells with no saved value are named, never read as empty."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from workbench.formats.codebook_xlsx import CodebookImportError
from workbench.formats.codebook_xlsx import xlsx_to_codebook
from workbench.formats.xlsx_read import cell_text
from workbench.formats.xlsx_read import open_workbook
from workbench.formats.xlsx_read import sheet_rows
from workbench.formats.xmlsafe import ExchangeError


def _workbook(*cells: tuple[str, str, object]) -> bytes:
    """A workbook as a script writes one: formulas saved without their values."""
    wb = Workbook()
    wb.active.title = "Notes"
    for sheet, ref, value in cells:
        ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
        ws[ref] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _with_saved_values(data: bytes, values: dict[bytes, bytes]) -> bytes:
    """The same workbook as a spreadsheet program saves it: each formula with its value."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            part = source.read(name)
            for formula, value in values.items():
                part = part.replace(
                    b"<f>" + formula + b"</f><v></v>",
                    b"<f>" + formula + b"</f><v>" + value + b"</v>",
                )
            target.writestr(name, part)
    return out.getvalue()


def test_formulas_without_values_are_named_by_sheet_and_cell() -> None:
    data = _workbook(
        ("Notes", "A1", "memo"),
        ("Notes", "A2", "=1+1"),
        ("Annotations", "A1", "memo"),
        ("Annotations", "D5", '=HYPERLINK("http://x", "y")'),
    )
    with pytest.raises(ExchangeError) as caught:
        open_workbook(data, "edited.xlsx")
    message = str(caught.value)
    assert message.startswith("edited.xlsx: formulas with no saved value")
    assert "'Notes'!A2" in message and "'Annotations'!D5" in message
    with pytest.raises(CodebookImportError, match="formulas with no saved value"):
        xlsx_to_codebook(data, "codebook.xlsx")


def test_a_formula_with_its_saved_value_reads_as_that_value() -> None:
    data = _with_saved_values(
        _workbook(("Notes", "A1", "memo"), ("Notes", "A2", "=1+1")), {b"1+1": b"2"}
    )
    rows = sheet_rows(open_workbook(data, "saved.xlsx"), "Notes")
    assert [cell_text(v) for _, values in rows.rows for v in values] == ["2"]


def test_text_that_looks_like_a_formula_is_text() -> None:
    wb = Workbook()
    wb.active.append(["memo"])
    cell = wb.active.cell(2, 1, "=1+1")
    cell.data_type = "s"  # as the workbench writes it: a string cell
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = sheet_rows(open_workbook(buffer.getvalue(), "text.xlsx"), "Sheet")
    assert [cell_text(v) for _, values in rows.rows for v in values] == ["=1+1"]
