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
# The user who did something, kept as NULL once the account is deleted (the row outlives it).
UserRefOrNull = Annotated[int | None, mapped_column(ForeignKey("user.id", ondelete="SET NULL"))]
# When something happened, set on insert.
Timestamp = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
# Free text that starts empty (memos, notes, definitions).
LongText = Annotated[str, mapped_column(Text, default="")]
