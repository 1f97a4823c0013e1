"""What kind of file an upload is, from its name and, where the name is not enough, its content.

One detector for every import: the project import, the codings import (web and command line)
and the coding-sheet import ask it, so that an .xlsx means the same everywhere. The name says
the family (a REFI-QDA file, a workbook, a zip, a table); for a workbook the sheets decide:

- a sheet "Coding": an offline coding sheet (its hidden "_meta" sheet may be missing; the
  importer says so);
- sheets "Passages" and "Annotations": a workbook the workbench exported;
- a .jsonl whose first line names the workbench export: its JSON Lines export;
- a sheet "Codebook" without "Passages": a codebook workbook;
- any other workbook: a table of codings.

A workbook whose sheet list cannot be read (damaged, encrypted, oversized) is ``WORKBOOK``:
the caller hands it to its usual reader, which says what is wrong with it. Nothing is
inflated beyond the small sheet list, and the zip checks stay with the readers.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from enum import StrEnum

from workbench.formats.codebook_xlsx import CODEBOOK_SHEET
from workbench.formats.coding_sheet import CODING
from workbench.formats.csv_export_read import is_csv_export
from workbench.formats.jsonl_export_read import is_jsonl_export
from workbench.formats.workbook_read import ANNOTATIONS
from workbench.formats.workbook_read import PASSAGES

_SHEET_LIST_LIMIT = 1_000_000  # xl/workbook.xml is a list of sheets, never this big
_SHEET_NAME = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


class Kind(StrEnum):
    """The kinds of file the imports tell apart."""

    QDPX = "qdpx"  # REFI-QDA project archive
    QDE = "qde"  # REFI-QDA project XML alone
    QDC = "qdc"  # REFI-QDA codebook
    EXPORT = "export"  # a workbook the workbench exported
    CSV_EXPORT = "csv-export"  # the workbench's CSV export (a zip with passages.csv)
    JSONL_EXPORT = "jsonl-export"  # the workbench's JSON Lines export
    CODING_SHEET = "coding-sheet"  # a coder's offline coding sheet
    CODEBOOK = "codebook"  # a codebook workbook
    TABLE = "table"  # a table of codings: CSV/TSV/TXT, or any other workbook
    WORKBOOK = "workbook"  # an .xlsx whose sheets cannot be read (its reader says why)
    ZIP = "zip"  # another zip
    OTHER = "other"


def suffix(filename: str) -> str:
    """The file name's extension, lower-case with its dot ("" when there is none)."""
    name = filename.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def sheet_names(data: bytes) -> list[str] | None:
    """The sheet names of an .xlsx, or None when its sheet list cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > _SHEET_LIST_LIMIT:
                return None
            book = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError):
        return None
    return [html.unescape(n.decode("utf-8", "replace")) for n in _SHEET_NAME.findall(book)]


def workbook_kind(names: list[str]) -> Kind:
    """What a workbook with these sheets is."""
    folded = {n.strip().casefold() for n in names}
    if CODING.casefold() in folded:
        return Kind.CODING_SHEET
    if PASSAGES.casefold() in folded and ANNOTATIONS.casefold() in folded:
        return Kind.EXPORT
    if CODEBOOK_SHEET.casefold() in folded and PASSAGES.casefold() not in folded:
        return Kind.CODEBOOK
    return Kind.TABLE


def detect(filename: str, data: bytes) -> Kind:
    """The kind of an uploaded file, from its name and, for workbooks and zips, its content."""
    ext = suffix(filename)
    if ext in (".qdpx", ".qde", ".qdc"):
        return Kind(ext[1:])
    if ext == ".xlsx":
        names = sheet_names(data)
        return Kind.WORKBOOK if names is None else workbook_kind(names)
    if ext == ".zip":
        return Kind.CSV_EXPORT if is_csv_export(data) else Kind.ZIP
    if ext in TABLE_SUFFIXES:
        return Kind.TABLE
    if ext in (".jsonl", ".ndjson") and is_jsonl_export(data):
        return Kind.JSONL_EXPORT
    return Kind.OTHER
