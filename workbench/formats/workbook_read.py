"""Reading a workbook exported by the workbench back in: documents, codings, states (pure).

Used sheets: Passages (documents and their passages, with offsets), Documents (file name,
source, extra metadata; optional), Annotations (codings of coders and of the consensus) and
Coded (which coder marked which passage coded; optional). Codebook and Stance scale are read by
``codebook_xlsx``. A CSV export (a zip of one file per table) is read through the same code,
its tables first laid out as the workbook's sheets (``csv_export_read``). A document's text is
rebuilt by placing each passage at its offsets; what lay between passages (page furniture,
headings excluded from coding) is not in the workbook and becomes line breaks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from workbench.core import limits
from workbench.core.i18n import _
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.xlsx_read import Sheet
from workbench.formats.xlsx_read import cell_text
from workbench.formats.xlsx_read import open_workbook
from workbench.formats.xlsx_read import sheet_rows

PASSAGES, DOCUMENTS, ANNOTATIONS, CODED = "Passages", "Documents", "Annotations", "Coded"
ABOUT = "About"
PASSAGE_REQUIRED = (
    "passage_id",
    "document_id",
    "document_title",
    "passage_ordinal",
    "start_offset",
    "end_offset",
    "text",
)
ANNOTATION_REQUIRED = ("layer", "coder", "passage_id", "code_key", "code_path")
CODED_REQUIRED = ("layer", "coder", "passage_id", "coded")


@dataclass
class WPassage:
    """A passage row."""

    row: int
    old_id: int
    ordinal: int
    start: int
    end: int
    text: str
    speaker: str | None
    delegation: str | None
    language: str | None
    original_language: str | None
    turn: int | None
    codable: bool


@dataclass
class WDocument:
    """A document rebuilt from its passages."""

    old_id: int
    title: str
    date: str | None = None
    doc_type: str | None = None
    meeting_symbol: str | None = None
    language: str | None = None
    filename: str = ""
    source: str | None = None
    segmentation: str = "paragraph"
    extra: dict[str, Any] = field(default_factory=dict)
    passages: list[WPassage] = field(default_factory=list)

    def text(self) -> str:
        """The document text with every passage at its offsets."""
        size = max((p.end for p in self.passages), default=0)
        chars = ["\n"] * size
        for p in self.passages:
            chars[p.start : p.end] = list(p.text)
        return "".join(chars)


@dataclass
class WLayerRow:
    """A row of a coder's or the consensus layer on one passage of the exported workbook."""

    row: int
    layer: str  # "coder" or "consensus"
    coder: str
    old_passage_id: int


@dataclass
class WCoding(WLayerRow):
    """An Annotations row (code_key empty: none)."""

    code_key: str
    code_path: str
    stance: str
    memo: str
    span_start: str
    span_end: str
    codebook_version: int | None = None
    code_revision: int | None = None
    created_at: str = ""
    updated_at: str = ""
    suggestion_shown: bool = False
    suggestion_accepted: bool = False


@dataclass
class WState(WLayerRow):
    """A Coded row."""

    coded: bool
    memo: str
    updated_at: str = ""


@dataclass
class WorkbookContent:
    """What the workbook holds, and what is wrong with it."""

    documents: list[WDocument]
    codings: list[WCoding]
    states: list[WState]
    problems: list[ImportProblem]
    codebook_version: int | None = None  # the version the export was made under (About)


_WHOLE = re.compile(r"-?[0-9]{1,10}")


def _rows(
    sheet: Sheet, required: tuple[str, ...], problems: list[ImportProblem]
) -> Iterator[tuple[int, Callable[[str], str]]]:
    """Each row's number and a reader of its cells by column name; none without the required."""
    cols = _columns(sheet, required, problems)
    if any(name not in cols for name in required):
        return
    for number, values in sheet.rows:

        def get(name: str, values: list[Any] = values) -> str:
            index = cols.get(name)
            return cell_text(values[index]) if index is not None and index < len(values) else ""

        yield number, get


def _columns(
    sheet: Sheet, required: tuple[str, ...], problems: list[ImportProblem]
) -> dict[str, int]:
    found = {name.strip(): i for i, name in enumerate(sheet.header) if name}
    for name in required:
        if name not in found:
            shown = ", ".join(h for h in sheet.header if h)
            problems.append(
                ImportProblem(
                    sheet.name,
                    1,
                    name,
                    _(
                        "required column '%(name)s' is missing (found: %(shown)s)",
                        name=name,
                        shown=shown,
                    ),
                )
            )
    return found


def _int(text: str) -> int | None:
    # ASCII digits within the schema's range: "²", "--5" or a 5,000-digit number is no number
    # (int() would refuse the first two and the database the last), so it reads as missing.
    text = text.strip()
    if not _WHOLE.fullmatch(text):
        return None
    number = int(text)
    return number if abs(number) <= limits.INT_MAX else None


def read_export_workbook(data: bytes, filename: str) -> WorkbookContent:
    """Read the Passages, Documents, Annotations and Coded sheets of an export."""
    wb = open_workbook(data, filename)
    problems: list[ImportProblem] = []
    try:
        if PASSAGES not in wb.sheetnames:
            problems.append(
                ImportProblem(
                    None,
                    None,
                    None,
                    _(
                        "%(filename)s: no '%(PASSAGES)s' sheet; is this a workbench export?",
                        filename=filename,
                        PASSAGES=PASSAGES,
                    ),
                )
            )
            return WorkbookContent([], [], [], problems)
        documents = _documents(sheet_rows(wb, PASSAGES), problems)
        if DOCUMENTS in wb.sheetnames:
            _document_details(sheet_rows(wb, DOCUMENTS), documents, problems)
        codings = (
            _codings(sheet_rows(wb, ANNOTATIONS), problems) if ANNOTATIONS in wb.sheetnames else []
        )
        states = _states(sheet_rows(wb, CODED), problems) if CODED in wb.sheetnames else []
        version = _about_version(sheet_rows(wb, ABOUT)) if ABOUT in wb.sheetnames else None
    finally:
        wb.close()
    return WorkbookContent(list(documents.values()), codings, states, problems, version)


def _about_version(sheet: Sheet) -> int | None:
    """The codebook version the About block names (its rows are field, value)."""
    for _row, values in sheet.rows:
        if values and cell_text(values[0]).strip() == "codebook_version" and len(values) > 1:
            return _int(cell_text(values[1]))
    return None


def _documents(sheet: Sheet, problems: list[ImportProblem]) -> dict[int, WDocument]:
    documents: dict[int, WDocument] = {}
    for number, get in _rows(sheet, PASSAGE_REQUIRED, problems):
        ids = [
            _int(get(n))
            for n in ("passage_id", "document_id", "passage_ordinal", "start_offset", "end_offset")
        ]
        if any(i is None for i in ids):
            bad = next(
                n
                for n, i in zip(
                    ("passage_id", "document_id", "passage_ordinal", "start_offset", "end_offset"),
                    ids,
                    strict=True,
                )
                if i is None
            )
            problems.append(
                ImportProblem(
                    sheet.name, number, bad, _("'%(value)s' is not a whole number", value=get(bad))
                )
            )
            continue
        pid, doc_id, ordinal, start, end = (int(i) for i in ids if i is not None)
        text = get("text")
        if end - start != len(text) or start < 0:
            problems.append(
                ImportProblem(
                    sheet.name,
                    number,
                    "text",
                    _(
                        "the text has %(n_text)s characters but its offsets %(start)s-%(end)s "
                        "span %(value)s: it was edited or cut",
                        n_text=len(text),
                        start=start,
                        end=end,
                        value=end - start,
                    ),
                )
            )
            continue
        doc = documents.get(doc_id)
        if doc is None:
            doc = documents[doc_id] = WDocument(
                doc_id,
                get("document_title") or f"Document {doc_id}",
                date=get("document_date") or None,
                doc_type=get("doc_type") or None,
                meeting_symbol=get("meeting_symbol") or None,
                language=get("document_language") or None,
            )
        codable = get("codable").strip()
        doc.passages.append(
            WPassage(
                number,
                pid,
                ordinal,
                start,
                end,
                text,
                get("speaker") or None,
                get("delegation") or None,
                get("language") or None,
                get("original_language") or None,
                _int(get("turn")),
                codable not in ("0", "FALSE", "False", "false"),
            )
        )
    for doc in documents.values():
        doc.passages.sort(key=lambda p: p.ordinal)
        # The sheet numbers passages as users see them (1 = first; exports before that change
        # counted from 0): only the order matters, so positions are renumbered from 0 here.
        for position, p in enumerate(doc.passages):
            p.ordinal = position
        last = 0
        for p in doc.passages:
            if p.start < last:
                problems.append(
                    ImportProblem(
                        sheet.name,
                        p.row,
                        "start_offset",
                        _("the passage overlaps the one before it"),
                    )
                )
            last = p.end
    return documents


def _document_details(
    sheet: Sheet, documents: dict[int, WDocument], problems: list[ImportProblem]
) -> None:
    # The sheet is optional, and so is each column: a sheet without ids adds nothing.
    for number, get in _rows(sheet, ("document_id",), []):
        doc = documents.get(_int(get("document_id")) or -1)
        if doc is None:
            continue
        doc.filename = get("filename") or doc.title
        doc.source = get("source") or None
        doc.segmentation = get("segmentation") or "paragraph"
        try:
            extra = json.loads(get("extra")) if get("extra") else {}
        except ValueError:
            extra = None
        if not isinstance(extra, dict):
            # The document's other metadata would be dropped without a word.
            message = _('the metadata is not a JSON object (as exported: {"key": value, ...})')
            problems.append(ImportProblem(sheet.name, number, "extra", message))
            extra = {}
        doc.extra = extra


def _codings(sheet: Sheet, problems: list[ImportProblem]) -> list[WCoding]:
    out = []
    for number, get in _rows(sheet, ANNOTATION_REQUIRED, problems):
        pid = _int(get("passage_id"))
        if pid is None:
            problems.append(
                ImportProblem(
                    sheet.name,
                    number,
                    "passage_id",
                    _("'%(value)s' is not a passage id", value=get("passage_id")),
                )
            )
            continue
        out.append(
            WCoding(
                *_layer_row(number, get, pid),
                get("code_key").strip(),
                get("code_path").strip(),
                get("stance").strip(),
                get("memo"),
                get("span_start").strip(),
                get("span_end").strip(),
                _int(get("codebook_version")),
                _int(get("code_revision")),
                get("created_at").strip(),
                get("updated_at").strip(),
                get("suggestion_shown").strip() == "1",
                get("suggestion_accepted").strip() == "1",
            )
        )
    return out


def _layer_row(number: int, get: Callable[[str], str], pid: int) -> tuple[int, str, str, int]:
    """The fields every layer row starts with (WLayerRow); an empty layer means a coder's."""
    return number, get("layer").strip().lower() or "coder", get("coder").strip(), pid


def _states(sheet: Sheet, problems: list[ImportProblem]) -> list[WState]:
    out = []
    for number, get in _rows(sheet, CODED_REQUIRED, problems):
        pid = _int(get("passage_id"))
        coded = get("coded").strip()
        if pid is None or coded not in ("0", "1"):
            column = "passage_id" if pid is None else "coded"
            problems.append(
                ImportProblem(
                    sheet.name,
                    number,
                    column,
                    _("'%(value)s' is not valid here", value=get(column)),
                )
            )
            continue
        out.append(
            WState(
                *_layer_row(number, get, pid),
                coded == "1",
                get("passage_memo"),
                get("updated_at").strip(),
            )
        )
    return out
