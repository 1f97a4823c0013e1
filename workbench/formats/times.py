"""Times as files write them: ISO 8601, read into UTC."""

from __future__ import annotations

import datetime as dt


def parse_utc(text: str) -> dt.datetime | None:
    """An ISO 8601 time in UTC (a time without zone is taken as UTC); None when blank.

    Raises ValueError when the text is no ISO 8601 time."""
    if not text.strip():
        return None
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
