"""Cell values that spreadsheet programs never evaluate: formula-injection-safe xlsx and CSV.

Exported text comes from documents, coders and imported files, so any of it may start with "=",
"+", "-", "@", a tab or a carriage return and would run as a formula (or DDE command) when the
file is opened. In xlsx we keep the text exactly as written but store it as a string cell, which
Excel and LibreOffice display verbatim; in CSV, which has no types, we must change the text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl.cell import Cell
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from workbench.formats.xmlsafe import clean_xml_text

FORMULA_LEADS = frozenset("=+-@\t\r")
CSV_GUARD = "'"
# A plain number is data, not a formula, even with a sign: "-5" stays "-5" in CSV.
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GUARDED_RE = re.compile(r"'*[ \u00a0]*[=+\-@\t\r]")

CellValue = str | int | float | Decimal | bool | dt.datetime | dt.date | dt.time | None


def is_formula_like(text: str) -> bool:
    """Tell whether a spreadsheet could read text as a formula (leading spaces are ignored)."""
    stripped = text.lstrip(" \u00a0")
    return bool(stripped) and stripped[0] in FORMULA_LEADS and not _NUMBER_RE.fullmatch(text)


def clean_text(text: str) -> str:
    """Replace control characters a worksheet cannot hold with a visible U+FFFD."""
    return clean_xml_text(text)


def safe_cell(value: Any) -> CellValue:
    """Return a value openpyxl can store: text cleaned of illegal characters, other types as is."""
    if value is None or isinstance(value, int | float | Decimal | dt.date | dt.time):
        return value  # bool and datetime are subclasses of int and date
    return clean_text(str(value))


def set_safe_value(cell: Cell, value: Any) -> Cell:
    """Put value into cell; text is always a string cell (never a formula or error code)."""
    cleaned = safe_cell(value)
    cell.value = cleaned
    if isinstance(cleaned, str):
        # openpyxl turns "=..." into a formula and "#N/A" into an error; force plain text.
        cell.data_type = "s"
        if is_formula_like(cleaned):
            # quotePrefix keeps it text even after someone edits the cell in Excel.
            cell.quotePrefix = True
    return cell


def write_text_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write value at (row, column) of a normal worksheet without formula interpretation."""
    return set_safe_value(ws.cell(row=row, column=column), value)


def text_cell(ws: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    """Make a write-only cell holding value safely (for ws.append in write-only workbooks)."""
    cell = WriteOnlyCell(ws)
    set_safe_value(cell, value)
    return cell


def safe_row(ws: WriteOnlyWorksheet, values: Iterable[Any]) -> list[WriteOnlyCell]:
    """Turn a row of values into safe write-only cells: ws.append(safe_row(ws, values))."""
    return [text_cell(ws, value) for value in values]


def safe_csv(value: Any) -> str:
    """Render value for CSV so spreadsheets never evaluate it.

    CSV has no cell types, so the only defence that works in Excel, LibreOffice and Google
    Sheets is to change the text: a value that could start a formula gets a leading apostrophe
    ("=1+1" becomes "'=1+1"). The trade-off: pandas, R and other programs see that apostrophe,
    so a dash-led note "- first point" arrives as "'- first point". unguard_csv() undoes it
    exactly, and text already starting with apostrophes before a formula lead gets one more so
    that the undo is unambiguous. Plain numbers such as "-5" are left alone.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    return CSV_GUARD + text if needs_csv_guard(text) else text


def needs_csv_guard(text: str) -> bool:
    """Tell whether safe_csv would prefix text with an apostrophe."""
    return not _NUMBER_RE.fullmatch(text) and _GUARDED_RE.match(text) is not None


def unguard_csv(text: str) -> str:
    """Undo safe_csv's apostrophe (for re-importing our own CSV exports)."""
    if text.startswith(CSV_GUARD) and needs_csv_guard(text[1:]):
        return text[1:]
    return text
