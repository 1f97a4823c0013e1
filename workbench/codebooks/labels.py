"""A code's texts in the reader's language: the Chinese or the primary version, whichever is set."""

from __future__ import annotations

from typing import NamedTuple

from workbench.core.codebook_labels import CHINESE_SUFFIX


class CodePath(NamedTuple):
    """A code's path from the top in both languages, for pickers (``code_text(p, "path")``)."""

    path: str
    path_zh: str


def code_text(code: object, field: str, language: str) -> str:
    """The code's text (name, definition, inclusion, exclusion, path) in an interface language.

    A Chinese interface shows the Chinese text; any other shows the primary one. When the
    preferred text is empty the other is shown, so a code is never blank for want of a
    translation. Works on stored codes, snapshots and specs alike (anything with the fields).
    """
    primary = str(getattr(code, field, "") or "")
    chinese = str(getattr(code, field + CHINESE_SUFFIX, "") or "")
    if is_chinese(language):
        return chinese if chinese.strip() else primary
    return primary if primary.strip() else chinese


def is_chinese(language: str) -> bool:
    """Whether an interface language (``zh_Hans``, ``zh-CN`` ...) reads the Chinese texts."""
    return language.replace("-", "_").lower().split("_")[0] == "zh"
