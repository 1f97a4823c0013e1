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
The qde is streamed (lxml's incremental writer), one document at a time.
"""

from __future__ import annotations

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


def guid(*parts: object) -> str:
    """A deterministic GUID for an exported object (same project, same GUIDs)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(str(p) for p in parts)))


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
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for source_guid, text in texts():
            body = clean_xml_text(text).replace("\r\n", "\n").replace("\r", "\n")
            zf.writestr(f"sources/{source_guid}.txt", body.encode("utf-8"))
        with zf.open("project.qde", "w", force_zip64=True) as fh:
            _write_qde(fh, header, users, codebook, sources)
        if extra is not None:
            data = {"format": "workbench-extra", "version": 1, **extra()}
            zf.writestr(EXTRA_MEMBER, json.dumps(data, ensure_ascii=False, indent=1))


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


def _attrs(**values: str | None) -> dict[str, str]:
    return {k: clean_xml_text(v) for k, v in values.items() if v is not None and v != ""}


def _write_qde(
    fh: IO[bytes],
    header: QHeader,
    users: list[QUser],
    codebook: CodebookSpec,
    sources: Callable[[], Iterable[QSource]],
) -> None:
    with etree.xmlfile(fh, encoding="utf-8") as xf:
        xf.write_declaration()
        attrs = _attrs(
            name=header.name,
            origin=header.origin,
            creatingUserGUID=header.user_guid,
            creationDateTime=header.created,
        )
        with xf.element(f"{Q}Project", attrs, nsmap={None: PROJECT_NS}):
            if users:
                with xf.element(f"{Q}Users"):
                    for u in users:
                        attrs = _attrs(guid=u.guid, name=u.name, id=u.username)
                        xf.write(etree.Element(f"{Q}User", attrs, nsmap=NSMAP))
            book = _codes_element(codebook)
            if book is not None:
                xf.write(book)
            items = iter(sources())
            first = next(items, None)
            if first is not None:
                with xf.element(f"{Q}Sources"):
                    xf.write(_source_element(first))
                    for source in items:
                        xf.write(_source_element(source))


def _source_element(source: QSource) -> etree._Element:
    el = etree.Element(
        f"{Q}TextSource",
        nsmap=NSMAP,
        attrib=_attrs(
            guid=source.guid,
            name=source.name,
            plainTextPath=f"internal://{source.guid}.txt",
            creatingUser=source.user_guid,
            creationDateTime=source.created,
        ),
    )
    if source.description:
        etree.SubElement(el, f"{Q}Description").text = clean_xml_text(source.description)
    for sel in source.selections:
        s = etree.SubElement(
            el,
            f"{Q}PlainTextSelection",
            _attrs(
                guid=sel.guid,
                name=sel.text,
                startPosition=str(sel.start),
                endPosition=str(sel.end),
                creatingUser=sel.user_guid,
                creationDateTime=sel.created,
                modifyingUser=sel.user_guid if sel.modified else None,
                modifiedDateTime=sel.modified,
            ),
        )
        if sel.description:
            etree.SubElement(s, f"{Q}Description").text = clean_xml_text(sel.description)
        coding = etree.SubElement(
            s,
            f"{Q}Coding",
            _attrs(
                guid=guid("coding", sel.guid),
                creatingUser=sel.user_guid,
                creationDateTime=sel.created,
            ),
        )
        etree.SubElement(coding, f"{Q}CodeRef", targetGUID=sel.code_guid)
    return el
