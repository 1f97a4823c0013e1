"""REFI-QDA project import (.qdpx, or a bare .qde): tolerant of the vendors' quirks (pure).

Accepted (see ../shared/refi-qda/README.md): ``sources/`` or ``Sources/``; ``project.qde`` or
any single ``*.qde`` at the archive's root; source texts with or without a BOM, with CRLF or
LF; a missing or foreign namespace version; inline ``PlainTextContent``. XML is parsed with
``xmlsafe.parse_untrusted_xml`` (no DTD, no entities, no network). Schema problems of foreign
files are reported as warnings, not refused, since most tools export slightly invalid files.

Offsets: REFI-QDA counts code points, but NVivo counts UTF-16 code units and MAXQDA counts
CRLF as two characters. For each source the reader tries code points and UTF-16 units, over
the text as stored and over the text with CRLF made LF, and keeps the reading under which most
selections' ``name`` equals the text they select (code points over the stored text when no
selection has a name). Offsets come back over the text as the workbench stores it: LF line
ends, no BOM, and — when a text separates paragraphs by single line breaks — one blank line
between paragraphs, so that each paragraph becomes a passage.

What cannot be imported is listed in ``warnings``: other source types (PDF, pictures, audio,
video), codings of a whole source, codes that do not exist, users that do not exist.
"""

from __future__ import annotations

import bisect
import codecs
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from workbench.codebook import PATH_SEPARATOR, CodebookSpec, norm_name, path
from workbench.exporting.qdc import MAX_XML_BYTES, project_codebook_to_spec
from workbench.exporting.qdpx import DATA_TAG
from workbench.exporting.xlsx_read import check_archive
from workbench.exporting.xmlsafe import (
    ExchangeError,
    load_schema,
    local_name,
    namespace,
    parse_untrusted_xml,
    schema_errors,
)

_FLAT = re.compile(r"::|\\")
_OTHER_SOURCES = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")


@dataclass
class RSelection:
    """A selection mapped onto the stored text, with its codings as (code key, user guid)."""

    start: int
    end: int
    codings: list[tuple[str, str | None, str]]  # (code key, user guid, created)
    description: str
    line: int


@dataclass
class RSource:
    """A text source as the workbench will store it."""

    guid: str
    name: str
    text: str
    raw_text: str
    description: str
    data: dict[str, Any] | None
    selections: list[RSelection] = field(default_factory=list)
    scheme: str = "code points"
    line: int = 0


@dataclass
class RProject:
    """Everything read from the file."""

    name: str
    codebook: CodebookSpec
    users: dict[str, tuple[str, str]]  # guid -> (name, id)
    sources: list[RSource]
    warnings: list[str]


def _kids(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and local_name(c) == name]


def read_data_line(text: str) -> tuple[str, dict[str, Any] | None]:
    """Split a Description into its readable part and the workbench data line (if any)."""
    index = text.rfind(DATA_TAG)
    if index < 0:
        return text.strip(), None
    try:
        data = json.loads(text[index + len(DATA_TAG) :].strip().splitlines()[0])
    except (ValueError, IndexError):
        return text.strip(), None
    return text[:index].strip(), data if isinstance(data, dict) else None


def _archive_parts(
    data: bytes, filename: str
) -> tuple[bytes, dict[str, zipfile.ZipInfo], zipfile.ZipFile | None]:
    if not data.startswith(b"PK"):
        return data, {}, None  # a bare .qde
    archive = check_archive(data, filename, kind=".qdpx archive")
    members = archive.infolist()
    top = [
        i
        for i in members
        if "/" not in i.filename.strip("/") and i.filename.lower().endswith(".qde")
    ]
    named = [i for i in top if i.filename.lower() == "project.qde"]
    chosen = named or top
    if len(chosen) != 1:
        found = ", ".join(i.filename for i in top) or "none"
        raise ExchangeError(
            f"{filename}: expected one .qde file at the top of the archive (found: {found})"
        )
    if chosen[0].file_size > MAX_XML_BYTES:
        raise ExchangeError(
            f"{filename}: {chosen[0].filename} is larger than {MAX_XML_BYTES:,} bytes"
        )
    files = {}
    for info in members:
        parts = info.filename.replace("\\", "/").split("/")
        if len(parts) >= 2 and parts[-2].lower() == "sources":
            files[parts[-1].lower()] = info
    return archive.read(chosen[0]), files, archive


def _decode_source(raw: bytes, label: str) -> str:
    try:
        if raw.startswith(codecs.BOM_UTF8):
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return raw.decode("utf-16")  # the codec reads and drops the BOM
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExchangeError(
            f"{label}: its text file is not valid UTF-8 or UTF-16 (byte {exc.start})"
        ) from exc


def read_project(data: bytes, filename: str) -> RProject:
    """Read a .qdpx (or .qde); raise ExchangeError naming the element when it cannot be used."""
    qde, files, archive = _archive_parts(data, filename)
    root = parse_untrusted_xml(qde, filename)
    if local_name(root) != "Project":
        raise ExchangeError(
            f"{filename}: line {root.sourceline}: the root element is <{local_name(root)}>, "
            "not a REFI-QDA <Project>"
        )
    warnings: list[str] = []
    ns = namespace(root)
    if ns != "urn:QDA-XML:project:1.0":
        warnings.append(f"Namespace {ns or '(none)'} read as urn:QDA-XML:project:1.0")
    else:
        errors = schema_errors(load_schema("Project.xsd"), root)
        if errors:
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            warnings.append("The file does not follow Project.xsd: " + "; ".join(errors[:3]) + more)
    spec, code_warnings = project_codebook_to_spec(root, filename)
    warnings.extend(code_warnings)
    code_keys = _code_keys(root, spec)
    users = {
        (u.get("guid") or "").strip("{}").lower(): (
            u.get("name") or u.get("id") or "",
            u.get("id") or "",
        )
        for users_el in _kids(root, "Users")
        for u in _kids(users_el, "User")
    }
    sources: list[RSource] = []
    for sources_el in _kids(root, "Sources"):
        for kind in _OTHER_SOURCES:
            dropped = _kids(sources_el, kind)
            if dropped:
                warnings.append(
                    f"{len(dropped)} {kind} element(s) not imported: only text sources are"
                )
        for el in _kids(sources_el, "TextSource"):
            sources.append(_source(el, files, archive, filename, code_keys, warnings))
    for kind in ("Notes", "Cases", "Sets", "Links", "Graphs", "Variables"):
        if _kids(root, kind):
            warnings.append(f"<{kind}> not imported")
    return RProject(root.get("name") or filename, spec, users, sources, warnings)


def _code_keys(root: etree._Element, spec: CodebookSpec) -> dict[str, str]:
    """Code GUID in the file -> key of the code in the imported codebook."""
    keys = {c.key for c in spec.codes}
    by_path = {norm_name(path(spec, c.key)): c.key for c in spec.codes}
    out: dict[str, str] = {}

    def visit(el: etree._Element, parents: list[str]) -> None:
        names = [*parents, *[p.strip() for p in _FLAT.split(el.get("name") or "") if p.strip()]]
        raw = (el.get("guid") or "").strip().strip("{}").lower()
        if raw in keys:
            out[raw] = raw
        else:
            found = by_path.get(norm_name(PATH_SEPARATOR.join(names)))
            if found:
                out[raw] = found
        for child in _kids(el, "Code"):
            visit(child, names)

    for book in _kids(root, "CodeBook"):
        for codes in _kids(book, "Codes"):
            for el in _kids(codes, "Code"):
                visit(el, [])
    return out


def _source(
    el: etree._Element,
    files: dict[str, zipfile.ZipInfo],
    archive: zipfile.ZipFile | None,
    filename: str,
    code_keys: dict[str, str],
    warnings: list[str],
) -> RSource:
    source_guid = (el.get("guid") or "").strip("{}").lower()
    name = el.get("name") or source_guid or "source"
    label = f"{filename}: line {el.sourceline}: TextSource '{name}'"
    inline = _kids(el, "PlainTextContent")
    where = el.get("plainTextPath") or ""
    if inline:
        raw = inline[0].text or ""
    elif where:
        member = files.get(re.split(r"[/\\]", where.split("://", 1)[-1])[-1].lower())
        if member is None or archive is None:
            raise ExchangeError(f"{label}: its text {where} is missing from the archive")
        raw = _decode_source(archive.read(member), label)
    else:
        raise ExchangeError(f"{label}: it has neither plainTextPath nor PlainTextContent")
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    descriptions = [d.text or "" for d in _kids(el, "Description")]
    readable, data = read_data_line("\n".join(descriptions))
    whole = _kids(el, "Coding")
    if whole:
        warnings.append(f"{name}: {len(whole)} coding(s) of the whole source not imported")
    stored, to_stored = _storable(raw)
    source = RSource(source_guid, name, stored, raw, readable, data, line=el.sourceline or 0)
    found = _kids(el, "PlainTextSelection")
    scheme, convert = _pick_scheme(raw, found)
    source.scheme = scheme
    unknown: set[str] = set()
    for sel in found:
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            raise ExchangeError(
                f"{label}: line {sel.sourceline}: PlainTextSelection has no usable positions"
            ) from None
        a, b = convert(start), convert(end)
        if not (0 <= a <= b <= len(raw)):
            raise ExchangeError(
                f"{label}: line {sel.sourceline}: selection {start}-{end} lies outside the text "
                f"({len(raw)} characters)"
            )
        codings = []
        for coding in _kids(sel, "Coding"):
            refs = _kids(coding, "CodeRef")
            target = (refs[0].get("targetGUID") or "").strip("{}").lower() if refs else ""
            key = code_keys.get(target)
            if key is None:
                unknown.add(target or "(none)")
                continue
            user = (coding.get("creatingUser") or sel.get("creatingUser") or "").strip("{}").lower()
            codings.append((key, user or None, coding.get("creationDateTime") or ""))
        text = "\n".join(d.text or "" for d in _kids(sel, "Description"))
        source.selections.append(
            RSelection(to_stored(a), to_stored(b), codings, text, sel.sourceline or 0)
        )
    if unknown:
        warnings.append(f"{name}: codings of {len(unknown)} unknown code(s) not imported")
    if scheme != "code points":
        warnings.append(f"{name}: selection offsets were counted in {scheme}; converted")
    return source


def _utf16_converter(text: str) -> Any:
    """UTF-16 unit offset -> code point offset (characters outside the BMP count twice)."""
    astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
    if not astral:
        return lambda pos: pos
    units = [i + n for n, i in enumerate(astral)]  # UTF-16 offset of each astral character

    def convert(pos: int) -> int:
        return pos - bisect.bisect_left(units, pos - 1) if pos else 0

    return convert


def _pick_scheme(raw: str, selections: list[etree._Element]) -> tuple[str, Any]:
    """Offsets -> code points in raw, by whichever counting matches the selections' names."""
    lf = raw.replace("\r\n", "\n")
    crs = [i for i, ch in enumerate(raw) if ch == "\r" and raw[i + 1 : i + 2] == "\n"]

    def lf_to_raw(pos: int) -> int:  # a position in the LF text -> the same place in raw
        return pos + bisect.bisect_right([c - n for n, c in enumerate(crs)], pos - 1)

    u16_raw, u16_lf = _utf16_converter(raw), _utf16_converter(lf)
    schemes: list[tuple[str, Any]] = [
        ("code points", lambda p: p),
        ("UTF-16 units", u16_raw),
    ]
    if crs:
        schemes += [
            ("code points with CRLF as one", lambda p: lf_to_raw(p)),
            ("UTF-16 units with CRLF as one", lambda p: lf_to_raw(u16_lf(p))),
        ]
    named = [
        (
            int(s.get("startPosition", "0") or 0),
            int(s.get("endPosition", "0") or 0),
            s.get("name") or "",
        )
        for s in selections
        if (s.get("name") or "").strip()
        and (s.get("startPosition") or "").lstrip("-").isdigit()
        and (s.get("endPosition") or "").lstrip("-").isdigit()
    ]
    if not named:
        return schemes[0]

    def same(a: str, b: str) -> bool:
        return " ".join(a.split()) == " ".join(b.split())

    scores = []
    for _label, convert in schemes:
        hits = sum(1 for s, e, name in named if same(raw[convert(s) : convert(e)], name))
        scores.append(hits)
    best = max(range(len(schemes)), key=lambda i: (scores[i], -i))
    return schemes[best]


def _storable(raw: str) -> tuple[str, Any]:
    """The text as stored (LF; blank lines between paragraphs) and raw offset -> stored offset."""
    crs = [i for i, ch in enumerate(raw) if ch == "\r" and raw[i + 1 : i + 2] == "\n"]
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    doubled = "\n\n" not in text and "\n" in text.strip()
    if doubled:
        newlines = [i for i, ch in enumerate(text) if ch == "\n"]
        text = text.replace("\n", "\n\n")

    def convert(pos: int) -> int:
        pos -= bisect.bisect_left(crs, pos)  # every CR of a CRLF before pos disappears
        if doubled:
            pos += bisect.bisect_left(newlines, pos)
        return pos

    return text, convert
