"""The codebook as stored: codes and the versions of the whole codebook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from workbench.db import Base
from workbench.models._common import JSONType
from workbench.models._common import LongText
from workbench.models._common import ProjectRef
from workbench.models._common import ProjectRow
from workbench.models._common import Timestamp
from workbench.models._common import UserRefOrNull
from workbench.models._common import UTCDateTime
from workbench.models._common import indexed_project


class Code(ProjectRow, Base):
    """A code of the project's codebook; deleted codes are kept (deleted_at) so undo can work."""

    __tablename__ = "code"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "key"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    project_id: Mapped[ProjectRef] = indexed_project()
    key: Mapped[str] = mapped_column(sa.String(40))  # GUID, stable across exports
    # NO ACTION, checked at the end of a statement: a parent can't be removed from under its
    # children, yet deleting a whole project (all its codes at once) works on SQLite too.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("code.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    definition: Mapped[LongText]
    inclusion: Mapped[LongText]
    exclusion: Mapped[LongText]
    # The same four texts in Chinese; the fields above are the English (or only) version. The
    # interface shows its own language's text and falls back to the other.
    name_zh: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    definition_zh: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    inclusion_zh: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    exclusion_zh: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    examples_positive: Mapped[LongText]
    examples_negative: Mapped[LongText]
    keywords_en: Mapped[list[str]] = mapped_column(JSONType, default=list)
    keywords_zh: Mapped[list[str]] = mapped_column(JSONType, default=list)
    colour: Mapped[str] = mapped_column(sa.String(7), default="#888888")
    shortcut: Mapped[str | None] = mapped_column(sa.String(1))
    takes_stance: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    is_codable: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Bumped when the meaning changes (definition, rules, examples): annotations made under
    # an older revision are flagged in the coding view.
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The code a merge folded this one into (it is deleted then): codings that come back later
    # (undoing a document's deletion) go where the merge sent the others.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("code.id", ondelete="SET NULL")
    )


class CodebookVersion(ProjectRow, Base):
    """One numbered state of the codebook, with author, time, note and the change list."""

    __tablename__ = "codebook_version"
    __table_args__ = (sa.UniqueConstraint("project_id", "number"),)

    number: Mapped[int] = mapped_column(sa.Integer)
    author_id: Mapped[UserRefOrNull]
    created_at: Mapped[Timestamp]
    note: Mapped[LongText]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
