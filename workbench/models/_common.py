"""Column helpers shared by the model modules."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Annotated

from sqlalchemy import JSON
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import MappedColumn
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that always comes back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        elif value is not None:
            # SQLite keeps the wall-clock time and drops the offset: an instant in another
            # zone (PostgreSQL answers in its session's zone) would move by that offset.
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


# Column kinds most tables share, written once (``id: Mapped[IntPk]``); a column adds its own
# options on top, e.g. ``project_id: Mapped[ProjectRef] = mapped_column(index=True)``.
IntPk = Annotated[int, mapped_column(primary_key=True)]
# The project a row belongs to: deleting the project deletes the row.
ProjectRef = Annotated[int, mapped_column(ForeignKey("project.id", ondelete="CASCADE"))]
# The passage a row is about: deleting the passage deletes the row.
PassageRef = Annotated[int, mapped_column(ForeignKey("passage.id", ondelete="CASCADE"))]
# The account whose work a row is: deleting the account deletes the row.
UserRef = Annotated[int, mapped_column(ForeignKey("user.id", ondelete="CASCADE"))]
# The code a row applies: deleting the code deletes the row.
CodeRef = Annotated[int, mapped_column(ForeignKey("code.id", ondelete="CASCADE"))]
# The user who did something, kept as NULL once the account is deleted (the row outlives it).
UserRefOrNull = Annotated[int | None, mapped_column(ForeignKey("user.id", ondelete="SET NULL"))]
# When something happened, set on insert.
Timestamp = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
# Free text that starts empty (memos, notes, definitions).
LongText = Annotated[str, mapped_column(Text, default="")]


# A mixin's columns would come after the class's own; these ranks keep the leading columns of
# every table where the migrations put them: id, project, passage, coder.
_ID, _PROJECT, _PASSAGE, _CODER = range(-4, 0)


def indexed_project() -> MappedColumn[int]:
    """Declare ``project_id`` with an index of its own, for tables read by project alone."""
    return mapped_column(index=True, sort_order=_PROJECT)


class ProjectRow:
    """The columns most tables start with: the row's id and the project it belongs to."""

    id: Mapped[IntPk] = mapped_column(sort_order=_ID)
    project_id: Mapped[ProjectRef] = mapped_column(sort_order=_PROJECT)


class PassageRow(ProjectRow):
    """A project's row about one passage."""

    passage_id: Mapped[PassageRef] = mapped_column(sort_order=_PASSAGE)


class CoderPassageRow(PassageRow):
    """One coder's row about one passage: their annotation, state or assignment."""

    coder_id: Mapped[UserRef] = mapped_column(sort_order=_CODER)
