"""Export a project as REFI-QDA (.qdpx): codings other tools read, the rest in extra.json."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import asdict
from os import PathLike
from typing import IO
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench import __version__
from workbench.analysis import layers as analysis
from workbench.codebooks import codes as codebooks
from workbench.formats import qdpx
from workbench.interchange.qdpx_layers import codebook_history
from workbench.interchange.qdpx_layers import document_layers
from workbench.interchange.qdpx_layers import iso_time
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project

Progress = Callable[[int], None]


def _second(value: dt.datetime | None) -> str:
    """A time as REFI-QDA writes it: UTC to the second."""
    return iso_time(value.replace(microsecond=0)) if value is not None else ""


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
    codes = {c.id: c for c in codebooks.live_codes(session, project) if c.is_codable}
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
    }
    now = _second(dt.datetime.now(dt.UTC))
    docs = session.execute(
        select(Document).where(Document.project_id == project.id).order_by(Document.id)
    ).scalars()
    doc_ids = [d.id for d in docs]

    def doc_guid(doc_id: int) -> str:
        return qdpx.guid("document", project.slug, doc_id)

    def texts() -> Iterator[tuple[str, str]]:
        stmt = select(Document.id, Document.text).where(Document.project_id == project.id)
        for doc_id, text in session.execute(
            stmt.order_by(Document.id).execution_options(yield_per=20)
        ):
            yield doc_guid(doc_id), text

    def sources() -> Iterator[qdpx.QSource]:
        taken: set[str] = set()
        for doc_id in doc_ids:
            doc = session.get(Document, doc_id)
            assert doc is not None
            passages = list(
                session.scalars(
                    select(Passage).where(Passage.document_id == doc_id).order_by(Passage.ordinal)
                )
            )
            by_id = {p.id: p for p in passages}
            rows = session.scalars(
                select(Annotation)
                .join(Passage, Passage.id == Annotation.passage_id)
                .where(Passage.document_id == doc_id, Annotation.code_id.in_(list(codes)))
                .order_by(Passage.ordinal, Annotation.coder_id, Annotation.code_id)
            ).all()
            selections = []
            for ann in rows:
                passage = by_id[ann.passage_id]
                if ann.coder_id not in user_guid:
                    continue
                a = ann.span_start if ann.span_start is not None else 0
                b = ann.span_end if ann.span_end is not None else len(passage.text)
                sel_guid = qdpx.guid("annotation", project.slug, ann.id)
                selections.append(
                    qdpx.QSelection(
                        guid=sel_guid,
                        start=passage.start_offset + a,
                        end=passage.start_offset + b,
                        text=passage.text[a:b],
                        user_guid=user_guid[ann.coder_id],
                        code_guid=codes[ann.code_id].key,
                        created=_second(ann.created_at),
                        modified=_second(ann.updated_at),
                        description=ann.memo or "",
                    )
                )
                extra["annotations"][sel_guid] = {
                    "stance": ann.stance,
                    "memo": ann.memo or "",
                    "codebook_version": ann.codebook_version,
                    "code_revision": ann.code_revision,
                    "created_at": iso_time(ann.created_at),
                    "updated_at": iso_time(ann.updated_at),
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
                    for p in passages
                ],
                **document_layers(session, project, doc_id),
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
