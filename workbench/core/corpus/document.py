"""Parse uploads into documents: one file, every row of a table, every file in a zip."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace

from workbench.core.corpus.archive import iter_archive
from workbench.core.corpus.extract import extension
from workbench.core.corpus.extract import extract_text
from workbench.core.corpus.language import detect_language
from workbench.core.corpus.markdown import MARKDOWN_EXTENSIONS
from workbench.core.corpus.markdown import looks_like_markdown
from workbench.core.corpus.metadata import extract_metadata
from workbench.core.corpus.metadata import find_date
from workbench.core.corpus.normalise import normalise_layout
from workbench.core.corpus.records import looks_like_records
from workbench.core.corpus.records import record_text
from workbench.core.corpus.segment import segment
from workbench.core.corpus.tables import TABLE_EXTENSIONS
from workbench.core.corpus.tables import iter_table
from workbench.core.corpus.types import SEGMENT_MODES
from workbench.core.corpus.types import CorpusError
from workbench.core.corpus.types import DocumentMeta
from workbench.core.corpus.types import MetadataValue
from workbench.core.corpus.types import ParsedDocument
from workbench.core.corpus.types import SegmentHints
from workbench.core.corpus.types import TableRow
from workbench.core.corpus.types import TextLayout
from workbench.core.i18n import N_
from workbench.core.i18n import _

DEFAULT_MAX_MEMBER_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_TOTAL_BYTES = 500 * 1024 * 1024
_MAX_NESTING = 3
_MAX_ERRORS_SHOWN = 20
_DOC_TYPES = frozenset({"un_record", "mission_statement", "news_report"})
# record_type values of the UN speeches corpus; all three are UN records.
_RECORD_TYPES = {
    "verbatim_record": "un_record",
    "vtc_letter": "un_record",
    "general_debate_statement": "un_record",
}
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")
_UNKNOWN = frozenset({"", "unknown", "n/a", "na", "none", "null"})


def normalise_document(filename: str, raw_text: str) -> tuple[str, TextLayout]:
    """A document's normalised text and its layout (Markdown headings, bold speaker names).

    Deterministic, so re-segmenting a stored document can start from its raw text and get
    the same text, offsets and the layout that the text alone no longer shows.
    """
    markdown = extension(filename) in MARKDOWN_EXTENSIONS or looks_like_markdown(raw_text)
    return normalise_layout(
        raw_text,
        detect_language(raw_text),
        markdown=markdown,
        # PDFs are read from their page layout, which already tells the paragraphs apart.
        paragraphs_known=extension(filename) == ".pdf",
    )


# What XML 1.0 cannot carry, besides the line breaks and the form feed the normaliser reads as a
# page break (it never reaches a passage).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


def parse_document(
    filename: str,
    text: str,
    *,
    mode: str = "paragraph",
    hints: SegmentHints | None = None,
    metadata: dict[str, MetadataValue] | None = None,
) -> ParsedDocument:
    """Normalise, describe and segment one document's text."""
    original = text
    if mode not in SEGMENT_MODES:
        raise CorpusError(
            _(
                "%(filename)s: unknown segmentation mode %(mode)s",
                filename=filename,
                mode=repr(mode),
            )
        )
    # Control characters (ESC, BEL, Ctrl-Z...) have no place in any export (XML cannot hold
    # them): the text shows each as U+FFFD, one character for one, so offsets into the raw
    # text, which keeps them, stay right, and an export read back finds the same text.
    text, shown = _CONTROLS.subn("\ufffd", text)
    # PostgreSQL cannot store a NUL even in the raw text.
    raw = original.replace("\x00", "\ufffd") if shown else text
    lined = record_text(text)
    if mode == "lines" or (
        mode == "paragraph" and not _hinted(hints) and looks_like_records(lined)
    ):
        # Reflowing would glue one record to the next: a record a line keeps its lines.
        normalised, layout, mode = lined, TextLayout(), "lines"
    else:
        normalised, layout = normalise_document(filename, text)
    if not normalised.strip():
        raise CorpusError(_("%(filename)s: no passages", filename=filename))
    meta = extract_metadata(normalised, filename, layout.headings)
    if metadata:
        meta = _apply_metadata(meta, metadata)
    passages = segment(
        normalised, mode=SEGMENT_MODES[SEGMENT_MODES.index(mode)], hints=hints, layout=layout
    )
    if not passages:
        raise CorpusError(_("%(filename)s: no passages", filename=filename))
    return ParsedDocument(
        filename=filename,
        raw_text=raw,
        text=normalised,
        content_hash=hashlib.sha256(normalised.encode("utf-8")).hexdigest(),
        meta=meta,
        passages=passages,
        extra=dict(metadata or {}),
        shown_controls=shown,
    )


def _hinted(hints: SegmentHints | None) -> bool:
    return hints is not None and any((hints.speaker, hints.delegation, hints.original_language))


def parse_file(
    filename: str,
    data: bytes,
    *,
    mode: str = "paragraph",
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
) -> list[ParsedDocument]:
    """Parse one uploaded file: a document, a CSV/JSONL table (a document per row) or a zip."""
    return list(
        iter_file(
            filename,
            data,
            mode=mode,
            max_member_bytes=max_member_bytes,
            max_total_bytes=max_total_bytes,
        )
    )


def iter_file(
    filename: str,
    data: bytes,
    *,
    mode: str = "paragraph",
    max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
) -> Iterator[ParsedDocument]:
    """The documents of one uploaded file as they are parsed, so a large table never has to be
    held whole; the file's problems are raised together after its last good document."""
    if mode not in SEGMENT_MODES:
        raise CorpusError(
            _(
                "%(filename)s: unknown segmentation mode %(mode)s",
                filename=filename,
                mode=repr(mode),
            )
        )
    ext = extension(filename)
    if ext == ".zip":
        yield from _parse_archive(filename, data, mode, max_member_bytes, max_total_bytes, depth=1)
    elif ext in TABLE_EXTENSIONS:
        yield from _parse_table(filename, data, mode)
    else:
        yield parse_document(filename, extract_text(filename, data), mode=mode)


def _parse_table(filename: str, data: bytes, mode: str) -> Iterator[ParsedDocument]:
    errors: list[str] = []
    for row in iter_table(filename, data):
        name = _row_name(filename, row)
        try:
            document = parse_document(
                name, row.text, mode=mode, hints=row_hints(row.metadata), metadata=row.metadata
            )
        except CorpusError as exc:
            errors.append(f"row {row.row_number}: {exc}")
            continue
        if row.title:
            document = replace(document, meta=replace(document.meta, title=row.title))
        yield document
    _raise_collected(filename, errors, N_("row(s)"))


def _row_name(filename: str, row: TableRow) -> str:
    identifier = row.metadata.get("id")
    if isinstance(identifier, str | int) and str(identifier).strip():
        return f"{filename}#{str(identifier).strip()}"
    return f"{filename}#row{row.row_number}"


def row_hints(metadata: dict[str, MetadataValue]) -> SegmentHints | None:
    """What a table row's columns say about its single speech (speaker, delegation, language)."""
    folded = {key.lower(): value for key, value in metadata.items()}
    speaker = _known(folded.get("speaker"))
    delegation = _known(folded.get("country")) or _known(folded.get("delegation"))
    language = _known(folded.get("original_language"))
    if language is not None and not _LANGUAGE_CODE.fullmatch(language):
        language = None
    if speaker is None and delegation is None and language is None:
        return None
    return SegmentHints(speaker=speaker, delegation=delegation, original_language=language)


def _known(value: MetadataValue) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return None if value.lower() in _UNKNOWN else value


def _apply_metadata(meta: DocumentMeta, metadata: dict[str, MetadataValue]) -> DocumentMeta:
    # Columns supplied with the text are better evidence than what the text suggests.
    folded = {key.lower(): value for key, value in metadata.items()}
    changes: dict[str, str | None] = {}
    title = _known(folded.get("title"))
    if title:
        changes["title"] = title
    if "date" in folded:
        # The column is authoritative even when empty: a date found in a speech's body is
        # usually a date it mentions, not the date it was given.
        raw_date = folded["date"]
        changes["date"] = find_date(raw_date) if isinstance(raw_date, str) else None
    doc_type = _known(folded.get("doc_type"))
    record_type = _known(folded.get("record_type"))
    if doc_type in _DOC_TYPES:
        changes["doc_type"] = doc_type
    elif record_type in _RECORD_TYPES:
        changes["doc_type"] = _RECORD_TYPES[record_type]
    symbol = _known(folded.get("meeting_symbol")) or _known(folded.get("record_symbol"))
    if symbol:
        changes["meeting_symbol"] = symbol
    language = _known(folded.get("language"))
    if language and _LANGUAGE_CODE.fullmatch(language):
        changes["language"] = language
    source = _known(folded.get("source")) or _known(folded.get("body"))
    if source:
        changes["source"] = source
    return replace(meta, **changes)


def _parse_archive(
    filename: str, data: bytes, mode: str, max_member: int, max_total: int, *, depth: int
) -> Iterator[ParsedDocument]:
    found = 0
    errors: list[str] = []
    unpacked = 0
    members = iter_archive(filename, data, max_member_bytes=max_member, max_total_bytes=max_total)
    for member, content in members:
        name = f"{filename}/{member}"
        unpacked += len(content)
        try:
            if extension(member) == ".zip":
                if depth >= _MAX_NESTING:
                    raise CorpusError(_("%(name)s: archives are nested too deeply", name=name))
                # A nested archive may only use what is left of the outer budget.
                remaining = max(max_total - unpacked, 0)
                inner = _parse_archive(name, content, mode, max_member, remaining, depth=depth + 1)
            elif extension(member) in TABLE_EXTENSIONS:
                inner = _parse_table(name, content, mode)
            else:
                inner = iter([parse_document(name, extract_text(name, content), mode=mode)])
            for document in inner:
                found += 1
                yield document
        except CorpusError as exc:
            errors.append(str(exc))
    _raise_collected(filename, errors, N_("file(s)"))
    if not found:
        raise CorpusError(_("%(filename)s: the archive contains no documents", filename=filename))


def _raise_collected(filename: str, errors: list[str], what: str) -> None:
    if not errors:
        return
    shown = "\n".join(errors[:_MAX_ERRORS_SHOWN])
    more = len(errors) - _MAX_ERRORS_SHOWN
    tail = "\n" + _("... and %(n)s more", n=more) if more > 0 else ""
    raise CorpusError(
        _(
            "%(filename)s: %(n_errors)s %(what)s could not be imported:\n%(shown)s%(tail)s",
            filename=filename,
            n_errors=len(errors),
            what=_(what),
            shown=shown,
            tail=tail,
        )
    )
