"""Markdown markup taken out of the text coders read: emphasis, headings, links, list bullets.

Only the markup goes; every word stays. A heading line becomes a heading paragraph (the
normaliser reports where it starts, and the segmenter makes it a non-codable heading passage).
What counts as markup follows CommonMark where it matters for these documents:
- `**x**`, `__x__`, `*x*`, `_x_`, `~~x~~` lose their markers; an underscore inside a word
  (`snake_case`, a URL) is not emphasis, and an unpaired `*` (a footnote mark) stays;
- `[text](url)` and `![alt](url)` keep the text, `<http://...>` keeps the address;
- `` `code` `` keeps the code; a backslash escape keeps the escaped character;
- `# Heading #`, list bullets (`-`, `*`, `+`) and block quotes (`>`) lose their markers;
  numbered list items keep their numbers, which are part of what the text says.
"""

from __future__ import annotations

import re

from workbench.core.corpus.furniture import is_page_furniture

MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown"})

_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*")
_BULLET = re.compile(r" {0,3}[-*+][ \t]+(?=\S)")
_QUOTE = re.compile(r" {0,3}>[ \t]?")
_RULE = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})")

_LINK = re.compile(r"!?\[(?P<text>[^\]\n]*)\]\((?P<url>[^()\s]*(?:\([^()\s]*\))?[^()\s]*)"
                   r"(?:[ \t]+\"[^\"\n]*\")?\)")  # fmt: skip
_AUTOLINK = re.compile(r"<(?P<url>(?:https?|ftp|mailto):[^<>\s]+|[\w.+-]+@[\w-]+\.[\w.-]+)>")
_CODE = re.compile(r"`(?P<text>[^`\n]+)`")
_STRONG_STAR = re.compile(r"\*\*(?=[^\s*])(?P<text>.+?)(?<=[^\s\\])\*\*")
_STRONG_UNDERSCORE = re.compile(
    r"(?<![A-Za-z0-9_\\])__(?=[^\s_])(?P<text>.+?)(?<=[^\s\\])__(?![A-Za-z0-9_])"
)
_EM_STAR = re.compile(r"(?<![*\\])\*(?=[^\s*])(?P<text>[^*\n]+?)(?<=[^\s*\\])\*(?!\*)")
_EM_UNDERSCORE = re.compile(
    r"(?<![A-Za-z0-9_\\])_(?=[^\s_])(?P<text>[^_\n]+?)(?<=[^\s_\\])_(?![A-Za-z0-9_])"
)
_STRIKE = re.compile(r"~~(?=\S)(?P<text>.+?)(?<=\S)~~")
_ESCAPE = re.compile(r"\\(?P<char>[\\`*_{}\[\]()#+\-.!>~|])")
_INLINE_SIGNS = ("*", "_", "[", "`", "<", "~", "\\")

# Evidence that a text is Markdown although its file is called .txt (the verbatim records
# converted from PDF are): headings, bold runs, links.
_SIGN_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_SIGN_STRONG = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")
_SIGN_LINK = re.compile(r"\]\([^)\s]+\)")
_SAMPLE = 20000


def looks_like_markdown(text: str) -> bool:
    """Whether a text is written in Markdown: headings with bold or links, or much bold."""
    sample = text[:_SAMPLE]
    if "#" not in sample and "**" not in sample and "__" not in sample and "](" not in sample:
        return False
    headings = len(_SIGN_HEADING.findall(sample))
    strong = len(_SIGN_STRONG.findall(sample))
    links = len(_SIGN_LINK.findall(sample))
    return (headings >= 1 and strong + links >= 1) or headings >= 2 or strong >= 3 or links >= 2


def block(line: str) -> tuple[str, bool]:
    """A line without its block markers (heading, bullet, quote), and whether it is a heading."""
    if "#" in line[:4]:
        heading = _HEADING.fullmatch(line)
        if heading is not None:
            return (heading.group("text") or "").strip(), True
    if _RULE.fullmatch(line) or is_page_furniture(line):
        return line, False  # "***" and "- 3 -" are furniture, not bullets
    while True:
        marker = _QUOTE.match(line) or _BULLET.match(line)
        if marker is None or marker.end() == 0:
            return line, False
        line = line[marker.end() :]


def inline(text: str) -> str:
    """A line's text without inline markup (emphasis, links, code, escapes)."""
    if not any(sign in text for sign in _INLINE_SIGNS):
        return text
    # Escaped characters are parked in the private use area so no rule below treats them
    # as markup, then restored.
    text = _ESCAPE.sub(lambda m: chr(0xF0000 + ord(m.group("char"))), text)
    text = _CODE.sub(r"\g<text>", text)
    text = _LINK.sub(r"\g<text>", text)
    text = _AUTOLINK.sub(r"\g<url>", text)
    for pattern in (_STRONG_STAR, _STRONG_UNDERSCORE, _STRIKE, _EM_STAR, _EM_UNDERSCORE):
        previous = None
        while previous != text:  # nested emphasis ("***x***") comes off one layer at a time
            previous = text
            text = pattern.sub(r"\g<text>", text)
    return "".join(chr(ord(ch) - 0xF0000) if ord(ch) >= 0xF0000 else ch for ch in text)
