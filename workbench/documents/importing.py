"""Importing documents: parse every file first, store all or nothing, skip known content."""

from __future__ import annotations

import math
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from workbench.core.corpus import CorpusError
from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import parse_file
from workbench.core.corpus.metadata import title_from_filename
from workbench.core.corpus.records import looks_like_records
from workbench.core.errors import ValidationError
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User

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

    @property
    def notes(self) -> list[str]:
        """What the user should be told beyond the counts (non-codable passages and why)."""
        return summary_lines(self)


Progress = Callable[[int], None]


def parse_uploads(
    files: Iterable[tuple[str, bytes]],
    *,
    mode: str = "paragraph",
    max_file_bytes: int,
    progress: Progress | None = None,
) -> list[ParsedDocument]:
    """Parse every file; collect every problem and raise them together so nothing is stored."""
    if mode not in SEGMENTATION_MODES:
        raise ValidationError(f"Unknown segmentation '{mode}': use paragraph, sentence or lines.")
    parsed: list[ParsedDocument] = []
    problems: list[str] = []
    for name, data in files:
        if len(data) > max_file_bytes:
            problems.append(
                f"{name}: {len(data) / 1e6:.1f} MB is over the per-file limit of "
                f"{max_file_bytes / 1e6:.1f} MB."
            )
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
        raise ValidationError("Nothing was imported: fix these files and try again.", shown)
    if not parsed:
        raise ValidationError("Nothing was imported: no documents were found in the upload.")
    return parsed


def store_documents(
    session: Session,
    project: Project,
    documents: list[ParsedDocument],
    *,
    user: User | None = None,
    mode: str = "paragraph",
) -> ImportResult:
    """Store parsed documents and their passages; identical content already present is skipped."""
    result = ImportResult()
    known = set(
        session.scalars(select(Document.content_hash).where(Document.project_id == project.id))
    )
    fresh: list[ParsedDocument] = []
    for doc in documents:
        if doc.content_hash in known:
            result.duplicates.append(doc.filename)
            continue
        known.add(doc.content_hash)
        fresh.append(doc)
    if not fresh:
        return result
    rows = [_document_row(project, doc, user, mode) for doc in fresh]
    # executemany with RETURNING: one round trip per batch on SQLite and PostgreSQL alike.
    ids = list(
        session.scalars(insert(Document).returning(Document.id, sort_by_parameter_order=True), rows)
    )
    passage_rows = []
    for doc_id, doc in zip(ids, fresh, strict=True):
        for p in doc.passages:
            if not p.codable:
                why = p.reason or "not codable"
                result.non_codable[why] = result.non_codable.get(why, 0) + 1
            passage_rows.append(
                {
                    "document_id": doc_id,
                    "project_id": project.id,
                    "ordinal": p.ordinal,
                    "text": p.text,
                    "start_offset": p.start,
                    "end_offset": p.end,
                    "speaker": _clip(p.speaker, 300),
                    "delegation": _clip(p.delegation, 300),
                    "language": p.language,
                    "original_language": p.original_language,
                    "turn": p.turn,
                    "codable": p.codable,
                }
            )
    for start in range(0, len(passage_rows), 5000):
        session.execute(insert(Passage), passage_rows[start : start + 5000])
    result.documents = len(fresh)
    result.passages = len(passage_rows)
    result.titles = [str(row["title"]) for row in rows]
    result.document_ids = ids
    return result


def summary_lines(result: ImportResult) -> list[str]:
    """Say how many stored passages are not codable and why, largest group first."""
    total = sum(result.non_codable.values())
    if not total:
        return []
    reasons = sorted(result.non_codable.items(), key=lambda item: (-item[1], item[0]))
    listed = "; ".join(f"{count} {why}" for why, count in reasons)
    noun = "passage is" if total == 1 else "passages are"
    return [f"{total} {noun} not codable ({listed}). The lead can change this in the reader."]


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


def _document_row(
    project: Project, doc: ParsedDocument, user: User | None, mode: str
) -> dict[str, object]:
    meta = doc.meta
    extra = json_safe(dict(getattr(doc, "extra", None) or {}))
    return {
        "project_id": project.id,
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
        "imported_by_id": user.id if user else None,
    }


def refresh_statistics(session: Session) -> None:
    """Refresh the planner's statistics after a bulk import, so queries plan for the new size."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE document"))
        session.execute(text("ANALYZE passage"))
        # New rows wait in the search indexes' GIN pending lists, which every search then reads
        # in full (20 ms instead of 0.1 ms per query after the corpus import): merge them now.
        session.execute(text("ANALYZE passage_search"))
        for index in ("ix_passage_search_trgm", "ix_passage_text_cjk"):
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
