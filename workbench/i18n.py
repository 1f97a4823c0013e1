"""The interface languages, their catalogs, and the choice of one from what a browser asks for."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO

from babel.support import NullTranslations
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT = "en"
# Interface languages, each named in its own language for the switcher. English is the source
# language of every message, so it has no catalog.
LANGUAGES: dict[str, str] = {"en": "English", "zh_Hans": "简体中文"}
# The value of <html lang>: BCP 47 tags, not Babel's underscores.
HTML_LANG: dict[str, str] = {"en": "en", "zh_Hans": "zh-Hans"}


def normalise(tag: str | None) -> str | None:
    """Map a language tag (zh-CN, zh_Hans, en-GB, ...) onto an interface language, or None."""
    if not tag:
        return None
    parts = tag.replace("_", "-").lower().split("-")
    if parts[0] == "zh":
        # The one Chinese catalog is in simplified characters; a reader of traditional ones
        # still reads it more easily than English.
        return "zh_Hans"
    if parts[0] == "en":
        return "en"
    return None


def negotiate(accepted: list[tuple[str, float]]) -> str | None:
    """The best interface language for an Accept-Language list of (tag, quality), or None."""
    for tag, quality in sorted(accepted, key=lambda item: -item[1]):
        if quality <= 0:
            continue
        found = normalise(tag)
        if found is not None:
            return found
    return None


def command_line_language() -> str:
    """The language of command-line output: WORKBENCH_LANG, then LC_ALL, LC_MESSAGES, LANG."""
    for name in ("WORKBENCH_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".")[0]
        if value and value not in {"C", "POSIX"}:
            return normalise(value) or DEFAULT
    return DEFAULT


@lru_cache(maxsize=len(LANGUAGES))
def catalog(locale: str) -> NullTranslations:
    """The compiled message catalog of an interface language (English: no translation)."""
    return Translations.load(str(LOCALE_DIR), [locale], domain="messages")


def extract_column_descriptions(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for data/columns.json: each column's description is a message.

    The export's column dictionary is shown in the language of whoever asks for the export, so
    the descriptions kept in that file belong in the catalogs like any marked message.
    """
    tables = json.loads(fileobj.read().decode("utf-8"))
    for name, rows in tables.items():
        if name.startswith("_"):
            continue
        for row in rows.values() if isinstance(rows, dict) else rows:
            if isinstance(row, list) and len(row) > 1 and row[1]:
                yield 1, "N_", row[1], []
