"""Times as files write them: ISO 8601, read into UTC."""

from __future__ import annotations

import datetime as dt


def parse_utc(text: str) -> dt.datetime | None:
    """An ISO 8601 time in UTC (a time without zone is taken as UTC); None when blank.

    Raises ValueError when the text is no ISO 8601 time."""
    if not text.strip():
        return None
    value = dt.datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        # "9999-12-31T23:59:59-01:00" is a valid time whose UTC falls past year 9999.
        raise ValueError(f"{text.strip()} falls outside the years 1-9999 in UTC") from None
