"""The offline coding sheet: a workbook a coder fills in Excel and uploads again (pure).

Sheet "Coding": one row per passage assigned to the coder — passage id and a SHA-256 of the
passage text (hidden, locked), document, ordinal, speaker, delegation, the text, then "done",
one presence column per codable code (dropdown 0/1) and one stance column per code that takes
a stance (dropdown of the scale's values), and a memo. It is pre-filled with the coder's
current codings, so a blank cell means "leave as it is" and 0 means "remove". The sheet is
protected without a password so that only the coding cells can be edited by accident.
Sheet "Instructions" says so; a hidden sheet "_meta" records the project, the coder, the
codebook version and which column is which code (by its stable key), so columns can be
recognised even if their header text is edited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from os import PathLike
from typing import IO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.styles import Font
from openpyxl.styles import PatternFill
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from workbench.core.i18n import _
from workbench.formats.cells import safe_row
from workbench.formats.cells import text_cell
from workbench.formats.xlsx_read import Sheet
from workbench.formats.xlsx_read import cell_text
from workbench.formats.xlsx_read import open_workbook
from workbench.formats.xlsx_read import sheet_rows
from workbench.formats.xmlsafe import ExchangeError

FORMAT = "workbench-coding-sheet v1"
CODING, INSTRUCTIONS, META = "Coding", "Instructions", "_meta"
FIXED = ("passage_id", "text_sha256", "document", "ordinal", "speaker", "delegation", "text")
DONE, MEMO = "done", "memo"
STANCE_SUFFIX = " [stance]"
_MINUS = str.maketrans({"−": "-", "–": "-", "＋": "+", "－": "-"})


def text_hash(text: str) -> str:
    """SHA-256 of a passage text (UTF-8), as the sheet stores it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SheetCode:
    """A codable code as a column of the sheet."""

    key: str
    path: str
    takes_stance: bool


@dataclass
class SheetPassage:
    """A passage row with the coder's current state."""

    passage_id: int
    document: str
    ordinal: int
    speaker: str | None
    delegation: str | None
    text: str
    done: bool = False
    memo: str = ""
    codings: dict[str, int | None] = field(default_factory=dict)  # code key -> stance


@dataclass(frozen=True)
class SheetMeta:
    """Whose sheet it is and under which codebook."""

    project: str
    coder: str
    coder_name: str
    codebook_version: int
    scale: tuple[tuple[int, str], ...]
    exported_at: str = ""


def write_coding_sheet(
    meta: SheetMeta,
    codes: Sequence[SheetCode],
    passages: Sequence[SheetPassage],
    out: str | PathLike[str] | IO[bytes],
) -> None:
    """Write the coding sheet workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(CODING)
    headers = [*FIXED, DONE]
    kinds: list[tuple[str, str, str]] = []  # (header, kind, code key)
    for code in codes:
        headers.append(code.path)
        kinds.append((code.path, "presence", code.key))
        if code.takes_stance:
            headers.append(code.path + STANCE_SUFFIX)
            kinds.append((code.path + STANCE_SUFFIX, "stance", code.key))
    headers.append(MEMO)
    widths = {
        "passage_id": 9,
        "text_sha256": 12,
        "document": 24,
        "ordinal": 8,
        "speaker": 16,
        "delegation": 14,
        "text": 70,
        DONE: 7,
        MEMO: 30,
    }
    for index, name in enumerate(headers, start=1):
        dim = ws.column_dimensions[get_column_letter(index)]
        dim.width = widths.get(name, 14)
        if name in ("passage_id", "text_sha256"):
            dim.hidden = True
    ws.freeze_panes = "H2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # let coders widen columns
    ws.protection.formatRows = False
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")
    header_cells = []
    for name in headers:
        cell = text_cell(ws, name)
        cell.font, cell.fill = bold, grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header_cells.append(cell)
    ws.append(header_cells)
    editable = Protection(locked=False)
    wrap = Alignment(wrap_text=True, vertical="top")
    first_edit = len(FIXED)
    for p in passages:
        values: list[Any] = [
            p.passage_id,
            text_hash(p.text),
            p.document,
            p.ordinal + 1,
            p.speaker or "",
            p.delegation or "",
            p.text,
            1 if p.done else None,
        ]
        for code in codes:
            on = code.key in p.codings
            values.append(1 if on else (0 if p.done else None))
            if code.takes_stance:
                values.append(p.codings.get(code.key) if on else None)
        values.append(p.memo or None)
        cells = safe_row(ws, values)
        cells[6].alignment = wrap
        for cell in cells[first_edit:]:
            cell.protection = editable
        ws.append(cells)
    last = max(len(passages) + 1, 2)
    _validations(ws, headers, kinds, meta.scale, last)
    _instructions(wb, meta, len(passages))
    _meta(wb, meta, kinds)
    wb.save(out)


def _validations(
    ws: Any,
    headers: list[str],
    kinds: list[tuple[str, str, str]],
    scale: Sequence[tuple[int, str]],
    last: int,
) -> None:
    binary = DataValidation(type="list", formula1='"0,1"', allow_blank=True)
    binary.error = _("Enter 1 (applies), 0 (does not apply) or leave empty.")
    binary.showErrorMessage = True
    values = ",".join(str(v) for v, _ in scale)
    stance = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
    shown = "; ".join(f"{v} {label}" for v, label in scale)
    stance.error = _("Choose a value of the stance scale: %(scale)s", scale=shown)
    stance.showErrorMessage = True
    kind_of = {h: k for h, k, _ in kinds}
    for index, name in enumerate(headers, start=1):
        ref = f"{get_column_letter(index)}2:{get_column_letter(index)}{last}"
        if name == DONE or kind_of.get(name) == "presence":
            binary.add(ref)
        elif kind_of.get(name) == "stance":
            stance.add(ref)
    ws.data_validations.append(binary)
    ws.data_validations.append(stance)


def _instructions(wb: Workbook, meta: SheetMeta, count: int) -> None:
    ws = wb.create_sheet(INSTRUCTIONS)
    ws.column_dimensions["A"].width = 110
    # Written for the coder in the language of whoever downloads the sheet; the sheet and
    # column names stay as they are, since the import reads them.
    scale = "; ".join(f"{v} = {label}" for v, label in meta.scale)
    lines = [
        _(
            "Coding sheet of %(name)s (%(coder)s) for project %(project)s, codebook version "
            "%(version)s: %(count)s assigned passages.",
            name=meta.coder_name,
            coder=meta.coder,
            project=meta.project,
            version=meta.codebook_version,
            count=count,
        ),
        _(
            "Work in the sheet '%(sheet)s'. Each row is one passage; its text is in column G.",
            sheet=CODING,
        ),
        _("For each code: 1 = the code applies, 0 = it does not apply, empty = leave as it is."),
        _("Stance columns: choose a value from the list: %(scale)s", scale=scale),
        _(
            "done: 1 when you have coded the passage (a passage with no code and done = 1 means "
            "'nothing applies'); 0 reopens it."
        ),
        _("memo: your note on the passage."),
        _(
            "Do not change the passage text, the hidden columns or this workbook's structure: "
            "passages whose text changed since this export are refused on import."
        ),
        _("Upload the file on the project's Export page (a lead) or the Analysis page (you)."),
    ]
    for line in lines:
        ws.append(safe_row(ws, [line]))


def _meta(wb: Workbook, meta: SheetMeta, kinds: list[tuple[str, str, str]]) -> None:
    ws = wb.create_sheet(META)
    ws.sheet_state = "hidden"
    rows: list[list[Any]] = [
        ["format", FORMAT],
        ["project", meta.project],
        ["coder", meta.coder],
        ["codebook_version", meta.codebook_version],
        ["exported_at", meta.exported_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
    ]
    rows += [["column", header, kind, key] for header, kind, key in kinds]
    for row in rows:
        ws.append(safe_row(ws, row))


@dataclass
class ParsedSheet:
    """A coding sheet as uploaded: its meta entries, column map and raw rows."""

    filename: str
    meta: dict[str, str]
    columns: dict[str, tuple[str, str]]  # header -> (kind, code key) from _meta
    sheet: Sheet


def read_coding_sheet(data: bytes, filename: str) -> ParsedSheet:
    """Open an uploaded coding sheet; raise ExchangeError when it is not one."""
    wb = open_workbook(data, filename)
    try:
        if CODING not in wb.sheetnames:
            raise ExchangeError(
                _(
                    "%(filename)s: no sheet named '%(CODING)s' (sheets: %(value)s); is "
                    "this a coding sheet exported by the workbench?",
                    filename=filename,
                    CODING=CODING,
                    value=", ".join(wb.sheetnames),
                )
            )
        meta: dict[str, str] = {}
        columns: dict[str, tuple[str, str]] = {}
        if META in wb.sheetnames:
            found = sheet_rows(wb, META)
            lines = [found.header] + [[cell_text(v) for v in values] for _, values in found.rows]
            for line in lines:
                cells = [c.strip() for c in line] + ["", "", "", ""]
                if cells[0] == "column":
                    columns[cells[1]] = (cells[2], cells[3])
                elif cells[0]:
                    meta[cells[0]] = cells[1]
        return ParsedSheet(filename, meta, columns, sheet_rows(wb, CODING))
    finally:
        wb.close()


def parse_binary(value: Any) -> bool | None:
    """A 0/1 cell: True, False, or None when empty; ValueError otherwise."""
    text = cell_text(value).strip().lower()
    if text == "":
        return None
    if text in ("1", "true", "x", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    raise ValueError(_("'%(value)s' is not 1, 0 or empty", value=cell_text(value)))


def parse_stance(value: Any, allowed: Sequence[int]) -> int | None:
    """A stance cell: a value of the scale, or None when empty; ValueError otherwise."""
    text = cell_text(value).strip().translate(_MINUS)
    if text == "":
        return None
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(_("'%(value)s' is not a whole number", value=cell_text(value)))
    number = int(text)
    if number not in allowed:
        raise ValueError(
            _(
                "stance %(number)s is outside the scale (%(value)s)",
                number=number,
                value=", ".join(str(v) for v in allowed),
            )
        )
    return number
