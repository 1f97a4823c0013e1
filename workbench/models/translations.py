"""Links between documents (versions of one statement, a report and its statement), aligned
passages between versions and quotations traced from reports into statements."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from workbench.db import Base
from workbench.models._common import IntPk
from workbench.models._common import JSONType
from workbench.models._common import ProjectRow
from workbench.models._common import Timestamp
from workbench.models._common import UserRefOrNull

LINK_KINDS = ("translation", "report")
QUOTE_KINDS = ("exact", "near", "paraphrase")


def _document() -> sa.ForeignKey:
    # The document a row is about: deleting the document deletes the row.
    return sa.ForeignKey("document.id", ondelete="CASCADE")


def _passage() -> sa.ForeignKey:
    return sa.ForeignKey("passage.id", ondelete="CASCADE")


class DocumentLink(ProjectRow, Base):
    """Two documents linked by the lead: versions of one statement, or a report and its source.

    For a translation the source is the original (or the first version) and the target the
    other version; for a report the source is the report and the target the statement.
    """

    __tablename__ = "document_link"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "target_id"),
        sa.CheckConstraint("kind IN ('translation', 'report')", name="kind"),
        sa.CheckConstraint("source_id <> target_id", name="two_documents"),
        sa.Index("ix_document_link_target_id", "target_id"),
    )

    source_id: Mapped[int] = mapped_column(_document())
    target_id: Mapped[int] = mapped_column(_document())
    kind: Mapped[str] = mapped_column(sa.String(20))
    created_by_id: Mapped[UserRefOrNull]
    created_at: Mapped[Timestamp]


class AlignmentPair(Base):
    """One aligned pair of a translation link: units of each version, in reading order.

    A unit is ``[passage_id, start, end]`` (code points inside the passage): a whole passage, or
    a sentence of a passage whose paragraph breaks were lost. One side may be empty (a passage
    the other version does not have).
    """

    __tablename__ = "alignment_pair"
    __table_args__ = (
        sa.UniqueConstraint("link_id", "position"),
        sa.CheckConstraint(
            "relation IN ('1-1', '1-n', 'n-1', 'n-n', 'source-only', 'target-only')",
            name="relation",
        ),
    )

    id: Mapped[IntPk]
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("document_link.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    relation: Mapped[str] = mapped_column(sa.String(20))
    source_units: Mapped[list[Any]] = mapped_column(JSONType)
    target_units: Mapped[list[Any]] = mapped_column(JSONType)
    corrected: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class Quotation(ProjectRow, Base):
    """A stretch of a report that reproduces words of a statement's sentence(s)."""

    __tablename__ = "quotation"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('exact', 'near', 'paraphrase')", name="kind"),
        sa.CheckConstraint("report_id <> statement_id", name="two_documents"),
        sa.Index("ix_quotation_report_id", "report_id"),
        sa.Index("ix_quotation_statement_id", "statement_id"),
    )

    report_id: Mapped[int] = mapped_column(_document())
    statement_id: Mapped[int] = mapped_column(_document())
    report_passage_id: Mapped[int] = mapped_column(_passage())
    report_start: Mapped[int] = mapped_column(sa.Integer)
    report_end: Mapped[int] = mapped_column(sa.Integer)
    report_text: Mapped[str] = mapped_column(sa.Text)
    statement_passage_id: Mapped[int] = mapped_column(_passage())
    statement_start: Mapped[int] = mapped_column(sa.Integer)
    statement_end: Mapped[int] = mapped_column(sa.Integer)
    statement_text: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(12))
    score: Mapped[float] = mapped_column(sa.Float)
    quoted: Mapped[bool] = mapped_column(sa.Boolean)
