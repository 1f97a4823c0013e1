"""Reading uploaded spreadsheets and archives defensively (pure).

Every failure becomes an ``ExchangeError`` whose message names the file and what is wrong:
- an encrypted (password-protected) workbook or an old .xls: both are OLE compound files
  (they start with D0 CF 11 E0), not zip archives;
- a damaged file, or not a spreadsheet at all;
- a zip bomb: members whose declared size is too large, whose compression ratio is
  implausible, or which inflate to more than they declare (sizes are checked while actually
  decompressing, so a forged header does not get past);
- CSV in an unknown encoding.
Tables come back as header + rows with their spreadsheet row numbers, so every later finding
can name the sheet, the row and the column.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from workbench.core.i18n import _
from workbench.formats.cells import unguard_csv
from workbench.formats.xlsx_formulas import formulas_without_values
from workbench.formats.xmlsafe import ExchangeError

OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_RATIO = 200  # real xlsx XML compresses 5-30 times; bombs a thousand times and more
MAX_MEMBERS = 10_000


def check_archive(data: bytes, filename: str, *, kind: str = "archive") -> zipfile.ZipFile:
    """Open a zip upload after checking it cannot inflate into a bomb; return the archive."""
    if data.startswith(OLE_MAGIC):
        raise ExchangeError(
            _(
                "%(filename)s: the file is password-protected (encrypted) or an old "
                ".xls/.doc file; remove the password or save it as .xlsx, then upload "
                "it again",
                filename=filename,
            )
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExchangeError(
            _(
                "%(filename)s: not a valid %(kind)s (damaged, or another kind of file)",
                filename=filename,
                kind=kind,
            )
        ) from exc
    if len(members) > MAX_MEMBERS:
        raise ExchangeError(
            _(
                "%(filename)s: the %(kind)s holds %(n_members)s files; too many",
                filename=filename,
                kind=kind,
                n_members=format(len(members), ","),
            )
        )
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise ExchangeError(
                _(
                    "%(filename)s: %(filename2)s is encrypted; remove the password",
                    filename=filename,
                    filename2=info.filename,
                )
            )
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise ExchangeError(
                _(
                    "%(filename)s: %(filename2)s would unpack to %(value)s MB; the file is "
                    "too large (or a zip bomb)",
                    filename=filename,
                    filename2=info.filename,
                    value=format(info.file_size / 1e6, ",.0f"),
                )
            )
        if (
            info.compress_size
            and info.file_size / info.compress_size > MAX_RATIO
            and info.file_size > 1_000_000
        ):
            raise ExchangeError(
                _(
                    "%(filename)s: %(filename2)s is compressed %(value)s to 1, as only zip "
                    "bombs are; refused",
                    filename=filename,
                    filename2=info.filename,
                    value=format(info.file_size // info.compress_size, ","),
                )
            )
    for info in members:
        _inflates_as_declared(archive, info, filename)
    return archive


def _inflates_as_declared(archive: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str) -> None:
    """Decompress a member in chunks, refusing it as soon as it exceeds its declared size."""
    seen = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(1 << 20):
                seen += len(chunk)
                if seen > info.file_size:
                    raise ExchangeError(
                        _(
                            "%(filename)s: %(filename2)s inflates beyond its declared size; "
                            "refused",
                            filename=filename,
                            filename2=info.filename,
                        )
                    )
    except ExchangeError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ExchangeError(
            _(
                "%(filename)s: %(filename2)s is damaged (%(exc)s)",
                filename=filename,
                filename2=info.filename,
                exc=exc,
            )
        ) from exc


def check_workbook(data: bytes, filename: str) -> None:
    """The archive checks of an uploaded .xlsx, and no formula cell without a saved value."""
    archive = check_archive(data, filename, kind=_("Excel workbook (.xlsx)"))
    found = formulas_without_values(archive, filename)
    if found:
        cells = ", ".join(f"'{cell.sheet}'!{cell.cell}" for cell in found)
        raise ExchangeError(
            _(
                "%(filename)s: formulas with no saved value (%(cells)s): the import reads the "
                "values a spreadsheet program saved, and these cells have none. Open the file "
                "in a spreadsheet program and save it, or type the values in place of the "
                "formulas.",
                filename=filename,
                cells=cells,
            )
        )


def open_workbook(data: bytes, filename: str) -> Workbook:
    """Open an uploaded .xlsx read-only (values, not formulas) after the archive checks."""
    check_workbook(data, filename)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged parts; all mean the same
        raise ExchangeError(
            _(
                "%(filename)s: the workbook cannot be read (%(name__)s: %(exc)s)",
                filename=filename,
                name__=type(exc).__name__,
                exc=exc,
            )
        ) from exc


@dataclass
class Sheet:
    """A table read from a spreadsheet: its name, header, and rows with their row numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]]


def cell_text(value: Any) -> str:
    """A cell as text: whole floats lose their .0, None becomes ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheet_rows(wb: Workbook, name: str) -> Sheet:
    """Header and non-empty rows of one worksheet."""
    ws = wb[name]
    ws.reset_dimensions()  # some writers store a wrong size; read every row there is
    header: list[str] = []
    rows: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number == 1:
            header = [cell_text(v).strip() for v in values]
            continue
        if all(cell_text(v).strip() == "" for v in values):
            continue
        rows.append((number, list(values)))
    return Sheet(name, header, rows)


def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from workbench.core.corpus import CorpusError
    from workbench.core.corpus import decode_bytes

    try:
        return decode_bytes(data, filename)  # UTF-16/32 with a BOM, GB18030, Big5, ...
    except CorpusError as exc:
        raise ExchangeError(_("%(exc)s; save the table as UTF-8 CSV or .xlsx", exc=exc)) from exc


DELIMITERS = (",", ";", "\t")


def csv_delimiter(text: str, filename: str) -> str:
    """The delimiter: tab for .tsv; else the one that splits the header record most.

    Only the header decides (parsed as CSV, so quoted commas do not count), never a sample of
    the data: a sniffer reading the first kilobytes misjudges quoting that appears later.
    """
    if filename.lower().endswith(".tsv"):
        return "\t"
    best, most = ",", 1
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > most:
            best, most = delimiter, len(header)
    return best


def read_csv(data: bytes, filename: str) -> Sheet:
    """A CSV upload as a Sheet (our own exports' formula guards are removed)."""
    text = _decode(data, filename)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=csv_delimiter(text, filename), strict=True
    )
    header: list[str] = []
    rows: list[tuple[int, list[Any]]] = []
    try:
        for number, values in enumerate(reader, start=1):
            cleaned = [unguard_csv(v) for v in values]
            if number == 1:
                header = [v.strip() for v in cleaned]
            elif any(v.strip() for v in cleaned):
                rows.append((number, list(cleaned)))
    except csv.Error as exc:
        raise ExchangeError(
            _(
                "%(filename)s: line %(line_num)s: not readable as CSV (%(exc)s)",
                filename=filename,
                line_num=reader.line_num,
                exc=exc,
            )
        ) from exc
    return Sheet(filename, header, rows)
