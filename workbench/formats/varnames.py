"""Column names that R, Stata, SPSS and pandas take unchanged (pure).

Rules: ASCII letters, digits and underscores only; starts with a letter; at most 32 characters
(Stata's limit); unique without regard to case (SPSS and Windows tools fold case); never a
word Stata or R reserves. Names are derived from text (a code path, a coder's username)
deterministically, so the same project exported twice gets the same column names, and the
About sheet maps every column back to what it stands for.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 32
# Stata's reserved names and R's reserved words (lower case; comparisons fold case).
_RESERVED_TEXT = """
    _all _b _coef _cons _n _pi _pred _rc _se _skip b byte coef cons double else float for
    function if in int long n na nan null pi pred rc repeat se skip str strl using while with
    true false break next inf
"""
RESERVED = frozenset(_RESERVED_TEXT.split())
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9]+")


def ascii_words(text: str) -> str:
    """Transliterate what NFKD can (é -> e) and join the remaining words with underscores."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("_", plain).strip("_").lower()


def safe_name(text: str, fallback: str = "v", *, max_length: int = MAX_LENGTH) -> str:
    """Turn text into one safe variable name (not yet unique); fallback when nothing is left."""
    name = ascii_words(text) or ascii_words(fallback) or "v"
    if not name[0].isalpha():
        name = "v_" + name
    name = name[:max_length].rstrip("_")
    if name.lower() in RESERVED:
        name = (name + "_")[:max_length] if len(name) < max_length else "v_" + name[:-2]
    return name


class NameRegistry:
    """Hands out unique safe names: a clash gets _2, _3, ... within the length limit."""

    def __init__(self, taken: tuple[str, ...] = ()) -> None:
        self._taken = {t.lower() for t in taken}

    def take(
        self, text: str, fallback: str = "v", *, suffix: str = "", max_length: int = MAX_LENGTH
    ) -> str:
        """Return a unique name for text, ending in suffix (e.g. "_p") when one is given."""
        base = safe_name(text, fallback, max_length=max_length - len(suffix))
        name = base + suffix
        n = 2
        while name.lower() in self._taken or name.lower() in RESERVED:
            tag = f"_{n}"
            name = base[: max_length - len(suffix) - len(tag)].rstrip("_") + tag + suffix
            n += 1
        self._taken.add(name.lower())
        return name


def is_safe_name(name: str) -> bool:
    """Tell whether name already follows the rules (used by tests and the importer)."""
    return (
        0 < len(name) <= MAX_LENGTH
        and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) is not None
        and name.lower() not in RESERVED
    )
