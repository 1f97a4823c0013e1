"""Annotations, per-coder passage state, assignments, rounds and the consensus layer."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from workbench.db import Base
from workbench.models._common import CodeRef
from workbench.models._common import CoderPassageRow
from workbench.models._common import JSONType
from workbench.models._common import LongText
from workbench.models._common import PassageRow
from workbench.models._common import ProjectRef
from workbench.models._common import ProjectRow
from workbench.models._common import Timestamp
from workbench.models._common import UserRef
from workbench.models._common import UserRefOrNull
from workbench.models._common import indexed_project


class Annotation(CoderPassageRow, Base):
    """A coder's application of a code to a passage, with stance, memo and optional span."""

    __tablename__ = "annotation"
    __table_args__ = (
        sa.UniqueConstraint("passage_id", "coder_id", "code_id"),
        sa.CheckConstraint(
            "(span_start IS NULL AND span_end IS NULL) OR "
            "(span_start >= 0 AND span_end > span_start)",
            name="span",
        ),
        sa.Index("ix_annotation_project_coder", "project_id", "coder_id"),
        sa.Index("ix_annotation_code", "code_id"),
    )

    code_id: Mapped[CodeRef]
    stance: Mapped[int | None] = mapped_column(sa.Integer)
    memo: Mapped[LongText]
    span_start: Mapped[int | None] = mapped_column(sa.Integer)
    span_end: Mapped[int | None] = mapped_column(sa.Integer)
    codebook_version: Mapped[int] = mapped_column(sa.Integer, default=0)
    code_revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    # Whether a coding suggestion for this code was on screen when the coder applied it, and
    # whether the coder applied it by accepting that suggestion (an assisted coding).
    suggestion_shown: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    suggestion_accepted: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )


class PassageState(CoderPassageRow, Base):
    """A coder's explicit state for a passage: present means coded ("nothing applies" counts)."""

    __tablename__ = "passage_state"
    __table_args__ = (
        sa.UniqueConstraint("passage_id", "coder_id"),
        sa.Index("ix_passage_state_project_coder", "project_id", "coder_id"),
    )

    coded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    memo: Mapped[LongText]
    updated_at: Mapped[Timestamp]


class ReliabilityRound(ProjectRow, Base):
    """A sample of passages coded blind by chosen coders; its consensus may become gold."""

    __tablename__ = "reliability_round"

    name: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[UserRefOrNull]
    created_at: Mapped[Timestamp]
    codebook_version: Mapped[int] = mapped_column(sa.Integer, default=0)
    sample: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_gold: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    pass_threshold: Mapped[float | None] = mapped_column(sa.Float)


class GoldAttempt(ProjectRow, Base):
    """A coder's result on a gold round as they first saw it complete, in a blind project.

    From then on the coder is shown these figures, not live ones: live, they would move with
    each change to one of the round's codings, and changing one and reloading would tell the
    coder that passage's gold coding. A lead who lets the coder try again deletes the row.
    """

    __tablename__ = "gold_attempt"
    __table_args__ = (sa.UniqueConstraint("round_id", "coder_id"),)

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("reliability_round.id", ondelete="CASCADE"))
    coder_id: Mapped[UserRef]
    # units, total, accuracy, kappa and by_code (code name -> units, accuracy, kappa).
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType)
    seen_at: Mapped[Timestamp]


class Assignment(CoderPassageRow, Base):
    """A passage in a coder's queue, from a document assignment, a sample or a round."""

    __tablename__ = "assignment"
    __table_args__ = (
        sa.UniqueConstraint("passage_id", "coder_id", "round_id"),
        # NULLs never clash in a unique constraint, so production assignments (no round) need
        # their own partial index to stay unique per passage and coder.
        sa.Index(
            "uq_assignment_passage_coder_production",
            "passage_id",
            "coder_id",
            unique=True,
            sqlite_where=sa.text("round_id IS NULL"),
            postgresql_where=sa.text("round_id IS NULL"),
        ),
        sa.Index("ix_assignment_project_coder", "project_id", "coder_id"),
    )

    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reliability_round.id", ondelete="CASCADE")
    )
    overlap: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[Timestamp]


class ConsensusAnnotation(PassageRow, Base):
    """The adjudicated code (and stance) of a passage, kept apart from every coder's layer."""

    __tablename__ = "consensus_annotation"
    __table_args__ = (sa.UniqueConstraint("passage_id", "code_id"),)

    project_id: Mapped[ProjectRef] = indexed_project()
    code_id: Mapped[CodeRef]
    stance: Mapped[int | None] = mapped_column(sa.Integer)
    memo: Mapped[LongText]
    resolved_by_id: Mapped[UserRefOrNull]
    resolved_at: Mapped[Timestamp]


class ConsensusState(PassageRow, Base):
    """Marks a passage as adjudicated (possibly to "no code applies")."""

    __tablename__ = "consensus_state"
    __table_args__ = (sa.UniqueConstraint("passage_id"),)

    project_id: Mapped[ProjectRef] = indexed_project()
    resolved_by_id: Mapped[UserRefOrNull]
    resolved_at: Mapped[Timestamp]
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reliability_round.id", ondelete="SET NULL")
    )
    # The lead's memo on the adjudication: why the passage was resolved this way.
    memo: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
