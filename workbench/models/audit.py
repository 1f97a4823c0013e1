"""The append-only history of annotation, passage and codebook changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from workbench.db import Base
from workbench.models._common import JSONType
from workbench.models._common import ProjectRow
from workbench.models._common import Timestamp
from workbench.models._common import UserRef
from workbench.models._common import UserRefOrNull
from workbench.models._common import UTCDateTime


class AuditEvent(ProjectRow, Base):
    """Who changed what, when, with the state before and after. Rows are never updated."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_passage", "passage_id"),
        sa.Index("ix_audit_event_project_at", "project_id", "at"),
    )

    actor_id: Mapped[UserRefOrNull]
    at: Mapped[Timestamp]
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None] = mapped_column(sa.Integer)
    passage_id: Mapped[int | None] = mapped_column(sa.Integer)  # no FK: history outlives passages
    action: Mapped[str] = mapped_column(sa.String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


class ExportJob(ProjectRow, Base):
    """A large export run in the background, with progress and a download when ready."""

    __tablename__ = "export_job"

    requested_by_id: Mapped[UserRefOrNull]
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    total: Mapped[int] = mapped_column(sa.Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    path: Mapped[str | None] = mapped_column(sa.String(1000))
    error: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[Timestamp]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportFileChunk(Base):
    """One piece of a finished job's file kept in the database, so every app server can send it.

    Files are cut into pieces of about a mebibyte: written and read one piece at a time, a large
    export never sits whole in a worker's or a web server's memory.
    """

    __tablename__ = "export_file_chunk"

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("export_job.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class PendingImport(ProjectRow, Base):
    """An upload waiting between the preview of its import and its application.

    Kept in the database, not on one server's disk, so the lead's "apply" may reach any app
    server; bound to the project, the user who previewed it and the kind of import."""

    __tablename__ = "pending_import"
    __table_args__ = (sa.Index("ix_pending_import_created_at", "created_at"),)

    token: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[UserRef]
    filename: Mapped[str] = mapped_column(sa.String(500))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[Timestamp]
