"""The export workbook: openpyxl (write-only) builds the frame, data rows stream in (pure).

How a workbook is written:
1. openpyxl in write-only mode creates every sheet with its header row (formula-safe cells,
   bold, filled with the code's colour where a column belongs to a code), column widths,
   frozen header, autofilter and, on the frequencies sheet, a native bar chart; it also
   registers the cell styles the data rows use (wrapped text, quote prefix). That small
   workbook is saved to memory.
2. The final file is assembled from it: each sheet's XML is split before ``</sheetData>`` and
   the table's rows are streamed in between by ``xlsx_stream.RowEncoder``, straight from the
   row iterator (the database cursor) to the deflate stream. Filter ranges, which openpyxl
   wrote for the header only, are widened to the rows actually written.
Peak memory therefore does not grow with the number of rows.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import IO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart
from openpyxl.chart import Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import Alignment
from openpyxl.styles import Font
from openpyxl.styles import PatternFill
from openpyxl.utils import absolute_coordinate
from openpyxl.utils import get_column_letter
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from workbench.formats.cells import text_cell
from workbench.formats.tables import Table
from workbench.formats.tables import counted
from workbench.formats.xlsx_stream import RowEncoder
from workbench.formats.xlsx_stream import StyleIds

HEADER_FILL = "D9D9D9"
CHUNK_ROWS = 500
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ChartSpec:
    """A bar chart of one table's rows first_row..last_row (1-based, header is row 1)."""

    table_key: str
    title: str
    category_column: int  # 1-based
    value_column: int
    rows: int  # data rows charted, starting at row 2
    colours: Sequence[str] = ()
    y_title: str = "passages"


def sheet_title(text: str) -> str:
    """A worksheet title Excel accepts (31 characters, none of []:*?/\\)."""
    return _SHEET_TITLE_BAD.sub("_", text)[:31] or "Sheet"


def _tint(colour: str | None, keep: float = 0.35) -> str:
    if not colour or not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
        return HEADER_FILL
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "".join(f"{round(255 - (255 - c) * keep):02X}" for c in rgb)


def _styles(ws: WriteOnlyWorksheet) -> StyleIds:
    """Register the data-row styles with the workbook and return their indexes."""
    top_wrap = Alignment(wrap_text=True, vertical="top")

    def style(*, wrap: bool = False, quote: bool = False, bold: bool = False) -> int:
        cell = WriteOnlyCell(ws)
        if wrap:
            cell.alignment = top_wrap
        if quote:
            cell.quotePrefix = True
        if bold:
            cell.font = Font(bold=True)
        return int(cell.style_id)

    return StyleIds(
        wrap=style(wrap=True),
        quote=style(quote=True),
        wrap_quote=style(wrap=True, quote=True),
        bold=style(bold=True),
    )


def _frame(tables: Sequence[Table], chart: ChartSpec | None) -> tuple[bytes, StyleIds]:
    """The workbook with header rows only, saved to memory."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    header_alignment = Alignment(wrap_text=True, vertical="top")
    styles: StyleIds | None = None
    sheets: dict[str, WriteOnlyWorksheet] = {}
    for table in tables:
        ws = wb.create_sheet(sheet_title(table.sheet))
        sheets[table.key] = ws
        styles = styles or _styles(ws)
        ws.freeze_panes = "A2"
        for index, column in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        header = []
        for column in table.columns:
            cell = text_cell(ws, column.name)
            cell.font = bold
            cell.fill = PatternFill("solid", fgColor=_tint(column.colour))
            cell.alignment = header_alignment
            header.append(cell)
        ws.append(header)
        if table.autofilter and table.columns:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}1"
    if chart is not None and chart.rows > 0 and chart.table_key in sheets:
        _add_chart(sheets[chart.table_key], chart, len(_columns_of(tables, chart.table_key)))
    if styles is None:
        raise ValueError("a workbook needs at least one table")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), styles


def _columns_of(tables: Sequence[Table], key: str) -> list[Any]:
    return next(t.columns for t in tables if t.key == key)


def _add_chart(ws: WriteOnlyWorksheet, spec: ChartSpec, ncols: int) -> None:
    chart = BarChart()
    chart.type = "bar"  # horizontal bars: long code names stay readable
    chart.style = 10
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.legend = None
    chart.height = max(7.5, 0.55 * spec.rows + 2)
    chart.width = 22
    last = spec.rows + 1
    data = Reference(ws, min_col=spec.value_column, min_row=1, max_row=last)
    labels = Reference(ws, min_col=spec.category_column, min_row=2, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    series = chart.series[0]
    for index, colour in enumerate(spec.colours[: spec.rows]):
        if re.fullmatch(r"#[0-9A-Fa-f]{6}", colour or ""):
            point = DataPoint(idx=index)
            point.graphicalProperties.solidFill = colour[1:].upper()
            series.dPt.append(point)
    ws.add_chart(chart, f"{get_column_letter(ncols + 2)}2")


def write_workbook(
    tables: Sequence[Table],
    out: str | PathLike[str] | IO[bytes],
    *,
    chart: ChartSpec | None = None,
    progress: Progress | None = None,
    compresslevel: int = 1,
) -> dict[str, int]:
    """Write the tables as one xlsx; return the number of data rows written per table."""
    frame, styles = _frame(tables, chart)
    counts: dict[str, int] = {}
    with (
        zipfile.ZipFile(io.BytesIO(frame)) as skeleton,
        zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        ) as target,
    ):
        # openpyxl numbers the sheet parts in creation order.
        paths = {t.key: f"xl/worksheets/sheet{i}.xml" for i, t in enumerate(tables, start=1)}
        ordered = [t for t in tables if not t.deferred] + [t for t in tables if t.deferred]
        for table in ordered:
            counts[table.key] = _stream_sheet(
                skeleton.read(paths[table.key]),
                table,
                styles,
                target,
                paths[table.key],
                progress,
                counts,
            )
        for info in skeleton.infolist():
            if info.filename in paths.values():
                continue
            data = skeleton.read(info)
            if info.filename == "xl/workbook.xml":
                data = _widen_filter_names(data, tables, counts)
            target.writestr(info.filename, data)
    return counts


def _stream_sheet(
    xml: bytes,
    table: Table,
    styles: StyleIds,
    target: zipfile.ZipFile,
    path: str,
    progress: Progress | None,
    counts: dict[str, int],
) -> int:
    head, marker, tail = xml.partition(b"</sheetData>")
    if not marker:
        raise ValueError(f"{path}: openpyxl wrote no sheetData")
    encoder = RowEncoder(len(table.columns), [c.wrap for c in table.columns], styles)
    table.counts.update(counts)
    written = 0
    with target.open(path, "w", force_zip64=True) as fh:
        fh.write(head)
        chunk: list[str] = []
        row_number = 1
        for row in counted(table.rows(), progress):
            row_number += 1
            chunk.append(encoder.encode(row_number, row))
            if len(chunk) >= CHUNK_ROWS:
                fh.write("".join(chunk).encode("utf-8"))
                chunk.clear()
        if chunk:
            fh.write("".join(chunk).encode("utf-8"))
        written = row_number - 1
        if table.autofilter and table.columns and written:
            last = get_column_letter(len(table.columns))
            tail = tail.replace(
                f'ref="A1:{last}1"'.encode(), f'ref="A1:{last}{written + 1}"'.encode(), 1
            )
        fh.write(marker + tail)
    if encoder.truncated:
        counts[f"{table.key}.truncated"] = encoder.truncated
    return written


def _widen_filter_names(data: bytes, tables: Sequence[Table], counts: dict[str, int]) -> bytes:
    text = data.decode("utf-8")
    for table in tables:
        rows = counts.get(table.key, 0)
        if not (table.autofilter and table.columns and rows):
            continue
        last = get_column_letter(len(table.columns))
        quoted = quote_sheetname(sheet_title(table.sheet))
        old = f"{quoted}!{absolute_coordinate(f'A1:{last}1')}"
        new = f"{quoted}!{absolute_coordinate(f'A1:{last}{rows + 1}')}"
        text = text.replace(old.replace("&", "&amp;"), new.replace("&", "&amp;"))
    return text.encode("utf-8")
