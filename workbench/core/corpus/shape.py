"""Surface shape of a line of text: does it end a sentence, is it CJK, does it read as prose."""

from __future__ import annotations

import re

SENTENCE_END = frozenset(".?!:;。！？：；…")
# Closing quotes, brackets and markdown emphasis that may follow the sentence-final mark.
CLOSERS = "\"'”’」』）)】》]*"
# "... pandemic. (Xinhua)": a short credit after a finished sentence does not reopen it.
_TRAILING_CREDIT = re.compile(r"[.?!。！？][\"'”’]?\s*[（(][^()（）]{1,30}[)）]$")
_EN_CLAUSE = re.compile(r"[,;:.?!] ")
_ZH_CLAUSE = re.compile(r"[，。；！？、：]")
_FUNCTION_WORDS = frozenset(
    (
        "the", "a", "an", "of", "to", "in", "on", "at", "by", "for", "with", "from", "and", "or",
        "but", "nor", "that", "which", "who", "whose", "whom", "between", "among", "into",
        "upon", "as", "than", "its", "their", "our", "his", "her", "this", "these", "those",
        "both", "either", "neither", "such", "is", "are", "was", "were", "be", "been", "has",
        "have", "had", "will", "would", "shall", "should", "can", "could", "may", "might",
        "must", "not", "very", "more", "most", "all", "any", "each", "every", "whether", "if",
    )
)  # fmt: skip


def is_cjk(ch: str) -> bool:
    """Whether a character is a Han ideograph or CJK/full-width punctuation."""
    return (
        "\u2e80" <= ch <= "\u9fff"
        or "\uf900" <= ch <= "\ufaff"
        or "\ufe30" <= ch <= "\ufe4f"
        or "\uff00" <= ch <= "\uffef"
    )


def ends_sentence(text: str) -> bool:
    """Whether a line ends with sentence-final punctuation (closers and credits allowed)."""
    text = text.rstrip()
    if not text:
        return False
    if text[-1] in ")）" and _TRAILING_CREDIT.search(text):
        return True
    text = text.rstrip(CLOSERS)
    return bool(text) and text[-1] in SENTENCE_END


def reads_as_prose(text: str) -> bool:
    """Whether a paragraph looks like running text rather than a title, menu or heading."""
    if _ZH_CLAUSE.search(text):
        return True
    return len(text) >= 150 or (len(text) >= 60 and _EN_CLAUSE.search(text) is not None)


def ends_with_function_word(text: str) -> bool:
    """Whether an English line stops on a word that cannot end a sentence ("the", "of", ...)."""
    if not text or not text[-1].isalpha() or not text[-1].islower():
        return False
    return text[text.rfind(" ") + 1 :] in _FUNCTION_WORDS


def starts_lowercase(text: str) -> bool:
    """Whether a line starts with a lower-case letter (a sentence continuing)."""
    return bool(text) and text[0].islower()
