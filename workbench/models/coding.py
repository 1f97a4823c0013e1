"""Annotations, per-coder passage state, assignments, rounds and the consensus layer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from workbench.db import Base
from workbench.models._common import JSONType, UTCDateTime, utcnow


class Annotation(Base):
    """A coder's application of a code to a passage, with stance, memo and optional span."""

    __tablename__ = "annotation"
    __table_args__ = (
        UniqueConstraint("passage_id", "coder_id", "code_id"),
        CheckConstraint(
            "(span_start IS NULL AND span_end IS NULL) OR "
            "(span_start >= 0 AND span_end > span_start)",
            name="span",
        ),
        Index("ix_annotation_project_coder", "project_id", "coder_id"),
        Index("ix_annotation_code", "code_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    passage_id: Mapped[int] = mapped_column(ForeignKey("passage.id", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"))
    stance: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(Text, default="")
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    codebook_version: Mapped[int] = mapped_column(Integer, default=0)
    code_revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PassageState(Base):
    """A coder's explicit state for a passage: present means coded ("nothing applies" counts)."""

    __tablename__ = "passage_state"
    __table_args__ = (
        UniqueConstraint("passage_id", "coder_id"),
        Index("ix_passage_state_project_coder", "project_id", "coder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    passage_id: Mapped[int] = mapped_column(ForeignKey("passage.id", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    coded: Mapped[bool] = mapped_column(Boolean, default=False)
    memo: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReliabilityRound(Base):
    """A sample of passages coded blind by chosen coders; its consensus may become gold."""

    __tablename__ = "reliability_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    codebook_version: Mapped[int] = mapped_column(Integer, default=0)
    sample: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_threshold: Mapped[float | None] = mapped_column(Float)


class Assignment(Base):
    """A passage in a coder's queue, from a document assignment, a sample or a round."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("passage_id", "coder_id", "round_id"),
        # NULLs never clash in a unique constraint, so production assignments (no round) need
        # their own partial index to stay unique per passage and coder.
        Index(
            "uq_assignment_passage_coder_production",
            "passage_id",
            "coder_id",
            unique=True,
            sqlite_where=text("round_id IS NULL"),
            postgresql_where=text("round_id IS NULL"),
        ),
        Index("ix_assignment_project_coder", "project_id", "coder_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    passage_id: Mapped[int] = mapped_column(ForeignKey("passage.id", ondelete="CASCADE"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("reliability_round.id", ondelete="CASCADE")
    )
    overlap: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsensusAnnotation(Base):
    """The adjudicated code (and stance) of a passage, kept apart from every coder's layer."""

    __tablename__ = "consensus_annotation"
    __table_args__ = (UniqueConstraint("passage_id", "code_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    passage_id: Mapped[int] = mapped_column(ForeignKey("passage.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"))
    stance: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsensusState(Base):
    """Marks a passage as adjudicated (possibly to "no code applies")."""

    __tablename__ = "consensus_state"
    __table_args__ = (UniqueConstraint("passage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), index=True
    )
    passage_id: Mapped[int] = mapped_column(ForeignKey("passage.id", ondelete="CASCADE"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("reliability_round.id", ondelete="SET NULL")
    )
    # The lead's memo on the adjudication: why the passage was resolved this way.
    memo: Mapped[str] = mapped_column(Text, default="", server_default="")
