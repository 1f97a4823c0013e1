"""The passage table of a project: every passage with its metadata, for pandas or R."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core import limits
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project

PASSAGE_FIELDS: Final = (
    "document_id",
    "document",
    "ordinal",
    "speaker",
    "delegation",
    "language",
    "original_language",
    "codable",
    "text",
)


def passage_rows(
    session: Session, project: Project, document_ref: str | None = None
) -> Iterator[dict[str, Any]]:
    """Yield the passages in reading order, one plain row each (keys: PASSAGE_FIELDS).

    ``document_ref`` keeps one document, given by its id or exact title. Rows are streamed:
    the session must stay open while they are read.
    """
    stmt = (
        select(Passage, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.project_id == project.id)
        .order_by(Document.id, Passage.ordinal)
    )
    if document_ref:
        cond = Document.title == document_ref
        number = limits.counting_number(document_ref)
        if number is not None:
            cond = cond | (Document.id == number)
        stmt = stmt.where(cond)
    for passage, title in session.execute(stmt.execution_options(yield_per=2000)):
        yield {
            "document_id": passage.document_id,
            "document": title,
            "ordinal": passage.ordinal + 1,  # as every view numbers passages (¶1 first)
            "speaker": passage.speaker,
            "delegation": passage.delegation,
            "language": passage.language,
            "original_language": passage.original_language,
            "codable": passage.codable,
            "text": passage.text,
        }
