"""Length limits for every free-text field, in one place (pure: no Flask, no database).

Services check these before anything reaches the database, so a value that is too long is
refused with a message that states its length and the limit, and a 10 MB definition can never
make every coder's page 10 MB.
"""

from __future__ import annotations

import re

# Codes: what a coder reads beside every passage.
CODE_NAME = 200
CODE_TEXT = 20_000  # definition, inclusion, exclusion, each list of examples
KEYWORDS = 5_000  # all keywords of one language together
COLOUR = 7  # "#RRGGBB"
SHORTCUT = 1
CODEBOOK_NOTE = 2_000  # the change note of a codebook version
STANCE_LABEL = 100
# Coding.
MEMO = 20_000
# Accounts and projects.
USERNAME = 80
DISPLAY_NAME = 200
PASSWORD = 1_000  # hashing a megabyte-long password on every attempt is a denial of service
PROJECT_NAME = 200
PROJECT_DESCRIPTION = 5_000
# Documents: the metadata fields the lead corrects in the reader.
METADATA_FIELDS: dict[str, int] = {"title": 500, "meeting_symbol": 80, "language": 16}
METADATA_VALUE = 500  # any other metadata field (source, speaker, delegation...)
# Reliability rounds and adjudication.
ROUND_NAME = 200
# Filters and searches in a query string.
SEARCH = 500

# Per field name, for services that take a dict of fields.
CODE_FIELDS: dict[str, int] = {
    "name": CODE_NAME,
    "definition": CODE_TEXT,
    "inclusion": CODE_TEXT,
    "exclusion": CODE_TEXT,
    "name_zh": CODE_NAME,
    "definition_zh": CODE_TEXT,
    "inclusion_zh": CODE_TEXT,
    "exclusion_zh": CODE_TEXT,
    "examples_positive": CODE_TEXT,
    "examples_negative": CODE_TEXT,
    "keywords_en": KEYWORDS,
    "keywords_zh": KEYWORDS,
    "colour": COLOUR,
    "shortcut": SHORTCUT,
}


def too_long(field: str, value: str, limit: int) -> str | None:
    """Return the message for a value over its limit (stating both lengths), or None."""
    if len(value) <= limit:
        return None
    return f"{field} is {len(value):,} characters; the limit is {limit:,}."


# Whole numbers stored in the schema's integer columns (ids, positions, counts) are 32-bit.
INT_MAX = 2**31 - 1
_COUNTING = re.compile(r"[0-9]{1,10}")


def counting_number(text: str, maximum: int = INT_MAX) -> int | None:
    """Read an id, position or count written in ASCII digits; None for anything else.

    ``str.isdigit`` also accepts "²" and "①", which ``int`` then refuses, and a number past the
    schema's range fails in the database: both must be a message, never a server error.
    """
    value = text.strip()
    if not _COUNTING.fullmatch(value):
        return None
    number = int(value)
    return number if number <= maximum else None
