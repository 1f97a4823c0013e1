"""Plain text from HTML: scripts and styles dropped, block elements kept as paragraphs.

Navigation menus and footers are kept on purpose: the segmenter marks them non-codable, so a
coder can still see everything the page said.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html

from workbench.core.corpus.types import CorpusError
from workbench.core.i18n import _

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object"})
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_BREAK = "\x00"  # a paragraph boundary, resolved after the walk
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def html_to_text(markup: str, filename: str) -> str:
    """Extract readable text from an HTML document, one block element per paragraph."""
    if not markup.strip():
        raise CorpusError(_("%(filename)s: the file is empty", filename=filename))
    # lxml refuses a str that still carries an encoding declaration; the text is decoded already.
    markup = _XML_DECLARATION.sub("", markup.replace("\x00", ""), count=1)
    try:
        root = html.document_fromstring(markup)
    except (etree.LxmlError, ValueError) as exc:
        raise CorpusError(
            _("%(filename)s: cannot be read as HTML (%(exc)s)", filename=filename, exc=exc)
        ) from exc
    pieces: list[str] = []
    pre_depth = 0
    # An explicit stack instead of recursion: deeply nested pages must not hit the recursion
    # limit, and unlike etree.iterwalk it visits comments, whose tail text belongs to the page.
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        name = element.tag.lower() if isinstance(element.tag, str) else ""
        if closing:
            if name == "pre":
                pre_depth -= 1
            if name in _BLOCK:
                pieces.append(_BREAK)
            pieces.append(_inline(element.tail, pre_depth))
            continue
        if not name or name in _SKIP:
            pieces.append(_inline(element.tail, pre_depth))
            continue
        if name in _BLOCK:
            pieces.append(_BREAK)
        if name == "pre":
            pre_depth += 1
        if name == "br":
            pieces.append("\n")
        pieces.append(_inline(element.text, pre_depth))
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    return _paragraphs("".join(pieces))


def _inline(text: str | None, pre_depth: int) -> str:
    if not text:
        return ""
    if pre_depth:
        return text
    return _SPACES.sub(" ", text)


def _paragraphs(flat: str) -> str:
    paragraphs: list[str] = []
    for block in flat.split(_BREAK):
        lines = [line.strip() for line in block.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)
