"""The workbench's CSV export (a zip, one file per table) laid out as the workbook it mirrors.

Every cell becomes a text cell (the CSV formula guards undone), so ``workbook_read`` and
``codebook_xlsx`` read a CSV export exactly as they read the xlsx export.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook

from workbench.core.i18n import _
from workbench.formats.cells import write_text_cell
from workbench.formats.codebook_xlsx import CODEBOOK_SHEET
from workbench.formats.codebook_xlsx import SCALE_SHEET
from workbench.formats.workbook_read import ABOUT
from workbench.formats.workbook_read import ANNOTATIONS
from workbench.formats.workbook_read import CODED
from workbench.formats.workbook_read import DOCUMENTS
from workbench.formats.workbook_read import PASSAGES
from workbench.formats.xlsx_read import check_archive
from workbench.formats.xlsx_read import read_csv
from workbench.formats.xlsx_stream import MAX_CELL_CHARS
from workbench.formats.xmlsafe import ExchangeError

# The tables of a CSV export (file name in the zip -> sheet of the workbook it mirrors).
CSV_TABLES = {
    "passages.csv": PASSAGES,
    "documents.csv": DOCUMENTS,
    "annotations.csv": ANNOTATIONS,
    "coded.csv": CODED,
    "codebook.csv": CODEBOOK_SHEET,
    "stance_scale.csv": SCALE_SHEET,
    "about.csv": ABOUT,
}


def is_csv_export(data: bytes) -> bool:
    """Tell whether data is a zip of the workbench's CSV export (it has passages.csv)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "passages.csv" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def write_table_cell(ws: Any, row: int, column: int, value: str, where: str, name: str) -> None:
    """Lay one table cell into the in-memory workbook, refusing what a cell cannot hold.

    A worksheet cell holds at most MAX_CELL_CHARS characters and openpyxl cuts longer text
    without a word; the table is refused instead, naming the cell."""
    if len(value) > MAX_CELL_CHARS:
        raise ExchangeError(
            _(
                "%(where)s, row %(row)s, column '%(column)s': %(n)s characters; an import reads "
                "at most %(limit)s in one cell and cuts nothing (a .qdpx export carries longer "
                "texts)",
                where=where,
                row=row,
                column=name,
                n=format(len(value), ","),
                limit=format(MAX_CELL_CHARS, ","),
            )
        )
    write_text_cell(ws, row, column, value)


def csv_export_as_workbook(data: bytes, filename: str) -> bytes:
    """The tables of a CSV export zip as an in-memory workbook with the export's sheet names.

    Every cell is a text cell (the CSV formula guards undone), so the workbook readers see
    exactly what the xlsx export would hold and one reader serves both formats."""
    archive = check_archive(data, filename, kind=_("CSV export (.zip)"))
    wb = Workbook()
    wb.remove(wb.active)
    with archive:
        for member, title in CSV_TABLES.items():
            if member not in archive.namelist():
                continue
            sheet = read_csv(archive.read(member), f"{filename}:{member}")
            ws = wb.create_sheet(title)
            for column, name in enumerate(sheet.header, start=1):
                write_text_cell(ws, 1, column, name)
            where = f"{filename}:{member}"
            for number, values in sheet.rows:
                for column, value in enumerate(values, start=1):
                    if value != "":
                        name = sheet.header[column - 1] if column <= len(sheet.header) else ""
                        write_table_cell(ws, number, column, value, where, name)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
