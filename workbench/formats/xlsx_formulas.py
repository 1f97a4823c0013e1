"""Formula cells without a saved value in an uploaded workbook, found before it is read.

An upload is read for its values only (openpyxl's ``data_only``): a formula cell gives the
value the spreadsheet program saved with it. A file written by a program that computes nothing
(a script, some exporters) has formulas with no saved value, and those cells would read as
empty: a memo or a code name lost without a word. They are found here, by sheet and cell, so
the import can refuse the file and say where.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass

from workbench.formats.xmlsafe import local_name
from workbench.formats.xmlsafe import parse_untrusted_xml

_CHUNK = 1 << 20
# A formula element, with or without a namespace prefix: <f>, <f t="shared" ...>, <x:f/>.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)c\b([^>]*?)(/>|>(.*?)</\1c>)", re.S)
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>[^<]")
_INLINE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?is>")
_REF = re.compile(rb"""\br=["']([A-Za-z]{1,3}[0-9]{1,7})["']""")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class FormulaCell:
    """A formula cell with nothing saved to read: the sheet's name and the cell's reference."""

    sheet: str
    cell: str


def _has_formula(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether the part holds a formula element at all (streamed: sheets can be large)."""
    tail = b""
    with archive.open(part) as handle:
        while chunk := handle.read(_CHUNK):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _sheet_parts(archive: zipfile.ZipFile, filename: str) -> dict[str, str]:
    """The worksheets' part names, mapped to the sheet names a reader sees."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    workbook = parse_untrusted_xml(archive.read("xl/workbook.xml"), filename)
    rels = parse_untrusted_xml(archive.read("xl/_rels/workbook.xml.rels"), filename)
    targets = {
        rel.get("Id"): posixpath.normpath(posixpath.join("xl", rel.get("Target", "")))
        for rel in rels
        if local_name(rel) == "Relationship"
    }
    parts: dict[str, str] = {}
    for element in workbook.iter():
        if local_name(element) == "sheet":
            target = targets.get(element.get(f"{{{_REL_NS}}}id"))
            if target is not None and target.lstrip("/") in names:
                parts[target.lstrip("/")] = element.get("name", "")
    return parts


def formulas_without_values(
    archive: zipfile.ZipFile, filename: str, limit: int = 20
) -> list[FormulaCell]:
    """The formula cells (up to ``limit``) that have no value saved with them."""
    found: list[FormulaCell] = []
    for part, sheet in _sheet_parts(archive, filename).items():
        if not _has_formula(archive, part):
            continue  # the usual case: read once, in a stream, and nothing more
        data = archive.read(part)
        for match in _CELL.finditer(data):
            inner = match[4] or b""
            if not _FORMULA_TAG.search(inner):
                continue
            if _VALUE.search(inner) or _INLINE.search(inner):
                continue
            ref = _REF.search(match[2])
            found.append(FormulaCell(sheet, ref[1].decode() if ref else "?"))
            if len(found) >= limit:
                return found
    return found
