"""Importing documents: parse every file, store all or nothing, skip known content.

A large upload (a web or queued import) is parsed into a spool: a local temporary file of the
rows to insert, written batch by batch, so memory holds one batch, never the corpus. Nothing is
stored until every file has parsed; then the batches are read back and inserted in one unit of
work, which holds SQLite's writer turn only for the inserts. The command line instead stores
batches while a second process parses the rest (`background_parse`); its unit of work is rolled
back if any file turns out bad.
"""

from __future__ import annotations

import functools
import math
import pickle
import tempfile
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from itertools import chain
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from workbench.core.corpus import CorpusError
from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import parse_file
from workbench.core.corpus.document import iter_file
from workbench.core.corpus.metadata import title_from_filename
from workbench.core.corpus.records import looks_like_records
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import Document
from workbench.models import Project
from workbench.models import User

T = TypeVar("T")
SEGMENTATION_MODES = ("paragraph", "sentence", "lines")
MAX_ERRORS_SHOWN = 50


@dataclass
class ImportResult:
    """What an import stored and what it recognised as already present."""

    documents: int = 0
    passages: int = 0
    duplicates: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    # Passages stored as not codable, counted by the reason the segmenter gave.
    non_codable: dict[str, int] = field(default_factory=dict)
    # Per stored document (by file name): control characters its text shows as U+FFFD.
    shown_controls: dict[str, int] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """What the user should be told beyond the counts (non-codable passages and why)."""
        return summary_lines(self)


Progress = Callable[[int], None]


def check_mode(mode: str) -> None:
    """Refuse a segmentation mode the importer does not know."""
    if mode not in SEGMENTATION_MODES:
        raise ValidationError(
            _("Unknown segmentation '%(mode)s': use paragraph, sentence or lines.", mode=mode)
        )


def _too_large(name: str, size: int, limit: int) -> str:
    return f"{name}: {size / 1e6:.1f} MB is over the per-file limit of {limit / 1e6:.1f} MB."


def parse_uploads(
    files: Iterable[tuple[str, bytes]],
    *,
    mode: str = "paragraph",
    max_file_bytes: int,
    progress: Progress | None = None,
) -> list[ParsedDocument]:
    """Parse every file; collect every problem and raise them together so nothing is stored."""
    check_mode(mode)
    parsed: list[ParsedDocument] = []
    problems: list[str] = []
    for name, data in files:
        if len(data) > max_file_bytes:
            problems.append(_too_large(name, len(data), max_file_bytes))
        else:
            try:
                parsed.extend(parse_file(name, data, mode=mode))
            except CorpusError as exc:
                problems.append(str(exc))
        if progress is not None:
            progress(1)
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        if more:
            shown.append(f"... and {more} more problems.")
        raise ValidationError(_("Nothing was imported: fix these files and try again."), shown)
    if not parsed:
        raise ValidationError(_("Nothing was imported: no documents were found in the upload."))
    return parsed


Adjust = Callable[[ParsedDocument], ParsedDocument]
# A spooled batch is flushed at this many documents or this many characters of text. With the
# parser in its own process, a batch is held by both (being built, and being stored): a million
# characters kept the corpus import's two processes at ~270 MB together, against ~330 MB with
# four million, in the same time.
SPOOL_DOCUMENTS = 250
SPOOL_CHARACTERS = 1_000_000
FIRST_BATCH_DOCUMENTS = 20


@dataclass(frozen=True)
class SpooledDocument:
    """What the store needs of a parsed document: its file name, hash and rows (no objects)."""

    filename: str
    content_hash: str
    row: dict[str, object]
    passages: list[tuple[object, ...]]
    shown_controls: int = 0  # control characters the text shows as U+FFFD


class Spool:
    """Parsed documents waiting to be stored, in a temporary file, a batch per pickle."""

    def __init__(self) -> None:
        # Closed by close() or the with block, whichever the caller uses.
        self._file = tempfile.TemporaryFile(prefix="workbench-import-")  # noqa: SIM115
        self.batches = 0
        self.documents = 0
        # Every spooled document's content hash and file name, in order: small, and what the
        # re-segmenting hint needs after the store.
        self.names: list[tuple[str, str]] = []

    def add(self, batch: list[SpooledDocument]) -> None:
        """Append one batch."""
        if batch:
            pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self.batches += 1
            self.documents += len(batch)
            self.names.extend((d.content_hash, d.filename) for d in batch)

    def read(self) -> Iterator[list[SpooledDocument]]:
        """The batches in the order they were added."""
        self._file.seek(0)
        for _batch in range(self.batches):
            yield pickle.load(self._file)  # our own file, written just now by add()

    def close(self) -> None:
        """Remove the temporary file."""
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def spool_uploads(
    files: Iterable[tuple[str, bytes]],
    *,
    mode: str = "paragraph",
    max_file_bytes: int,
    adjust: Adjust | None = None,
    progress: Progress | None = None,
) -> Spool:
    """Parse every file into a spool, a batch at a time; every problem is raised together
    (ValidationError, as parse_uploads does) and nothing is kept."""
    check_mode(mode)
    spool = Spool()
    problems: list[str] = []
    try:
        for batch in parsed_batches(files, problems, mode, max_file_bytes, adjust, progress):
            spool.add(batch)
        check_parsed(problems, spool.documents)
    except BaseException:
        spool.close()
        raise
    return spool


def parsed_batches(
    files: Iterable[tuple[str, bytes]],
    problems: list[str],
    mode: str,
    max_file_bytes: int,
    adjust: Adjust | None = None,
    progress: Progress | None = None,
) -> Iterator[list[SpooledDocument]]:
    """The files' documents in batches, ready to store; each file's problems are appended to
    `problems`, and after the first one no more batches are given (only problems)."""
    batch: list[SpooledDocument] = []
    size = 0
    # The first batch is small, so a store that takes batches as they come starts at once.
    most = min(FIRST_BATCH_DOCUMENTS, SPOOL_DOCUMENTS)
    for name, data in files:
        if len(data) > max_file_bytes:
            problems.append(_too_large(name, len(data), max_file_bytes))
        else:
            try:
                for doc in iter_file(name, data, mode=mode):
                    if problems:
                        continue  # nothing will be stored: parse only to report the rest
                    if adjust is not None:
                        doc = adjust(doc)
                    batch.append(_spooled(doc, mode))
                    size += len(doc.raw_text) + len(doc.text)
                    if len(batch) >= most or size >= SPOOL_CHARACTERS:
                        yield batch
                        batch, size, most = [], 0, SPOOL_DOCUMENTS
            except CorpusError as exc:
                problems.append(str(exc))
        del data  # the next file's bytes should not meet this one's
        if progress is not None:
            progress(1)
    if batch and not problems:
        yield batch


def check_parsed(problems: list[str], documents: int) -> None:
    """Raise the parse's problems together, or say that no document was found."""
    _raise_problems(problems)
    if not documents:
        raise ValidationError(_("Nothing was imported: no documents were found in the upload."))


def _raise_problems(problems: list[str]) -> None:
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        more = len(problems) - len(shown)
        if more:
            shown.append(f"... and {more} more problems.")
        raise ValidationError(_("Nothing was imported: fix these files and try again."), shown)


def _spooled(doc: ParsedDocument, mode: str) -> SpooledDocument:
    return SpooledDocument(
        doc.filename,
        doc.content_hash,
        _document_fields(doc, mode),
        [
            (
                p.ordinal,
                p.text,
                p.start,
                p.end,
                _clip(p.speaker, 300),
                _clip(p.delegation, 300),
                p.language,
                p.original_language,
                p.turn,
                p.codable,
                p.reason,
            )
            for p in doc.passages
        ],
        doc.shown_controls,
    )


# A passage row's values in this order: its document, its project, then a spooled passage's.
_PASSAGE_COLUMNS = (
    "document_id",
    "project_id",
    "ordinal",
    "text",
    "start_offset",
    "end_offset",
    "speaker",
    "delegation",
    "language",
    "original_language",
    "turn",
    "codable",
)


def store_spool(
    session: Session, project: Project, spool: Spool, *, user: User | None = None
) -> ImportResult:
    """Store a spool's documents batch by batch; identical content already present is skipped."""
    return store_batches(session, project, spool.read(), user=user)


def store_batches(
    session: Session,
    project: Project,
    batches: Iterable[list[SpooledDocument]],
    *,
    user: User | None = None,
) -> ImportResult:
    """Store parsed batches as they come; identical content already present is skipped."""
    result = ImportResult()
    known = set(
        session.scalars(select(Document.content_hash).where(Document.project_id == project.id))
    )
    waiting: list[tuple[object, ...]] = []
    for batch in batches:
        fresh: list[SpooledDocument] = []
        for doc in batch:
            if doc.content_hash in known:
                result.duplicates.append(doc.filename)
                continue
            known.add(doc.content_hash)
            fresh.append(doc)
        if fresh:
            waiting.extend(_insert(session, project, user, fresh, result))
            # Only whole pages now; the rest waits for the next batch (see _insert_passages).
            whole = len(waiting) - len(waiting) % PASSAGE_PAGE
            _insert_passages(session, waiting[:whole])
            del waiting[:whole]
    _insert_passages(session, waiting)
    return result


def _insert(
    session: Session,
    project: Project,
    user: User | None,
    fresh: list[SpooledDocument],
    result: ImportResult,
) -> list[tuple[object, ...]]:
    """Insert the documents; their passage rows are returned, to be inserted by the caller."""
    extra = {"project_id": project.id, "imported_by_id": user.id if user else None}
    rows = [{**doc.row, **extra} for doc in fresh]
    ids = _insert_documents(session, rows)
    passage_rows: list[tuple[object, ...]] = []
    for doc_id, doc in zip(ids, fresh, strict=True):
        if doc.shown_controls:
            result.shown_controls[doc.filename] = doc.shown_controls
        for values in doc.passages:
            *columns, reason = values
            if not columns[9]:  # codable
                why = str(reason or "not codable")
                result.non_codable[why] = result.non_codable.get(why, 0) + 1
            passage_rows.append((doc_id, project.id, *columns))
    result.documents += len(fresh)
    result.passages += len(passage_rows)
    result.titles.extend(str(row["title"]) for row in rows)
    result.document_ids.extend(ids)
    return passage_rows


def _insert_documents(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert document rows (their content hashes unique among them); ids in the order given."""
    # A Core executemany with RETURNING: a few statements per batch on SQLite and PostgreSQL
    # alike. Asking for the ids in parameter order would make SQLite insert row by row, so the
    # rows are matched to their ids by content hash instead.
    table = Document.__table__
    assert isinstance(table, Table)
    stmt = insert(table).returning(table.c.id, table.c.content_hash)
    ids: dict[str, int] = {}
    for chunk in statement_sized(rows, DOCUMENT_PAGE):
        paged = stmt.execution_options(insertmanyvalues_page_size=len(chunk))
        ids.update((str(h), int(i)) for i, h in session.execute(paged, chunk))
    return [ids[str(row["content_hash"])] for row in rows]


# Document rows to one multi-row INSERT (25 columns each).
DOCUMENT_PAGE = 64


def statement_sized(rows: list[T], page: int) -> Iterator[list[T]]:
    """Rows in chunks of `page`, the rest in chunks of powers of two: each chunk becomes one
    multi-row statement, so whatever the number of rows only a few statement shapes occur."""
    # Why: SQLite keeps every prepared statement in its connection's cache, and a multi-row
    # INSERT of each new length is a new statement of its own. One per batch of an import,
    # each with thousands of parameters, held ~95 MB after the corpus import.
    start = 0
    while len(rows) - start >= page:
        yield rows[start : start + page]
        start += page
    size = 1 << max(page.bit_length() - 1, 0)
    while start < len(rows):
        while size > len(rows) - start:
            size >>= 1
        yield rows[start : start + size]
        start += size


# Passage rows to one multi-row INSERT on SQLite (see statement_sized). A store sends whole
# pages and carries the rest to the next batch: fewer statements, and so fewer flushes of the
# search index's pending terms, than cutting each batch's rest into powers of two.
PASSAGE_PAGE = 1000


def _insert_passages(session: Session, rows: list[tuple[object, ...]]) -> None:
    """Insert passage rows, their values in _PASSAGE_COLUMNS order."""
    if not rows:
        return
    # Multi-row INSERTs, not a statement per row, on both databases: the search index is
    # written per statement. On SQLite FTS5 writes out its pending terms at the end of every
    # statement that reached it through the search triggers, so row by row it writes (and then
    # merges) a tiny segment per passage, ~3x the work. On PostgreSQL the trigger adds each
    # statement's new words to the word table (migration 0018): once per 1,000 passages rather
    # than once for each. The statement goes to the driver as it is: SQLAlchemy's own
    # multi-row path cost ~3 s of the corpus import in building and reading back parameters.
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for chunk in statement_sized(rows, PASSAGE_PAGE):
        connection.exec_driver_sql(
            _multi_row_insert(len(chunk), marker), tuple(chain.from_iterable(chunk))
        )


@functools.lru_cache(maxsize=32)
def _multi_row_insert(rows: int, marker: str) -> str:
    one = "(" + ", ".join([marker] * len(_PASSAGE_COLUMNS)) + ")"
    return f"INSERT INTO passage ({', '.join(_PASSAGE_COLUMNS)}) VALUES " + ", ".join([one] * rows)


def store_documents(
    session: Session,
    project: Project,
    documents: list[ParsedDocument],
    *,
    user: User | None = None,
    mode: str = "paragraph",
) -> ImportResult:
    """Store parsed documents and their passages; identical content already present is skipped."""
    return store_batches(session, project, [[_spooled(doc, mode) for doc in documents]], user=user)


def summary_lines(result: ImportResult) -> list[str]:
    """Say how many stored passages are not codable and why, largest group first; and which
    documents show control characters as U+FFFD."""
    lines = [
        f"{name}: {n} control character(s) shown as U+FFFD (no export format can hold them; "
        "the document's raw text keeps them)."
        for name, n in sorted(result.shown_controls.items())
    ]
    total = sum(result.non_codable.values())
    if not total:
        return lines
    reasons = sorted(result.non_codable.items(), key=lambda item: (-item[1], item[0]))
    listed = "; ".join(f"{count} {why}" for why, count in reasons)
    noun = "passage is" if total == 1 else "passages are"
    return [
        f"{total} {noun} not codable ({listed}). The lead can change this in the reader.",
        *lines,
    ]


def json_safe(value: object) -> object:
    """Make metadata storable as JSON on every database: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else value


def _document_fields(doc: ParsedDocument, mode: str) -> dict[str, object]:
    meta = doc.meta
    extra = json_safe(dict(getattr(doc, "extra", None) or {}))
    return {
        "title": (meta.title or title_from_filename(doc.filename))[:500],
        "filename": doc.filename[:500],
        "content_hash": doc.content_hash,
        "raw_text": doc.raw_text,
        "text": doc.text,
        "language": meta.language,
        "doc_type": meta.doc_type,
        "date": meta.date,
        "meeting_symbol": _clip(meta.meeting_symbol, 80),
        "source": _clip(meta.source, 500),
        "segmentation": "lines" if mode == "paragraph" and looks_like_records(doc.text) else mode,
        "extra": extra,
        "passage_count": len(doc.passages),
    }


# PostgreSQL's GIN indexes that a bulk import fills (migrations 0008 and 0018).
SEARCH_GIN_INDEXES = (
    "ix_passage_search_trgm",
    "ix_passage_search_words",
    "ix_search_word_trgm",
    "ix_passage_text_cjk",
)


def refresh_statistics(session: Session) -> None:
    """Refresh the planner's statistics after a bulk import, so queries plan for the new size."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE document"))
        session.execute(text("ANALYZE passage"))
        # New rows wait in the search indexes' GIN pending lists, which every search then reads
        # in full (20 ms instead of 0.1 ms per query after the corpus import): merge them now.
        session.execute(text("ANALYZE passage_search"))
        session.execute(text("ANALYZE search_word"))
        for index in SEARCH_GIN_INDEXES:
            session.execute(
                text("SELECT gin_clean_pending_list(CAST(:i AS regclass))"), {"i": index}
            )
    else:
        session.execute(text("ANALYZE"))


def import_files(
    session: Session,
    project: Project,
    files: Iterable[tuple[str, bytes]],
    *,
    user: User | None = None,
    mode: str = "paragraph",
    max_file_bytes: int = 50 * 1024 * 1024,
) -> ImportResult:
    """Parse and store a batch of files as one unit: all documents or none."""
    parsed = parse_uploads(files, mode=mode, max_file_bytes=max_file_bytes)
    return store_documents(session, project, parsed, user=user, mode=mode)
