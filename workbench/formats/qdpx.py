"""REFI-QDA project export (.qdpx): project.qde plus sources/<GUID>.txt (pure).

What goes where (QDA-XML 1.0, valid against the shipped Project.xsd):
- Users: one per coder, ``name`` = display name, ``id`` = username.
- CodeBook: the codebook exactly as the .qdc export writes it (``qdc.codebook_to_qdc``), moved
  into the project namespace; each code's Description keeps the readable guidance only (the
  structured fields travel in extra.json).
- Sources: one TextSource per document, its normalised text as ``sources/<GUID>.txt`` (UTF-8,
  no BOM, LF line ends), ``plainTextPath="internal://<GUID>.txt"``; ``name`` is the title made
  safe as a file name (tools such as QualCoder create a file by that name): no path separators,
  no ``..``, no control characters, at most 120 characters, unique in the project.
- Codings: one PlainTextSelection per annotation, at code-point offsets of the document text
  (the passage's start plus the span, or the whole passage), ``name`` = the selected text, with
  one Coding whose ``creatingUser`` is the coder; creation and modification times on both. The
  coder's memo is the selection's Description, as a real memo and nothing else.
- ``workbench/extra.json``: what REFI-QDA has no place for (passage boundaries, document
  metadata, stances, exact times, codebook versions of annotations, coded states, consensus),
  keyed by the GUIDs used in project.qde. Other tools ignore the member; our import reads it.
The qde is streamed one document at a time: each source is written as XML text in one piece
(attribute and text escaping by ``str.translate``, characters XML cannot carry replaced once
per source), since building an lxml element per coding cost more than all the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import zipfile
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from os import PathLike
from typing import IO
from typing import Any

from lxml import etree

from workbench.core.codebook import CodebookSpec
from workbench.formats.qdc import CODEBOOK_NS
from workbench.formats.qdc import PROJECT_NS
from workbench.formats.qdc import codebook_to_qdc
from workbench.formats.xmlsafe import clean_xml_text

DATA_TAG = "[workbench-data v1] "
EXTRA_MEMBER = "workbench/extra.json"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
GUID_NAMESPACE = uuid.UUID("5b0e51f6-7c3a-4d43-9f0e-3f7d4a1c2b90")
Q = f"{{{PROJECT_NS}}}"
NSMAP: dict[str | None, str] = {None: PROJECT_NS}


_GUID_PREFIX = GUID_NAMESPACE.bytes


def guid(*parts: object) -> str:
    """A deterministic GUID for an exported object (same project, same GUIDs).

    The name-based (SHA-1, version 5) UUID of the parts joined by "/", as ``uuid.uuid5`` makes
    it, computed on the hex digest without building a UUID object: an export makes two per
    coding."""
    name = "/".join(map(str, parts)).encode("utf-8")
    h = hashlib.sha1(_GUID_PREFIX + name, usedforsecurity=False).hexdigest()
    # The version nibble becomes 5, the variant's top bits 10 (RFC 4122).
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


def data_line(data: dict[str, Any]) -> str:
    """The one-line, ASCII-escaped JSON block other tools keep intact."""
    return DATA_TAG + json.dumps(data, ensure_ascii=True, separators=(",", ":"))


@dataclass
class QUser:
    """A coder as a REFI-QDA User."""

    guid: str
    name: str
    username: str


@dataclass
class QSelection:
    """One coded selection: [start, end) in code points of the source text."""

    guid: str
    start: int
    end: int
    text: str
    user_guid: str
    code_guid: str
    created: str = ""
    description: str = ""
    modified: str = ""


@dataclass
class QSource:
    """A document: its text file, its metadata block and its selections."""

    guid: str
    name: str
    created: str
    user_guid: str | None
    description: str
    selections: list[QSelection] = field(default_factory=list)


@dataclass
class QHeader:
    """The <Project> element's attributes."""

    name: str
    origin: str
    created: str
    user_guid: str | None = None


def write_qdpx(
    out: str | PathLike[str] | IO[bytes],
    header: QHeader,
    users: list[QUser],
    codebook: CodebookSpec,
    texts: Callable[[], Iterable[tuple[str, str]]],
    sources: Callable[[], Iterable[QSource]],
    extra: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Write the archive: source texts, project.qde streamed source by source, extra.json."""
    # Level 1: most of the time of a large export went into deflating at level 6, for files
    # about a fifth smaller.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for source_guid, text in texts():
            body = clean_xml_text(text).replace("\r\n", "\n").replace("\r", "\n")
            zf.writestr(f"sources/{source_guid}.txt", body.encode("utf-8"))
        with zf.open("project.qde", "w", force_zip64=True) as fh:
            _write_qde(fh, header, users, codebook, sources)
        if extra is not None:
            data = {"format": "workbench-extra", "version": 1, **extra()}
            with zf.open(EXTRA_MEMBER, "w", force_zip64=True) as fh:
                _write_json(fh, data)


def _write_json(fh: IO[bytes], data: dict[str, Any]) -> None:
    """Write a dict as compact JSON, its large members a few thousand items at a time.

    Each item is encoded whole, which runs the C encoder (an indented or iterated encoding
    runs the pure-Python one, several times slower on a large project)."""

    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    fh.write(b"{")
    for n, (key, value) in enumerate(data.items()):
        fh.write(((", " if n else "") + dumps(key) + ":").encode("utf-8"))
        if not isinstance(value, dict) or len(value) < 1000:
            fh.write(dumps(value).encode("utf-8"))
            continue
        pieces: list[str] = []
        for m, (k, v) in enumerate(value.items()):
            pieces.append(("{" if m == 0 else ",") + dumps(k) + ":" + dumps(v))
            if len(pieces) >= 2000:
                fh.write("".join(pieces).encode("utf-8"))
                pieces.clear()
        pieces.append("}")
        fh.write("".join(pieces).encode("utf-8"))
    fh.write(b"}")


def safe_name(title: str, taken: set[str]) -> str:
    """A title usable as a file name by other tools, unique among ``taken`` (which it joins)."""
    name = _UNSAFE.sub("_", title).strip(" ._") or "document"
    name = name.replace("..", "_")[:120].rstrip(" .")
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{name[:112]} ({n})"
    taken.add(candidate.casefold())
    return candidate


def _codes_element(codebook: CodebookSpec) -> etree._Element | None:
    if not codebook.codes:
        return None
    qdc = etree.fromstring(codebook_to_qdc(codebook))
    for el in qdc.iter():
        if isinstance(el.tag, str) and el.tag.startswith(f"{{{CODEBOOK_NS}}}"):
            el.tag = Q + etree.QName(el).localname
    codes = qdc.find(f"{Q}Codes")
    assert codes is not None
    for description in codes.iter(f"{Q}Description"):
        # Our structured fields travel in extra.json; other tools show only the readable text.
        kept = [ln for ln in (description.text or "").splitlines() if not ln.startswith(DATA_TAG)]
        description.text = "\n".join(kept).strip()
    book = etree.Element(f"{Q}CodeBook", nsmap=NSMAP)
    book.append(codes)
    etree.cleanup_namespaces(book)
    return book


# What XML needs escaped: in text &, <, > and CR (a parser would turn a raw CR into LF); in
# attributes also the quote, and tab and line breaks (a parser would turn them into spaces).
_ATTR_SPECIAL = re.compile('[&<>"\r\n\t]')


def _text(value: str) -> str:
    """Text content escaped for XML."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    return value.replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _escape(value: str) -> str:
    """An attribute value escaped for XML (a value with nothing to escape comes back as is)."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def _attr(name: str, value: str | None) -> str:
    """name="value" (nothing for an empty value)."""
    if not value:
        return ""
    return f' {name}="{_escape(value)}"'


def _write_qde(
    fh: IO[bytes],
    header: QHeader,
    users: list[QUser],
    codebook: CodebookSpec,
    sources: Callable[[], Iterable[QSource]],
) -> None:
    fh.write(b"<?xml version='1.0' encoding='utf-8'?>\n")
    head = "".join(
        (
            _attr("name", header.name),
            _attr("origin", header.origin),
            _attr("creatingUserGUID", header.user_guid),
            _attr("creationDateTime", header.created),
        )
    )
    fh.write(clean_xml_text(f'<Project xmlns="{PROJECT_NS}"{head}>').encode("utf-8"))
    if users:
        listed = "".join(
            f"<User{_attr('guid', u.guid)}{_attr('name', u.name)}{_attr('id', u.username)}/>"
            for u in users
        )
        fh.write(clean_xml_text(f"<Users>{listed}</Users>").encode("utf-8"))
    book = _codes_element(codebook)
    if book is not None:
        fh.write(etree.tostring(book, encoding="utf-8"))
    opened = False
    for source in sources():
        if not opened:
            fh.write(b"<Sources>")
            opened = True
        # One regex pass over the whole source: our markup never holds a character it replaces.
        fh.write(clean_xml_text(_source_xml(source)).encode("utf-8"))
    if opened:
        fh.write(b"</Sources>")
    fh.write(b"</Project>")


def _source_xml(source: QSource) -> str:
    parts = [
        "<TextSource",
        _attr("guid", source.guid),
        _attr("name", source.name),
        _attr("plainTextPath", f"internal://{source.guid}.txt"),
        _attr("creatingUser", source.user_guid),
        _attr("creationDateTime", source.created),
        ">",
    ]
    if source.description:
        parts.append(f"<Description>{_text(source.description)}</Description>")
    append = parts.append
    for sel in source.selections:
        # GUIDs and times hold nothing to escape; the selected text and the memo may.
        user = f' creatingUser="{sel.user_guid}"' if sel.user_guid else ""
        created = f' creationDateTime="{sel.created}"' if sel.created else ""
        modified = (
            f' modifyingUser="{sel.user_guid}" modifiedDateTime="{sel.modified}"'
            if sel.modified
            else ""
        )
        name = f' name="{_escape(sel.text)}"' if sel.text else ""
        append(
            f'<PlainTextSelection guid="{sel.guid}"{name} startPosition="{sel.start}" '
            f'endPosition="{sel.end}"{user}{created}{modified}>'
        )
        if sel.description:
            append(f"<Description>{_text(sel.description)}</Description>")
        append(
            f'<Coding guid="{guid("coding", sel.guid)}"{user}{created}>'
            f'<CodeRef targetGUID="{_escape(sel.code_guid)}"/></Coding></PlainTextSelection>'
        )
    append("</TextSource>")
    return "".join(parts)
