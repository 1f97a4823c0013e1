"""Formula-injection-safe cells: xlsx keeps text verbatim as strings, CSV guards dangerous leads."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl import load_workbook

from workbench.formats.cells import is_formula_like
from workbench.formats.cells import safe_cell
from workbench.formats.cells import safe_csv
from workbench.formats.cells import safe_row
from workbench.formats.cells import text_cell
from workbench.formats.cells import unguard_csv
from workbench.formats.cells import write_text_cell

DANGEROUS = [
    "=1+1",
    "-1+1",
    "@SUM(A1)",
    '=HYPERLINK("http://x","y")',
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "- a dash-led list",
    "  =1+1",
    "+86 10 6596 1114",
    "'=1+1",
]
# Plain numbers (even signed) cannot run anything: CSV leaves them alone so R/pandas still read
# numbers; xlsx still stores them as text because they arrived as text.
NUMBERS = ["+1", "-1", "-5", "+2.5", "3.5", "1e3", "-.5"]
HARMLESS = ["plain text", "中方谴责一切形式的恐怖主义", "a=b", "", "#N/A", *NUMBERS]


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        return "".join(archive.read(n).decode() for n in names)


def _check_xlsx(data: bytes, values: list[str]) -> None:
    ws = load_workbook(io.BytesIO(data)).active
    cells = [ws.cell(row=i + 1, column=1) for i in range(len(values))]
    assert [c.value or "" for c in cells] == values
    assert {c.data_type for c in cells if c.value} == {"s"}
    assert not re.search(r"<f[ >]", _sheet_xml(data))


def test_normal_worksheet_stores_payloads_as_text() -> None:
    wb = Workbook()
    ws = wb.active
    values = DANGEROUS + HARMLESS
    for row, value in enumerate(values, start=1):
        write_text_cell(ws, row, 1, value)
    buf = io.BytesIO()
    wb.save(buf)
    _check_xlsx(buf.getvalue(), values)


def test_write_only_worksheet_stores_payloads_as_text() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    values = DANGEROUS + HARMLESS
    for value in values:
        ws.append([text_cell(ws, value)])
    buf = io.BytesIO()
    wb.save(buf)
    _check_xlsx(buf.getvalue(), values)


def test_safe_row_and_other_types_keep_their_type() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(safe_row(ws, [1, 2.5, True, None, "=1"]))
    buf = io.BytesIO()
    wb.save(buf)
    row = next(load_workbook(io.BytesIO(buf.getvalue())).active.iter_rows())
    assert [c.value for c in row[:3]] == [1, 2.5, True]
    assert [c.data_type for c in row[:3]] == ["n", "n", "b"]
    assert (row[4].value, row[4].data_type) == ("=1", "s")


def test_formula_like_text_gets_quote_prefix_so_editing_keeps_it_text() -> None:
    wb = Workbook()
    assert write_text_cell(wb.active, 1, 1, "=1+1").quotePrefix
    assert not write_text_cell(wb.active, 2, 1, "plain").quotePrefix


def test_illegal_control_characters_are_replaced_visibly() -> None:
    wb = Workbook()
    cell = write_text_cell(wb.active, 1, 1, "bell\x07 and nul\x00 ok\ttab")
    assert cell.value == "bell\ufffd and nul\ufffd ok\ttab"
    assert safe_cell("\x1b[31m") == "\ufffd[31m"


@pytest.mark.parametrize("value", DANGEROUS)
def test_is_formula_like_flags_every_payload(value: str) -> None:
    assert is_formula_like(value) or value.startswith("'")


@pytest.mark.parametrize("value", HARMLESS)
def test_is_formula_like_spares_harmless_text(value: str) -> None:
    assert not is_formula_like(value)


def test_csv_round_trip_guards_dangerous_and_keeps_harmless() -> None:
    values = DANGEROUS + HARMLESS
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    for value in values:
        writer.writerow([safe_csv(value)])
    rows = [row[0] if row else "" for row in csv.reader(io.StringIO(out.getvalue(), newline=""))]
    for original, written in zip(values, rows, strict=True):
        if original in DANGEROUS:
            assert written == "'" + original
        else:
            assert written == original
        assert unguard_csv(written) == original


def test_csv_renders_non_text_types() -> None:
    assert [safe_csv(v) for v in (None, True, False, -5, 2.5)] == ["", "TRUE", "FALSE", "-5", "2.5"]


@pytest.mark.parametrize("text", ["'", "''=1", "'plain", "'-5", "x", "'  +1"])
def test_unguard_inverts_safe_csv(text: str) -> None:
    assert unguard_csv(safe_csv(text)) == text
