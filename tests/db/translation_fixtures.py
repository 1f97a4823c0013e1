"""A report linked to the statement it quotes, from the seed documents, and traced."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.documents import seeding
from workbench.models import Document
from workbench.translations import links
from workbench.translations import tracing


def traced_seed_report(session: Session, project: Any, lead: Any) -> tuple[Document, Document]:
    """Import the seeds, link the news report to the speech it quotes, trace its quotations."""
    seeding.import_seeds(session, project)
    report = session.scalar(select(Document).where(Document.title.like("Chinese envoy calls%")))
    statement = session.scalar(
        select(Document).where(Document.title.like("Remarks by Amb. Zhang%"))
    )
    assert report is not None and statement is not None
    links.link_documents(session, project, report, statement, "report", lead)
    tracing.trace(session, project, report)
    return report, statement
