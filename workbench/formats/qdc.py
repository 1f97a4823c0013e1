"""REFI-QDA codebook exchange (.qdc, and the CodeBook of a .qde/.qdpx project).

A .qdc code has only guid, name, isCodable, color and a free-text Description. To keep our
structured fields, each code's Description holds a readable rendering (definition, include and
exclude rules, examples, keywords, stance) for users of other tools, followed by one last line
``[workbench-data v1] {json}`` with every field (key, sort order, shortcut, stance scale, ...).
The JSON is ASCII-escaped and on one line so that tools which re-encode or re-wrap text keep it
intact, and it needs no schema extension, so the file stays valid against Codebook.xsd.
On re-import the block wins for fields .qdc cannot carry; the XML wins for name, colour,
codability and nesting, so edits made in another tool are honoured.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib

from lxml import etree

from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import StanceLevel
from workbench.core.codebook import validate
from workbench.core.codebook import walk
from workbench.core.i18n import _
from workbench.formats.qdc_codes import RGB_RE
from workbench.formats.qdc_codes import Dropped
from workbench.formats.qdc_codes import describe_code
from workbench.formats.qdc_codes import kids
from workbench.formats.qdc_codes import listing
from workbench.formats.qdc_codes import read_codes
from workbench.formats.xmlsafe import ExchangeError
from workbench.formats.xmlsafe import clean_xml_text
from workbench.formats.xmlsafe import load_schema
from workbench.formats.xmlsafe import local_name
from workbench.formats.xmlsafe import namespace
from workbench.formats.xmlsafe import parse_untrusted_xml
from workbench.formats.xmlsafe import schema_errors

__all__ = [
    "Dropped",
    "ExchangeError",
    "codebook_to_qdc",
    "describe_code",
    "project_codebook_to_spec",
    "qdc_to_codebook",
    "validate_qdc",
    "validate_qde",
]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
LEGACY_CODEBOOK_NS = "urn:QDA-XML:codebook:0:4"  # written by ATLAS.ti 9
PROJECT_NS = "urn:QDA-XML:project:1.0"
MAX_XML_BYTES = 100 * 1024 * 1024


def _block(code: CodeSpec, scale: tuple[StanceLevel, ...]) -> str:
    data = {
        "key": code.key,
        "definition": code.definition,
        "inclusion": code.inclusion,
        "exclusion": code.exclusion,
        "examples_positive": code.examples_positive,
        "examples_negative": code.examples_negative,
        # The Chinese texts have no place in REFI-QDA's code element: kept here, as the rest.
        "name_zh": code.name_zh,
        "definition_zh": code.definition_zh,
        "inclusion_zh": code.inclusion_zh,
        "exclusion_zh": code.exclusion_zh,
        "keywords_en": list(code.keywords_en),
        "keywords_zh": list(code.keywords_zh),
        "colour": code.colour,
        "shortcut": code.shortcut,
        "takes_stance": code.takes_stance,
        "sort_order": code.sort_order,
        "stance_scale": [[s.value, s.label] for s in scale],
    }
    return "[workbench-data v1] " + json.dumps(data, ensure_ascii=True, separators=(",", ":"))


def codebook_to_qdc(spec: CodebookSpec, origin: str = "workbench 0.1") -> bytes:
    """Serialise a codebook as a .qdc document valid against Codebook.xsd."""
    broken = [p for p in validate(spec) if p.field in ("key", "parent_key")]
    if broken:
        raise ValueError("cannot export: " + "; ".join(f"{p.code}: {p.message}" for p in broken))
    if not spec.codes:
        raise ValueError(_("cannot export an empty codebook: .qdc needs at least one code"))
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", clean_xml_text(origin))
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    elements: dict[str, etree._Element] = {}
    for _depth, code in walk(spec):
        parent = elements.get(code.parent_key or "", codes)
        el = etree.SubElement(parent, f"{{{CODEBOOK_NS}}}Code")
        el.set("guid", code.key)
        el.set("name", clean_xml_text(code.name))
        el.set("isCodable", "true" if code.is_codable else "false")
        if RGB_RE.fullmatch(code.colour) and code.colour.startswith("#"):
            el.set("color", code.colour.upper())
        # Description must be the first child; nested codes are appended after it later.
        description = etree.SubElement(el, f"{{{CODEBOOK_NS}}}Description")
        readable = describe_code(code, spec.stance_scale)
        description.text = clean_xml_text(f"{readable}\n\n{_block(code, spec.stance_scale)}")
        elements[code.key] = el
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def _map_legacy_namespace(root: etree._Element) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and namespace(el) == LEGACY_CODEBOOK_NS:
            el.tag = f"{{{CODEBOOK_NS}}}{local_name(el)}"


def validate_qdc(data: bytes) -> list[str]:
    """Validate a .qdc against the shipped Codebook.xsd; return error strings (empty = valid)."""
    try:
        root = parse_untrusted_xml(data, "codebook")
    except ExchangeError as exc:
        return [str(exc)]
    _map_legacy_namespace(root)
    return schema_errors(load_schema("Codebook.xsd"), root)


def validate_qde(data: bytes) -> list[str]:
    """Validate a project.qde against the shipped Project.xsd; return error strings."""
    try:
        root = parse_untrusted_xml(data, "project.qde")
    except ExchangeError as exc:
        return [str(exc)]
    return schema_errors(load_schema("Project.xsd"), root)


def project_codebook_to_spec(
    root: etree._Element | bytes, filename: str = "project.qde"
) -> tuple[CodebookSpec, list[str]]:
    """Read the CodeBook of a REFI-QDA <Project> (element or raw .qde bytes); (spec, warnings)."""
    if isinstance(root, bytes):
        root = parse_untrusted_xml(root, filename)
    if local_name(root) != "Project":
        raise ExchangeError(
            _(
                "%(filename)s: root element <%(value)s> is not <Project>",
                filename=filename,
                value=local_name(root),
            )
        )
    warnings: list[str] = []
    books = kids(root, "CodeBook")
    codes_el = kids(books[0], "Codes") if books else []
    if not codes_el:
        warnings.append(_("%(filename)s: the project has no codebook", filename=filename))
        return CodebookSpec(()), warnings
    notes = sum(1 for el in codes_el[0].iter("{*}NoteRef"))
    if notes:
        warnings.append(
            Dropped(_("%(notes)s memo links (NoteRef) on codes were not imported", notes=notes))
        )
    return read_codes(codes_el[0], warnings), warnings


def _qde_from_zip(data: bytes, filename: str) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if "/" not in i.filename]
        qde = [i for i in members if i.filename.lower() == "project.qde"] or [
            i for i in members if i.filename.lower().endswith(".qde")
        ]
        if len(qde) != 1:
            raise ExchangeError(
                _(
                    "%(filename)s: expected one .qde file at the top of the archive",
                    filename=filename,
                )
            )
        if qde[0].file_size > MAX_XML_BYTES:
            raise ExchangeError(
                _(
                    "%(filename)s: %(filename2)s is too large",
                    filename=filename,
                    filename2=qde[0].filename,
                )
            )
        return archive.read(qde[0])
    except (
        zipfile.BadZipFile,
        RuntimeError,
        OSError,
        EOFError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise ExchangeError(
            _(
                "%(filename)s: damaged or encrypted .qdpx archive (%(exc)s)",
                filename=filename,
                exc=exc,
            )
        ) from exc


def _deviations(root: etree._Element, data: bytes, filename: str) -> list[str]:
    """Every way the file departs from Codebook.xsd, as warnings (it is read all the same)."""
    found = []
    for sets in kids(root, "Sets"):
        if not kids(sets, "Set"):
            found.append(
                f"{filename}: line {sets.sourceline}: an empty <Sets/> (the standard wants at "
                "least one <Set> in it) was ignored"
            )
    errors = validate_qdc(data)
    if found:  # the schema reports the empty <Sets/> too; say it once, in words
        errors = [e for e in errors if "Sets" not in e]
    found += [f"{filename}: does not follow Codebook.xsd: {e}" for e in errors[:20]]
    if len(errors) > 20:
        found.append(f"{filename}: ... and {len(errors) - 20} more departures from Codebook.xsd")
    return found


def qdc_to_codebook(data: bytes, filename: str) -> tuple[CodebookSpec, list[str]]:
    """Import a .qdc (or a .qde/.qdpx project's codebook); return (spec, warnings for the user)."""
    if len(data) > MAX_XML_BYTES:
        raise ExchangeError(
            _(
                "%(filename)s: the file is larger than %(MAX_XML_BYTES)s bytes",
                filename=filename,
                MAX_XML_BYTES=MAX_XML_BYTES,
            )
        )
    if data.startswith(b"PK\x03\x04"):
        data = _qde_from_zip(data, filename)
    root = parse_untrusted_xml(data, filename)
    kind, ns = local_name(root), namespace(root)
    if kind == "Project" and (not ns or ns.startswith("urn:QDA-XML:project:")):
        return project_codebook_to_spec(root, filename)
    if kind != "CodeBook" or (ns and not ns.startswith("urn:QDA-XML:codebook:")):
        raise ExchangeError(
            _(
                "%(filename)s: line %(sourceline)s: root element <%(kind)s> "
                "(%(value)s) is not a REFI-QDA codebook; expected <CodeBook> in "
                "urn:QDA-XML:codebook:1.0",
                filename=filename,
                sourceline=root.sourceline,
                kind=kind,
                value=ns or "no namespace",
            )
        )
    warnings: list[str] = []
    if ns == LEGACY_CODEBOOK_NS:
        warnings.append(
            _(
                "%(filename)s: namespace %(ns)s (an older draft of the standard) read "
                "as %(CODEBOOK_NS)s",
                filename=filename,
                ns=ns,
                CODEBOOK_NS=CODEBOOK_NS,
            )
        )
    elif ns != CODEBOOK_NS:
        warnings.append(
            _("Unknown codebook namespace %(value)s; read as version 1.0", value=ns or "(none)")
        )
    warnings.extend(_deviations(root, data, filename))
    codes_el = kids(root, "Codes")
    if not codes_el or not kids(codes_el[0], "Code"):
        warnings.append(_("%(filename)s: the codebook holds no codes", filename=filename))
        return CodebookSpec(()), warnings
    sets = [s.get("name") or "?" for sets in kids(root, "Sets") for s in kids(sets, "Set")]
    if sets:
        warnings.append(
            Dropped(
                _("Code sets are not supported and were dropped: %(value)s", value=listing(sets))
            )
        )
    return read_codes(codes_el[0], warnings), warnings
