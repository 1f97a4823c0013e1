"""Documents and their passages, the coding unit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import backref
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from workbench.db import Base
from workbench.models._common import IntPk
from workbench.models._common import JSONType
from workbench.models._common import ProjectRef
from workbench.models._common import ProjectRow
from workbench.models._common import Timestamp
from workbench.models._common import UserRefOrNull
from workbench.models.accounts import Project

DOC_TYPES = ("un_record", "mission_statement", "news_report")


class Document(ProjectRow, Base):
    """An imported text: raw text kept for provenance, normalised text for coding."""

    __tablename__ = "document"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "content_hash"),
        sa.Index("ix_document_project_title", "project_id", "title"),
        sa.Index("ix_document_project_date", "project_id", "date"),
        # Facet lists (DISTINCT language / type) read these instead of the wide text rows.
        sa.Index("ix_document_project_language", "project_id", "language"),
        sa.Index("ix_document_project_doc_type", "project_id", "doc_type"),
        # The document list's order (newest first, undated last): a page is read from the
        # index and stops after its documents. SQLite's index (migration 0013) says only DESC,
        # which puts NULL last there and is all SQLite allows in an index.
        sa.Index(
            "ix_document_project_order",
            "project_id",
            sa.literal_column("date").desc().nulls_last(),
            "title",
            "id",
        ),
    )

    title: Mapped[str] = mapped_column(sa.String(500))
    filename: Mapped[str] = mapped_column(sa.String(500))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    raw_text: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(16))
    doc_type: Mapped[str | None] = mapped_column(sa.String(40))
    date: Mapped[str | None] = mapped_column(sa.String(10))  # ISO yyyy-mm-dd as text: partial dates
    meeting_symbol: Mapped[str | None] = mapped_column(sa.String(80))
    source: Mapped[str | None] = mapped_column(sa.String(500))
    segmentation: Mapped[str] = mapped_column(sa.String(20), default="paragraph")
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    passage_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    imported_by_id: Mapped[UserRefOrNull]
    created_at: Mapped[Timestamp]

    # The project's side, Project.documents, is declared here so models.accounts needs no import
    # of this module: deleting a project deletes its documents (the database cascades the rest).
    project: Mapped[Project] = relationship(
        backref=backref("documents", cascade="all, delete-orphan", passive_deletes=True)
    )
    passages: Mapped[list[Passage]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Passage.ordinal",
    )


class Passage(Base):
    """A coding unit: a paragraph, sentence or speaker-turn paragraph of a document."""

    __tablename__ = "passage"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "ordinal"),
        sa.CheckConstraint("start_offset >= 0 AND end_offset >= start_offset", name="offsets"),
        sa.Index("ix_passage_project_delegation", "project_id", "delegation"),
        # A search's matches are checked against the project, and give their documents, from
        # this index alone, never from the wide passage row.
        sa.Index("ix_passage_project_passage", "project_id", "id", "document_id"),
    )

    id: Mapped[IntPk]
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    # Denormalised so project-wide filters and reports need no join through documents.
    project_id: Mapped[ProjectRef]
    ordinal: Mapped[int] = mapped_column(sa.Integer)
    text: Mapped[str] = mapped_column(sa.Text)
    start_offset: Mapped[int] = mapped_column(sa.Integer)
    end_offset: Mapped[int] = mapped_column(sa.Integer)
    speaker: Mapped[str | None] = mapped_column(sa.String(300))
    delegation: Mapped[str | None] = mapped_column(sa.String(300))
    language: Mapped[str | None] = mapped_column(sa.String(16))
    original_language: Mapped[str | None] = mapped_column(sa.String(16))
    turn: Mapped[int | None] = mapped_column(sa.Integer)
    codable: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    document: Mapped[Document] = relationship(back_populates="passages")
