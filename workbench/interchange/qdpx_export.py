"""Export a project as REFI-QDA (.qdpx): codings other tools read, the rest in extra.json."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import asdict
from os import PathLike
from typing import IO
from typing import Any

from sqlalchemy import Row
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy import type_coerce
from sqlalchemy.orm import Session

from workbench import __version__
from workbench.analysis import layers as analysis
from workbench.codebooks import codes as codebooks
from workbench.formats import qdpx
from workbench.interchange.qdpx_layers import codebook_history
from workbench.interchange.qdpx_layers import iso_time
from workbench.interchange.qdpx_translations import translations_layer
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User

Progress = Callable[[int], None]


def _second(value: dt.datetime | None) -> str:
    """A time as REFI-QDA writes it: UTC to the second."""
    return iso_time(value.replace(microsecond=0)) if value is not None else ""


def _times(value: dt.datetime | str | None) -> tuple[str, str]:
    """A time as REFI-QDA writes it (UTC to the second) and as extra.json keeps it (to the
    microsecond, as ``iso_time`` writes it), from one conversion.

    SQLite hands the stored UTC text over as is ("YYYY-MM-DD HH:MM:SS.ffffff", see
    ``_raw``): turning it into a datetime and back cost more than the rest of a coding."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            second = f"{value[:10]}T{value[11:19]}Z"
            fraction = value[20:]
            return second, (second if fraction == "000000" else f"{second[:-1]}.{fraction}Z")
        value = dt.datetime.fromisoformat(value)  # another spelling: read it properly
    full = iso_time(value)
    if not full:
        return "", ""
    return full[:19] + "Z", full  # "YYYY-MM-DDTHH:MM:SS" then the fraction, if any, and Z


def _raw(column: Any) -> Any:
    """A timestamp column without the ORM type's conversion to datetime (see _times)."""
    return type_coerce(column, String).label(column.key)


def export_qdpx(
    session: Session,
    project: Project,
    out: str | PathLike[str] | IO[bytes],
    *,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the project as a .qdpx archive; return counts of documents and codings."""
    spec = codebooks.to_spec(session, project)
    coders = analysis.coders_in_project(session, project)
    user_guid = {u.id: qdpx.guid("user", u.username) for u in coders}
    users = [qdpx.QUser(user_guid[u.id], u.display_name, u.username) for u in coders]
    codes = {c.id: c.key for c in codebooks.live_codes(session, project) if c.is_codable}
    names = dict(session.execute(select(User.id, User.username)).tuples().all())
    keys = dict(
        session.execute(select(Code.id, Code.key).where(Code.project_id == project.id))
        .tuples()
        .all()
    )
    counts = {"documents": 0, "codings": 0}
    extra: dict[str, Any] = {
        "users": {
            user_guid[u.id]: {"username": u.username, "display_name": u.display_name}
            for u in coders
        },
        "documents": {},
        "annotations": {},
        "codebook_versions": codebook_history(session, project),
        "codebook": {
            "codes": [asdict(c) for c in spec.codes],
            "stance_scale": [asdict(s) for s in spec.stance_scale],
        },
        # Each code's definition revision: a coding made under an older one stays flagged.
        "code_revisions": {
            key: revision
            for key, revision in session.execute(
                select(Code.key, Code.revision).where(
                    Code.project_id == project.id, Code.deleted_at.is_(None)
                )
            )
        },
    }
    now = _second(dt.datetime.now(dt.UTC))
    slug = project.slug

    def doc_guid(doc_id: int) -> str:
        return qdpx.guid("document", slug, doc_id)

    def texts() -> Iterator[tuple[str, str]]:
        stmt = select(Document.id, Document.text).where(Document.project_id == project.id)
        for doc_id, text in session.execute(
            stmt.order_by(Document.id).execution_options(yield_per=20)
        ):
            yield doc_guid(doc_id), text

    def sources() -> Iterator[qdpx.QSource]:
        # Each table is read once, in document order, and cut into documents as it streams:
        # a handful of queries for the whole project instead of several per document.
        taken: set[str] = set()
        passages = _grouped(session, _passage_rows(project))
        codings = _grouped(session, _coding_rows(project, list(codes)))
        states = _grouped(session, _layer_rows(project, PassageState, _STATE_COLUMNS))
        consensus = _grouped(session, _layer_rows(project, ConsensusAnnotation, _CONSENSUS))
        resolved = _grouped(session, _layer_rows(project, ConsensusState, _RESOLVED))
        documents = session.execute(
            select(*_DOCUMENT_COLUMNS)
            .where(Document.project_id == project.id)
            .order_by(Document.id)
            .execution_options(yield_per=500)
        )
        annotations = extra["annotations"]
        for doc in documents:
            doc_id = doc.id
            parts = passages.take(doc_id)
            by_id = {p.id: p for p in parts}
            selections = []
            for ann in codings.take(doc_id):
                guid_ = user_guid.get(ann.coder_id)
                if guid_ is None:
                    continue
                passage = by_id[ann.passage_id]
                a = ann.span_start if ann.span_start is not None else 0
                b = ann.span_end if ann.span_end is not None else len(passage.text)
                sel_guid = qdpx.guid("annotation", slug, ann.id)
                created, created_at = _times(ann.created_at)
                modified, updated_at = _times(ann.updated_at)
                selections.append(
                    qdpx.QSelection(
                        guid=sel_guid,
                        start=passage.start_offset + a,
                        end=passage.start_offset + b,
                        text=passage.text[a:b],
                        user_guid=guid_,
                        code_guid=codes[ann.code_id],
                        created=created,
                        modified=modified,
                        description=ann.memo or "",
                    )
                )
                annotations[sel_guid] = {
                    "stance": ann.stance,
                    "memo": ann.memo or "",
                    "codebook_version": ann.codebook_version,
                    "code_revision": ann.code_revision,
                    "suggestion_shown": bool(ann.suggestion_shown),
                    "suggestion_accepted": bool(ann.suggestion_accepted),
                    "created_at": created_at,
                    "updated_at": updated_at,
                }
            guid_ = doc_guid(doc_id)
            extra["documents"][guid_] = {
                "title": doc.title,
                "filename": doc.filename,
                "language": doc.language,
                "doc_type": doc.doc_type,
                "date": doc.date,
                "meeting_symbol": doc.meeting_symbol,
                "source": doc.source,
                "segmentation": doc.segmentation,
                "extra": doc.extra or {},
                "created_at": iso_time(doc.created_at),
                "passages": [
                    [
                        p.start_offset,
                        p.end_offset,
                        p.speaker,
                        p.delegation,
                        p.language,
                        p.original_language,
                        p.turn,
                        p.codable,
                    ]
                    for p in parts
                ],
                "states": [
                    [o, names.get(c), bool(done), memo or "", iso_time(t)]
                    for _, o, c, done, memo, t in states.take(doc_id)
                ],
                "consensus": [
                    [o, keys.get(code), stance, memo or "", names.get(by), iso_time(t)]
                    for _, o, code, stance, memo, by, t in consensus.take(doc_id)
                ],
                # The adjudication's own note last (files written before it have three items).
                "resolved": [
                    [o, names.get(by), iso_time(t), note or ""]
                    for _, o, by, t, note in resolved.take(doc_id)
                ],
            }
            counts["documents"] += 1
            counts["codings"] += len(selections)
            if progress is not None:
                progress(len(selections) + 1)
            yield qdpx.QSource(
                guid=guid_,
                name=qdpx.safe_name(doc.title, taken),
                created=_second(doc.created_at),
                user_guid=None,
                description="",
                selections=selections,
            )

    # Links between documents, their aligned pairs and quotations: small, read before the stream.
    extra["translations"] = translations_layer(session, project, doc_guid)
    qdpx.write_qdpx(
        out,
        qdpx.QHeader(project.name, f"workbench {__version__}", now),
        users,
        spec,
        texts,
        sources,
        lambda: extra,
    )
    return counts


_DOCUMENT_COLUMNS = (
    Document.id,
    Document.title,
    Document.filename,
    Document.language,
    Document.doc_type,
    Document.date,
    Document.meeting_symbol,
    Document.source,
    Document.segmentation,
    Document.extra,
    Document.created_at,
)
_STATE_COLUMNS = (
    PassageState.coder_id,
    PassageState.coded,
    PassageState.memo,
    PassageState.updated_at,
)
_CONSENSUS = (
    ConsensusAnnotation.code_id,
    ConsensusAnnotation.stance,
    ConsensusAnnotation.memo,
    ConsensusAnnotation.resolved_by_id,
    ConsensusAnnotation.resolved_at,
)
_RESOLVED = (ConsensusState.resolved_by_id, ConsensusState.resolved_at, ConsensusState.memo)


def _passage_rows(project: Project) -> Select[Any]:
    return (
        select(
            Passage.document_id,
            Passage.id,
            Passage.text,
            Passage.start_offset,
            Passage.end_offset,
            Passage.speaker,
            Passage.delegation,
            Passage.language,
            Passage.original_language,
            Passage.turn,
            Passage.codable,
        )
        .where(Passage.project_id == project.id)
        .order_by(Passage.document_id, Passage.ordinal)
    )


def _coding_rows(project: Project, code_ids: list[int]) -> Select[Any]:
    return (
        select(
            Passage.document_id,
            Annotation.id,
            Annotation.passage_id,
            Annotation.coder_id,
            Annotation.code_id,
            Annotation.span_start,
            Annotation.span_end,
            Annotation.stance,
            Annotation.memo,
            Annotation.codebook_version,
            Annotation.code_revision,
            Annotation.suggestion_shown,
            Annotation.suggestion_accepted,
            _raw(Annotation.created_at),
            _raw(Annotation.updated_at),
        )
        .join(Passage, Passage.id == Annotation.passage_id)
        .where(Annotation.project_id == project.id, Annotation.code_id.in_(code_ids))
        .order_by(Passage.document_id, Passage.ordinal, Annotation.coder_id, Annotation.code_id)
    )


def _layer_rows(project: Project, table: Any, columns: tuple[Any, ...]) -> Select[Any]:
    """A per-passage table's rows, each led by document id and passage ordinal."""
    return (
        select(Passage.document_id, Passage.ordinal, *columns)
        .join(Passage, Passage.id == table.passage_id)
        .where(Passage.project_id == project.id)
        .order_by(Passage.document_id, Passage.ordinal, *columns[:1])
    )


class _Stream:
    """Rows ordered by document id, handed out one document at a time."""

    def __init__(self, rows: Iterator[Row[Any]]) -> None:
        self._rows = rows
        self._next: Row[Any] | None = next(rows, None)

    def take(self, doc_id: int) -> list[Row[Any]]:
        """The rows of this document (those of earlier documents are passed over)."""
        found: list[Row[Any]] = []
        while self._next is not None and self._next[0] <= doc_id:
            if self._next[0] == doc_id:
                found.append(self._next)
            self._next = next(self._rows, None)
        return found


def _grouped(session: Session, stmt: Select[Any]) -> _Stream:
    # On the session's connection (Core): plain columns need none of the ORM's row handling.
    rows = session.connection().execute(stmt.execution_options(yield_per=2000))
    return _Stream(iter(rows))
