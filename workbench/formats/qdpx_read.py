"""REFI-QDA project import (.qdpx, or a bare .qde): tolerant of the vendors' quirks (pure).

Accepted (see ../shared/refi-qda/README.md), each deviation listed in ``warnings``:
``sources/`` or ``Sources/``; ``project.qde`` or any single ``*.qde`` at the archive's root;
source texts with or without a BOM, with CRLF or LF; a missing or foreign namespace version;
inline ``PlainTextContent``. XML is parsed with ``xmlsafe.parse_untrusted_xml`` (no DTD, no
entities, no network).

Texts come in verbatim: the stored text is the source text with its BOM removed, CRLF and CR
made LF and NUL made U+FFFD, nothing else, so every character a selection names is still there.
How the file counts offsets (code points, UTF-16 units or UTF-8 bytes; CRLF as one or two; BOM
or not) is detected per source from the text (``qdpx_offsets``), and every selection comes back
in code points over the stored text.

What cannot be imported is listed item by item in ``dropped`` (other source types, codings of
a whole source, codings of unknown codes, cases, variables, sets, links, graphs, notes that no
selection refers to); ``warnings`` hold deviations from the standard that were read anyway.
A ``workbench/extra.json`` member (written by the workbench's own export) is returned as
``extra``: it carries what REFI-QDA has no place for.
"""

from __future__ import annotations

import bisect
import json
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from lxml import etree

from workbench.core.codebook import PATH_SEPARATOR
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import StanceLevel
from workbench.core.codebook import norm_name
from workbench.core.codebook import path
from workbench.core.i18n import _
from workbench.formats import qdpx_offsets
from workbench.formats.qdc import project_codebook_to_spec
from workbench.formats.qdpx import DATA_TAG
from workbench.formats.qdpx_archive import archive_parts
from workbench.formats.qdpx_archive import container_warnings
from workbench.formats.qdpx_archive import read_extra
from workbench.formats.qdpx_archive import source_text
from workbench.formats.xmlsafe import ExchangeError
from workbench.formats.xmlsafe import load_schema
from workbench.formats.xmlsafe import local_name
from workbench.formats.xmlsafe import namespace
from workbench.formats.xmlsafe import parse_untrusted_xml
from workbench.formats.xmlsafe import schema_errors

_FLAT = re.compile(r"::|\\")
_OTHER_SOURCES = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")


@dataclass
class RCoding:
    """One Coding of a selection: which code, who, when."""

    key: str  # code key in the imported codebook
    user: str | None  # User guid
    created: str
    guid: str = ""


@dataclass
class RSelection:
    """A selection mapped onto the stored text (code points), with its codings."""

    start: int
    end: int
    codings: list[RCoding]
    description: str
    line: int
    guid: str = ""
    name: str = ""
    created: str = ""
    modified: str = ""
    offsets: tuple[int, int] = (0, 0)  # as written in the file


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
    evidence: str = ""
    line: int = 0
    created: str = ""


@dataclass
class RProject:
    """Everything read from the file."""

    name: str
    codebook: CodebookSpec
    users: dict[str, tuple[str, str]]  # guid -> (name, id)
    sources: list[RSource]
    warnings: list[str]
    dropped: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


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


def read_project(data: bytes, filename: str) -> RProject:
    """Read a .qdpx (or .qde); raise ExchangeError naming the element when it cannot be used."""
    qde, files, archive = archive_parts(data, filename)
    root = parse_untrusted_xml(qde, filename)
    if local_name(root) != "Project":
        raise ExchangeError(
            _(
                "%(filename)s: line %(sourceline)s: the root element is <%(value)s>, "
                "not a REFI-QDA <Project>",
                filename=filename,
                sourceline=root.sourceline,
                value=local_name(root),
            )
        )
    warnings: list[str] = []
    dropped: list[str] = []
    if archive is not None:
        container_warnings(archive, warnings)
    ns = namespace(root)
    if ns != "urn:QDA-XML:project:1.0":
        warnings.append(
            _("Namespace %(value)s read as urn:QDA-XML:project:1.0", value=ns or "(none)")
        )
    else:
        errors = schema_errors(load_schema("Project.xsd"), root)
        if errors:
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            warnings.append("The file does not follow Project.xsd: " + "; ".join(errors[:3]) + more)
    if root.get("basePath"):
        warnings.append(
            _(
                "basePath %(value)s ignored: texts are read from the file",
                value=repr(root.get("basePath")),
            )
        )
    spec, code_warnings = project_codebook_to_spec(root, filename)
    for warning in code_warnings:
        (dropped if "not imported" in warning else warnings).append(warning)
    code_keys = _code_keys(root, spec)
    users = {
        (u.get("guid") or "").strip("{}").lower(): (
            u.get("name") or u.get("id") or "",
            u.get("id") or "",
        )
        for users_el in _kids(root, "Users")
        for u in _kids(users_el, "User")
    }
    notes = _notes(root, files, archive, filename)
    used_notes: set[str] = set()
    sources: list[RSource] = []
    for sources_el in _kids(root, "Sources"):
        for kind in _OTHER_SOURCES:
            for el in _kids(sources_el, kind):
                dropped.append(
                    _(
                        "%(kind)s '%(value)s' (line %(sourceline)s) not imported: the "
                        "workbench codes text only",
                        kind=kind,
                        value=el.get("name") or el.get("guid"),
                        sourceline=el.sourceline,
                    )
                )
        for el in _kids(sources_el, "TextSource"):
            sources.append(
                _source(
                    el, files, archive, filename, code_keys, notes, used_notes, dropped, warnings
                )
            )
    for guid_, (title, _body) in notes.items():
        if guid_ not in used_notes:
            dropped.append(
                _(
                    "Note '%(title)s' not imported: only notes on selections become memos",
                    title=title,
                )
            )
    for kind in ("Cases", "Sets", "Links", "Graphs", "Variables"):
        for el in _kids(root, kind):
            count = sum(1 for c in el if isinstance(c.tag, str))
            dropped.append(
                _(
                    "<%(kind)s> (%(count)s item(s)) not imported: the workbench has no %(kind)s",
                    kind=kind,
                    count=count,
                )
            )
    if _kids(root, "Description"):
        dropped.append(_("The project's Description not imported"))
    extra = read_extra(archive, filename)
    ours = codebook_from_extra(extra.get("codebook"))
    if ours is not None:
        spec = ours
        warnings[:] = [w for w in warnings if "no stance scale" not in w]
    return RProject(root.get("name") or filename, spec, users, sources, warnings, dropped, extra)


def codebook_from_extra(data: Any) -> CodebookSpec | None:
    """The codebook as our export wrote it in extra.json (None when absent or unusable)."""
    if not isinstance(data, dict) or not data.get("codes"):
        return None
    try:
        codes = tuple(
            CodeSpec(
                **{
                    **item,
                    "keywords_en": tuple(item.get("keywords_en") or ()),
                    "keywords_zh": tuple(item.get("keywords_zh") or ()),
                }
            )
            for item in data["codes"]
        )
        scale = tuple(StanceLevel(int(s["value"]), str(s["label"])) for s in data["stance_scale"])
    except (TypeError, KeyError, ValueError):
        return None
    return CodebookSpec(codes, scale)


def _notes(
    root: etree._Element,
    files: dict[str, zipfile.ZipInfo],
    archive: zipfile.ZipFile | None,
    filename: str,
) -> dict[str, tuple[str, str]]:
    """Note guid -> (name, text) for every Note in the project."""
    out = {}
    for notes in _kids(root, "Notes"):
        for note in _kids(notes, "Note"):
            guid_ = (note.get("guid") or "").strip("{}").lower()
            label = f"{filename}: line {note.sourceline}: Note '{note.get('name') or guid_}'"
            try:
                text = source_text(note, files, archive, label)[0]
            except ExchangeError:
                text = ""
            out[guid_] = (note.get("name") or guid_, text.removeprefix("\ufeff"))
    return out


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


def stored_text(raw: str) -> tuple[str, Any]:
    """The text as stored (LF line ends, NUL as U+FFFD) and raw position -> stored position."""
    crs = [i for i, ch in enumerate(raw) if ch == "\r" and raw[i + 1 : i + 2] == "\n"]
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")

    def convert(pos: int) -> int:
        return pos - bisect.bisect_left(crs, pos)  # every CR of a CRLF before pos disappears

    return text, convert


def _source(
    el: etree._Element,
    files: dict[str, zipfile.ZipInfo],
    archive: zipfile.ZipFile | None,
    filename: str,
    code_keys: dict[str, str],
    notes: dict[str, tuple[str, str]],
    used_notes: set[str],
    dropped: list[str],
    warnings: list[str],
) -> RSource:
    source_guid = (el.get("guid") or "").strip("{}").lower()
    name = el.get("name") or source_guid or "source"
    label = f"{filename}: line {el.sourceline}: TextSource '{name}'"
    raw, had_bom = source_text(el, files, archive, label)
    descriptions = [d.text or "" for d in _kids(el, "Description")]
    readable, data = read_data_line("\n".join(descriptions))
    for whole in _kids(el, "Coding"):
        dropped.append(
            _(
                "%(name)s: coding of the whole source (line %(sourceline)s) not "
                "imported: the workbench codes passages",
                name=name,
                sourceline=whole.sourceline,
            )
        )
    for ref in _kids(el, "NoteRef"):
        used_notes.add((ref.get("targetGUID") or "").strip("{}").lower())
        dropped.append(
            _(
                "%(name)s: a note on the whole source not imported (documents have no memo)",
                name=name,
            )
        )
    for kind in ("PictureSelection", "PDFSelection", "AudioSelection", "VideoSelection"):
        for _kid in _kids(el, kind):
            dropped.append(_("%(name)s: a %(kind)s not imported", name=name, kind=kind))
    stored, to_stored = stored_text(raw)
    source = RSource(
        source_guid,
        name,
        stored,
        raw,
        readable,
        data,
        line=el.sourceline or 0,
        created=el.get("creationDateTime") or "",
    )
    found = _kids(el, "PlainTextSelection")
    offsets = []
    for sel in found:
        try:
            offsets.append(
                (
                    int(sel.get("startPosition", "")),
                    int(sel.get("endPosition", "")),
                    sel.get("name") or "",
                )
            )
        except ValueError:
            raise ExchangeError(
                _(
                    "%(label)s: line %(sourceline)s: PlainTextSelection has no usable positions",
                    label=label,
                    sourceline=sel.sourceline,
                )
            ) from None
    detection = qdpx_offsets.detect(raw, had_bom, offsets)
    source.scheme, source.evidence = detection.label, detection.evidence
    if found and not qdpx_offsets.is_standard(detection.reading, "\r\n" in raw):
        warnings.append(
            _(
                "%(name)s: offsets counted as %(label)s, not as the standard's code "
                "points of the file; converted",
                name=name,
                label=detection.label,
            )
        )
    for sel, (start, end, sel_name), where in zip(found, offsets, detection.positions, strict=True):
        tag = f"{name}: selection {start}-{end} (line {sel.sourceline})"
        if where is None:
            dropped.append(
                _(
                    "%(tag)s not imported: it lies outside the text under %(label)s",
                    tag=tag,
                    label=detection.label,
                )
            )
            continue
        codings = []
        if not _kids(sel, "Coding"):
            dropped.append(
                _("%(tag)s not imported: it has no coding (the workbench keeps codings)", tag=tag)
            )
        for coding in _kids(sel, "Coding"):
            refs = _kids(coding, "CodeRef")
            target = (refs[0].get("targetGUID") or "").strip("{}").lower() if refs else ""
            key = code_keys.get(target)
            if key is None:
                dropped.append(
                    _(
                        "%(tag)s: a coding of unknown code %(value)s not imported",
                        tag=tag,
                        value=target or "(none)",
                    )
                )
                continue
            user = (coding.get("creatingUser") or sel.get("creatingUser") or "").strip("{}").lower()
            codings.append(
                RCoding(
                    key,
                    user or None,
                    coding.get("creationDateTime") or sel.get("creationDateTime") or "",
                    (coding.get("guid") or "").strip("{}").lower(),
                )
            )
        text = "\n".join(d.text or "" for d in _kids(sel, "Description"))
        for ref in _kids(sel, "NoteRef"):
            target = (ref.get("targetGUID") or "").strip("{}").lower()
            if target in notes:
                used_notes.add(target)
                text = f"{text}\n{notes[target][1]}".strip()
        source.selections.append(
            RSelection(
                to_stored(where[0]),
                to_stored(where[1]),
                codings,
                text,
                sel.sourceline or 0,
                guid=(sel.get("guid") or "").strip("{}").lower(),
                name=sel_name,
                created=sel.get("creationDateTime") or "",
                modified=sel.get("modifiedDateTime") or "",
                offsets=(start, end),
            )
        )
    return source
