"""The interface's messages as the catalogs see them, and template text left out of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

REPO = Path(__file__).resolve().parents[1]
LOCALES = REPO / "workbench" / "locales"

# Words that stay as they are in every language: formats, standards, coefficients' names and
# symbols, units. Text made only of these (and of digits and punctuation) needs no translation.
KEEP = {
    "CSV",
    "JSON",
    "JSONL",
    "XLSX",
    "Excel",
    "REFI-QDA",
    "QDPX",
    "QDC",
    "PDF",
    "DOCX",
    "TXT",
    "HTML",
    "Markdown",
    "UTC",
    "ID",
    "URL",
    "UN",
    "α",
    "κ",
    "AC1",
    "AC2",
    "PABAK",
    "Krippendorff",
    "Krippendorff's",
    "Cohen's",
    "Gwet's",
    "Fleiss",
    "Fleiss'",
    "F1",
    "n",
    "N",
    "ms",
    "CI",
    "Workbench",
    "htmx",
    "Ctrl",
    "Shift",
    "Enter",
    "Esc",
    "Tab",
    "Alt",
    # File name extensions and the date pattern of a form's hint.
    "txt",
    "md",
    "docx",
    "pdf",
    "html",
    "zip",
    "csv",
    "jsonl",
    "json",
    "xlsx",
    "qdc",
    "qdpx",
    "YYYY",
    "YYYY-MM",
    "YYYY-MM-DD",
    # Tools whose files the workbench reads or writes for, named as their makers spell them;
    # "JSON Lines" is a format's name.
    "Lines",
    "R",
    "Stata",
    "pandas",
    "NVivo",
    "ATLAS.ti",
    "MAXQDA",
    "QualCoder",
    "Taguette",
}
# A codebook version ("v2") reads the same in every language.
KEEP_PATTERN = re.compile(r"v[0-9]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’.-]*")
_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description"}
# Elements whose text is never interface prose: keys, code, scripts and styles.
_EXEMPT = {"kbd", "code", "script", "style", "pre", "samp"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}
_HOLE = "\u25c6"  # stands for a Jinja expression or tag inside the template's text


@dataclass(frozen=True)
class Unmarked:
    """English interface text in a template that is not marked for translation."""

    template: str
    line: int
    text: str


def needs_translation(text: str) -> bool:
    """Whether a piece of interface text holds a word a reader of another language must read."""
    return any(
        word.strip(".-'’") not in KEEP and word not in KEEP and not KEEP_PATTERN.fullmatch(word)
        for word in _WORD.findall(text)
    )


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.exempt: list[str] = []
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _ATTRIBUTES and value and needs_translation(value.replace(_HOLE, " ")):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))
            if (
                # An <input type=submit> shows its value; a <button>'s value is a form field.
                name == "value"
                and tag == "input"
                and value
                and dict(attrs).get("type") in {"submit", "button", "reset"}
                and needs_translation(value.replace(_HOLE, " "))
            ):
                self.found.append((self.getpos()[0], f'value="{value}"'))
        exempt = tag in _EXEMPT or dict(attrs).get("translate") == "no"
        nested = bool(self.exempt) and tag == self.exempt[-1]
        if (exempt or nested) and tag not in _VOID:
            self.exempt.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.exempt and self.exempt[-1] == tag:
            self.exempt.pop()

    def handle_data(self, data: str) -> None:
        if self.exempt:
            return
        text = " ".join(data.replace(_HOLE, " ").split())
        if text and needs_translation(text):
            self.found.append((self.getpos()[0], text))


def _template_text(env: Environment, source: str) -> tuple[str, list[tuple[int, str]]]:
    """The template's literal text with each tag/expression as a hole; and unmarked literals."""
    out: list[str] = []
    literals: list[tuple[int, str]] = []
    in_trans = after_block_begin = False
    previous: list[str] = []
    for lineno, kind, value in env.lex(source):
        if kind == "data":
            # Text inside {% trans %} ... {% endtrans %} is the message itself: marked.
            out.append(_HOLE + "\n" * value.count("\n") if in_trans else value)
            continue
        if kind == "whitespace":
            out.append("\n" * value.count("\n"))
            continue
        if after_block_begin and kind == "name":
            if value in {"trans", "pluralize"}:
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        after_block_begin = kind == "block_begin"
        if kind in {"variable_begin", "block_begin"}:
            out.append(_HOLE)
        if kind == "string" and _looks_like_prose(value) and not _is_marked(previous):
            literals.append((lineno, value))
        # Keep line breaks inside tags, so the HTML parser's line numbers stay the template's.
        out.append("\n" * str(value).count("\n"))
        previous.append(value if kind == "name" else kind)
    return "".join(out), literals


def _looks_like_prose(value: str) -> bool:
    inner = value[1:-1]
    return bool(re.match(r"[A-Z][a-z]", inner)) and needs_translation(inner)


def _is_marked(previous: list[str]) -> bool:
    # _("..."), gettext("..."), ngettext("...", "...", n): the literal follows "(" after the name,
    # or a first literal and a comma.
    tail = previous[-4:]
    return any(name in tail for name in ("_", "gettext", "ngettext"))


def unmarked_in_templates(templates: Path) -> Iterator[Unmarked]:
    """Every piece of English interface text in the templates that is not marked for translation."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted(templates.rglob("*.html")):
        text, literals = _template_text(env, path.read_text(encoding="utf-8"))
        finder = _TextFinder()
        finder.feed(text)
        finder.close()
        name = str(path.relative_to(templates))
        for line, found in finder.found:
            yield Unmarked(name, line, found)
        for line, literal in literals:
            yield Unmarked(name, line, literal)


def extracted_messages() -> dict[str, list[str]]:
    """Every message id the code and templates mark, with where each is used."""
    with open(REPO / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map
    ):
        # A plural message is one catalog entry, found by its singular (msgid; the plural is
        # its msgid_plural), so only the singular is a message id.
        mid = message[0] if isinstance(message, tuple) else message
        if mid:
            found.setdefault(mid, []).append(f"{filename}:{lineno}")
    return found


def catalog(locale: str) -> Catalog:
    """The committed .po catalog of a language."""
    path = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def compiled(locale: str) -> dict[object, object]:
    """The committed .mo file's messages."""
    path = LOCALES / locale / "LC_MESSAGES" / "messages.mo"
    with open(path, "rb") as f:
        return {_plain(m.id): _plain(m.string) for m in read_mo(f) if m.id}


def compile_in_memory(po: Catalog) -> dict[object, object]:
    """The messages a fresh compilation of the .po file gives."""
    buffer = BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return {_plain(m.id): _plain(m.string) for m in read_mo(buffer) if m.id}


def _plain(value: object) -> object:
    # A plural message's id and strings come back as lists, which cannot be dictionary keys.
    return tuple(value) if isinstance(value, list | tuple) else value
