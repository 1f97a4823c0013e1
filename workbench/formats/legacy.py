"""Reading long tables of codings made elsewhere: CSV or xlsx, one row per coding (pure).

Columns (case and spacing ignored; aliases in brackets):
- ``document`` [document_title, title, doc] — the document's title (or its file name);
- ``passage`` [passage_ordinal, ordinal, paragraph] — the passage's number as the workbench
  shows it (¶N: 1 = first), the same numbering as its own export's ``passage_ordinal``; or
- ``text`` [passage_text, quote, segment] — the passage text, or a piece of it that occurs in
  exactly one passage of the document;
- ``coder`` [username, user, annotator] — username or display name;
- ``code`` [code_path, code_name, tag] — the code's path ("Parent > Child") or unique name;
  empty means "the coder coded the passage and nothing applies";
- optional: ``stance``, ``memo`` [note, comment], ``span_start``, ``span_end``, ``layer``
  (rows of the layer "consensus" are the adjudicated layer, not a coder's), ``created_at`` and
  ``updated_at`` (ISO 8601; kept as the coding's own times instead of the time of import).
The workbench's own Annotations sheet (xlsx or CSV) has these columns, so it reads back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.core.i18n import _
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.xlsx_read import Sheet
from workbench.formats.xlsx_read import cell_text
from workbench.formats.xlsx_read import open_workbook
from workbench.formats.xlsx_read import read_csv
from workbench.formats.xlsx_read import sheet_rows
from workbench.formats.xmlsafe import ExchangeError

ALIASES: dict[str, tuple[str, ...]] = {
    "document": ("document", "document_title", "title", "doc", "document_name"),
    "passage": ("passage", "passage_ordinal", "ordinal", "paragraph", "passage_no"),
    "text": ("text", "passage_text", "quote", "segment"),
    "coder": ("coder", "username", "user", "annotator", "coder_username"),
    "code": ("code", "code_path", "code_name", "tag"),
    "stance": ("stance", "stance_value"),
    "memo": ("memo", "note", "comment", "comments"),
    "span_start": ("span_start", "start"),
    "span_end": ("span_end", "end"),
    "layer": ("layer",),
    "created_at": ("created_at", "created"),
    "updated_at": ("updated_at", "updated", "modified_at"),
}
REQUIRED = ("document", "coder", "code")


class TableFormatError(ExchangeError):
    """The table lacks columns it needs; problems name the sheet and the columns."""

    def __init__(self, message: str, problems: list[ImportProblem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class LegacyRow:
    """One row of the table, as text, with its spreadsheet row number."""

    row: int
    document: str
    passage: str
    text: str
    coder: str
    code: str
    stance: str
    memo: str | None  # None: the table has no memo column (an empty cell is an empty memo)
    span_start: str
    span_end: str
    layer: str
    created_at: str = ""
    updated_at: str = ""
    stray_cells: int = 0  # non-empty cells beyond the header: the row did not parse as meant


def _norm(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


def header_map(header: list[str]) -> dict[str, int]:
    """field -> column index, through the aliases (first match wins)."""
    found: dict[str, int] = {}
    normalised = [_norm(h) for h in header]
    for field, names in ALIASES.items():
        for name in names:
            if name in normalised:
                found[field] = normalised.index(name)
                break
    return found


def read_table(data: bytes, filename: str) -> Sheet:
    """The codings table of an upload: a CSV, or the Annotations sheet (else the first) of xlsx."""
    if filename.lower().endswith((".csv", ".tsv", ".txt")):
        return read_csv(data, filename)
    wb = open_workbook(data, filename)
    try:
        names = wb.sheetnames
        name = next((n for n in names if n.lower() in ("annotations", "codings")), names[0])
        return sheet_rows(wb, name)
    finally:
        wb.close()


def read_legacy(data: bytes, filename: str) -> tuple[Sheet, list[LegacyRow]]:
    """Read the table and map its columns; raise TableFormatError if required ones are missing."""
    sheet = read_table(data, filename)
    columns = header_map(sheet.header)
    missing = [f for f in REQUIRED if f not in columns]
    if "passage" not in columns and "text" not in columns:
        missing.append("passage or text")
    if missing:
        shown = ", ".join(h for h in sheet.header if h) or "none"
        problems = [
            ImportProblem(
                sheet.name,
                1,
                m,
                _("required column '%(m)s' is missing (found: %(shown)s)", m=m, shown=shown),
            )
            for m in missing
        ]
        raise TableFormatError(
            _(
                "%(filename)s: sheet '%(name)s' lacks the column(s) %(value)s; found %(shown)s",
                filename=filename,
                name=sheet.name,
                value=", ".join(missing),
                shown=shown,
            ),
            problems,
        )
    rows = []
    for number, values in sheet.rows:

        def get(field: str, values: list[Any] = values) -> str:
            index = columns.get(field)
            if index is None or index >= len(values):
                return ""
            return cell_text(values[index]).strip() if field != "memo" else cell_text(values[index])

        rows.append(
            LegacyRow(
                number,
                get("document"),
                get("passage"),
                get("text"),
                get("coder"),
                get("code"),
                get("stance"),
                get("memo") if "memo" in columns else None,
                get("span_start"),
                get("span_end"),
                get("layer").lower(),
                get("created_at"),
                get("updated_at"),
                sum(1 for v in values[len(sheet.header) :] if cell_text(v).strip()),
            )
        )
    return sheet, rows
