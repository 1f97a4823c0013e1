"""Coding suggestions: the project's trained models and the codes the lead enabled."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import column_property
from sqlalchemy.orm import mapped_column

from workbench.db import Base
from workbench.models._common import CodeRef
from workbench.models._common import JSONType
from workbench.models._common import ProjectRow
from workbench.models._common import Timestamp
from workbench.models._common import UserRefOrNull
from workbench.models.accounts import Project


class SuggestionModel(ProjectRow, Base):
    """A project's trained suggestion models with every code's cross-validated evaluation.

    One row per project: training again replaces it. ``model`` is a numpy archive (no pickle).
    """

    __tablename__ = "suggestion_model"
    __table_args__ = (sa.UniqueConstraint("project_id"),)

    trained_at: Mapped[Timestamp]
    trained_by_id: Mapped[UserRefOrNull]
    passages: Mapped[int] = mapped_column(sa.Integer, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    evaluations: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Deferred: the models are unpickled once per process (quality.suggestions.loaded_models),
    # so the blob is read only by a process that has not loaded them yet.
    model: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


# Read with every project, in the same statement: a coding action in a project without a trained
# model (most projects) then asks nothing more about suggestions. Mapped here, after both
# classes, so that the accounts module imports no other.
sa.inspect(Project).add_property(
    "has_suggestion_model",
    column_property(sa.exists().where(SuggestionModel.project_id == Project.id)),
)


class SuggestionCode(ProjectRow, Base):
    """A code the lead enabled suggestions for (shown only while its evaluation is ready)."""

    __tablename__ = "suggestion_code"
    __table_args__ = (sa.UniqueConstraint("project_id", "code_id"),)

    code_id: Mapped[CodeRef]
    enabled_by_id: Mapped[UserRefOrNull]
    enabled_at: Mapped[Timestamp]
