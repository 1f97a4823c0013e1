"""The codebook as an Excel workbook: export to read and edit, import with row-level errors."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import IO
from typing import Any

from openpyxl import Workbook
from openpyxl import load_workbook
from openpyxl.styles import Alignment
from openpyxl.styles import Font
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from workbench.core import limits
from workbench.core.codebook import DEFAULT_COLOUR
from workbench.core.codebook import DEFAULT_STANCE_SCALE
from workbench.core.codebook import PATH_SEPARATOR
from workbench.core.codebook import RESERVED_KEYS
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import StanceLevel
from workbench.core.codebook import derived_key
from workbench.core.codebook import in_tree_order
from workbench.core.codebook import norm_name
from workbench.core.codebook import path
from workbench.core.codebook import validate
from workbench.core.i18n import _
from workbench.formats.cells import write_text_cell
from workbench.formats.xlsx_read import check_workbook
from workbench.formats.xmlsafe import ExchangeError

CODEBOOK_SHEET, SCALE_SHEET, ABOUT_SHEET = "Codebook", "Stance scale", "About"
# (column header = CodeSpec field or derived column, width in characters)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("key", 38),
    ("path", 40),
    ("name", 28),
    ("parent_path", 32),
    ("definition", 60),
    ("inclusion", 48),
    ("exclusion", 48),
    ("examples_positive", 48),
    ("examples_negative", 48),
    ("keywords_en", 30),
    ("keywords_zh", 24),
    ("colour", 10),
    ("shortcut", 9),
    ("takes_stance", 13),
    ("is_codable", 11),
    ("sort_order", 11),
    ("name_zh", 28),
    ("definition_zh", 60),
    ("inclusion_zh", 48),
    ("exclusion_zh", 48),
)
_ALIASES = {"color": "colour", "parent": "parent_path", "keywords": "keywords_en", "code": "name"}
_TRUE = {"true", "yes", "y", "1", "是"}
_FALSE = {"false", "no", "n", "0", "否"}
_KEYWORD_SPLIT = re.compile(r"[;；]")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_CODES = 5000


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an imported workbook, located as precisely as possible."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.sheet or "", f"row {self.row}" if self.row else "", self.column or ""]
        return f"{', '.join(w for w in where if w)}: {self.message}".lstrip(": ")


class CodebookImportError(ValueError):
    """The workbook cannot become a codebook; problems lists every finding with its place."""

    def __init__(self, filename: str, problems: Sequence[ImportProblem]) -> None:
        self.filename = filename
        self.problems = list(problems)
        shown = "; ".join(str(p) for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{filename}: {shown}{more}")


def _tint(colour: str, keep: float = 0.18) -> str:
    """Mix the code colour with white so text on it stays readable."""
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
        colour = DEFAULT_COLOUR
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "FF" + "".join(f"{round(255 - (255 - c) * keep):02X}" for c in rgb)


def _row(spec: CodebookSpec, code: CodeSpec) -> list[Any]:
    parent = path(spec, code.parent_key) if code.parent_key else ""
    values = {
        "path": path(spec, code.key),
        "parent_path": parent,
        "keywords_en": "; ".join(code.keywords_en),
        "keywords_zh": "; ".join(code.keywords_zh),
        "shortcut": code.shortcut or "",
    }
    return [values[name] if name in values else getattr(code, name) for name, _ in COLUMNS]


def codebook_to_xlsx(
    spec: CodebookSpec,
    stream_or_path: str | PathLike[str] | IO[bytes],
    *,
    version_label: str | None = None,
) -> None:
    """Write the codebook (one row per code, all fields), its stance scale and an About sheet."""
    broken = [p for p in validate(spec) if p.field in ("key", "parent_key")]
    if broken:
        raise ValueError("cannot export: " + "; ".join(f"{p.code}: {p.message}" for p in broken))
    wb = Workbook()
    ws = wb.active
    ws.title = CODEBOOK_SHEET
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")
    for col, (name, width) in enumerate(COLUMNS, start=1):
        cell = write_text_cell(ws, 1, col, name)
        cell.font, cell.fill = bold, header_fill
        ws.column_dimensions[get_column_letter(col)].width = width
    depth = {c.key: path(spec, c.key).count(PATH_SEPARATOR) for c in spec.codes}
    for row, code in enumerate(in_tree_order(spec).codes, start=2):
        fill = PatternFill("solid", fgColor=_tint(code.colour))
        for col, value in enumerate(_row(spec, code), start=1):
            cell = write_text_cell(ws, row, col, value)
            cell.fill = fill
            indent = depth[code.key] if COLUMNS[col - 1][0] == "name" else 0
            cell.alignment = Alignment(wrap_text=True, vertical="top", indent=indent)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(2, len(spec.codes) + 1)}"

    scale = wb.create_sheet(SCALE_SHEET)
    for col, name in enumerate(("value", "label"), start=1):
        write_text_cell(scale, 1, col, name).font = bold
    for row, level in enumerate(spec.stance_scale, start=2):
        write_text_cell(scale, row, 1, level.value)
        write_text_cell(scale, row, 2, level.label)
    scale.column_dimensions["B"].width = 28
    scale.freeze_panes = "A2"

    about = wb.create_sheet(ABOUT_SHEET)
    lines = [
        ("Codebook", version_label or ""),
        ("Codes", len(spec.codes)),
        ("Editing", "Keep the header row. Leave key empty for a new code."),
        (
            "parent_path",
            f"Full path of the parent, levels separated by '{PATH_SEPARATOR.strip()}'.",
        ),
        ("keywords", "Separate keywords with ';'."),
        ("colour", "#RRGGBB."),
        (
            "shortcut",
            f"One digit or lower-case letter, not one of {' '.join(sorted(RESERVED_KEYS))}",
        ),
        ("takes_stance, is_codable", "TRUE or FALSE."),
    ]
    for row, (label, value) in enumerate(lines, start=1):
        write_text_cell(about, row, 1, label).font = bold
        write_text_cell(about, row, 2, value)
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 24, 80
    wb.save(stream_or_path)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores typed-in numbers as floats
    return str(value)


def _open(data: bytes, filename: str) -> Workbook:
    def fail(message: str) -> CodebookImportError:
        return CodebookImportError(filename, [ImportProblem(None, None, None, message)])

    if data.startswith(_OLE_MAGIC):
        raise fail(
            "the workbook is password-protected (encrypted) or an old .xls file; "
            "remove the password or save it as .xlsx and try again"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise fail("the workbook is too large to import")
    except zipfile.BadZipFile as exc:
        raise fail("not an .xlsx workbook (the file is damaged or of another type)") from exc
    try:  # the same bomb checks (ratio, sizes while inflating) as every uploaded workbook
        check_workbook(data, filename)
    except ExchangeError as exc:
        raise fail(str(exc).removeprefix(f"{filename}: ")) from exc
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged parts; all mean the same
        raise fail(f"the workbook cannot be read ({type(exc).__name__}: {exc})") from exc


def _header_map(header: Sequence[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = re.sub(r"[\s\-]+", "_", _text(raw).strip().lower())
        found.setdefault(_ALIASES.get(name, name), index)
    return found


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _int(value: Any) -> int | None:
    text = _text(value).strip().replace("−", "-")
    # ASCII digits only, within the schema's integer range (else "not a whole number").
    if not re.fullmatch(r"[+-]?[0-9]{1,10}", text):
        return None
    number = int(text)
    return number if abs(number) <= limits.INT_MAX else None


def _colour(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        return DEFAULT_COLOUR
    if re.fullmatch(r"[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}", text):
        text = "#" + text
    if re.fullmatch(r"#[0-9A-Fa-f]{3}", text):
        text = "#" + "".join(c * 2 for c in text[1:])
    return text


def _split_path(text: str) -> list[str]:
    # Names cannot contain " > " (validate() forbids it), so the split is unambiguous.
    return [part.strip() for part in f" {text} ".split(PATH_SEPARATOR) if part.strip()]


def _read_scale(wb: Workbook, problems: list[ImportProblem]) -> tuple[StanceLevel, ...]:
    sheet = next(
        (ws for ws in wb.worksheets if norm_name(ws.title) == norm_name(SCALE_SHEET)), None
    )
    if sheet is None:
        return DEFAULT_STANCE_SCALE
    sheet.reset_dimensions()
    levels = []
    for row, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        cells = [*values, None, None]
        if all(_text(v).strip() == "" for v in cells[:2]):
            continue
        value, label = _int(cells[0]), _text(cells[1]).strip()
        if value is None:
            problems.append(ImportProblem(SCALE_SHEET, row, "value", _("not a whole number")))
        if not label:
            problems.append(ImportProblem(SCALE_SHEET, row, "label", _("label is empty")))
        if value is not None and label:
            levels.append(StanceLevel(value, label))
    return tuple(levels)


def xlsx_to_codebook(data: bytes, filename: str) -> CodebookSpec:
    """Read a codebook workbook; raise CodebookImportError listing every problem with its row."""
    wb = _open(data, filename)
    try:
        return _read(wb, filename)
    finally:
        wb.close()


def _read(wb: Workbook, filename: str) -> CodebookSpec:
    problems: list[ImportProblem] = []
    ws = next((s for s in wb.worksheets if norm_name(s.title) == norm_name(CODEBOOK_SHEET)), None)
    ws = ws or wb.worksheets[0]
    ws.reset_dimensions()  # some writers store a wrong sheet size; read every row there is
    rows = list(ws.iter_rows(values_only=True))
    cols = _header_map(rows[0]) if rows else {}
    if "name" not in cols:
        problems.append(ImportProblem(ws.title, 1, "name", _("required column 'name' is missing")))
        raise CodebookImportError(filename, problems)
    entries: list[tuple[int, dict[str, Any]]] = []
    for row, values in enumerate(rows[1:], start=2):
        if all(_text(v).strip() == "" for v in values):
            continue
        entries.append((row, {n: values[i] if i < len(values) else None for n, i in cols.items()}))
    if len(entries) > MAX_CODES:
        problems.append(
            ImportProblem(
                ws.title, None, None, _("more than %(MAX_CODES)s codes", MAX_CODES=MAX_CODES)
            )
        )
        raise CodebookImportError(filename, problems)

    def bad(row: int, column: str, message: str) -> None:
        problems.append(ImportProblem(ws.title, row, column, message))

    # Parents are named by path; a row's own path is its parent path plus its name.
    places: dict[tuple[str, ...], int] = {}
    parsed = []
    for row, cells in entries:
        name = _text(cells["name"]).strip()
        if "parent_path" in cols:
            parent = _split_path(_text(cells["parent_path"]))
        else:
            parent = _split_path(_text(cells.get("path")))[:-1]
        own = (*(norm_name(p) for p in parent), norm_name(name))
        places.setdefault(own, row)
        parsed.append((row, cells, name, parent, own))
    keys: dict[int, str] = {}
    given = {_text(cells.get("key")).strip().strip("{}").lower() for _, cells, *_ in parsed}
    for row, cells, _name, _parent, own in parsed:
        key = _text(cells.get("key")).strip().strip("{}").lower()
        if not key:
            # Stable across re-imports of the same sheet; made unique so only names can clash.
            key = derived_key(PATH_SEPARATOR.join(own))
            while key in given:
                key = derived_key(key)
            given.add(key)
        keys[row] = key
    names = [(norm_name(n), r) for r, _, n, _, _ in parsed]
    codes: list[CodeSpec] = []
    rows_of: dict[str, list[int]] = {}
    for position, (row, cells, name, parent, _own) in enumerate(parsed):
        parent_row = places.get(tuple(norm_name(p) for p in parent)) if parent else None
        if parent and parent_row is None:
            # Forgiving fallback: a bare parent name that matches exactly one code.
            matches = [r for n, r in names if parent and n == norm_name(parent[-1])]
            parent_row = matches[0] if len(matches) == 1 else None
            if parent_row is None:
                bad(
                    row,
                    "parent_path",
                    _("unknown parent path '%(value)s'", value=PATH_SEPARATOR.join(parent)),
                )
        flags = {}
        for field in ("takes_stance", "is_codable"):
            raw = cells.get(field)
            flags[field] = True if _text(raw).strip() == "" else _bool(raw)
            if flags[field] is None:
                bad(row, field, _("'%(value)s' is not TRUE or FALSE", value=_text(raw)))
        sort_order = _int(cells.get("sort_order")) if _text(cells.get("sort_order")) else position
        if sort_order is None:
            bad(
                row,
                "sort_order",
                _("'%(value)s' is not a whole number", value=_text(cells.get("sort_order"))),
            )
        shortcut = _text(cells.get("shortcut")).strip().lower() or None
        code = CodeSpec(
            key=keys[row],
            name=name,
            parent_key=keys[parent_row] if parent_row is not None else None,
            definition=_text(cells.get("definition")),
            inclusion=_text(cells.get("inclusion")),
            exclusion=_text(cells.get("exclusion")),
            examples_positive=_text(cells.get("examples_positive")),
            examples_negative=_text(cells.get("examples_negative")),
            keywords_en=_keywords(cells.get("keywords_en")),
            keywords_zh=_keywords(cells.get("keywords_zh")),
            colour=_colour(cells.get("colour")),
            shortcut=shortcut,
            takes_stance=bool(flags["takes_stance"]),
            is_codable=bool(flags["is_codable"]),
            sort_order=sort_order or 0,
            name_zh=_text(cells.get("name_zh")).strip(),
            definition_zh=_text(cells.get("definition_zh")),
            inclusion_zh=_text(cells.get("inclusion_zh")),
            exclusion_zh=_text(cells.get("exclusion_zh")),
        )
        codes.append(code)
        rows_of.setdefault(code.key, []).append(row)
    spec = CodebookSpec(tuple(codes), _read_scale(wb, problems))
    # validate() reports codes in order, so the n-th identical finding for a repeated key
    # belongs to the n-th row carrying that key.
    seen: Counter[tuple[str | None, str, str]] = Counter()
    for p in validate(spec):
        if p.field == "stance_scale":
            problems.append(ImportProblem(SCALE_SHEET, None, None, p.message))
            continue
        candidates = rows_of.get(p.key or "", [0])
        nth = seen[(p.key, p.field, p.message)]
        seen[(p.key, p.field, p.message)] += 1
        column = "parent_path" if p.field == "parent_key" else p.field
        bad(candidates[min(nth, len(candidates) - 1)], column, p.message)
    if problems:
        problems.sort(key=lambda p: (p.sheet != ws.title, p.row or 0))
        raise CodebookImportError(filename, problems)
    return in_tree_order(spec)


def _keywords(value: Any) -> tuple[str, ...]:
    return tuple(w.strip() for w in _KEYWORD_SPLIT.split(_text(value)) if w.strip())
