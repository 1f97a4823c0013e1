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
import re
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from workbench.core.codebook import (
    DEFAULT_COLOUR,
    DEFAULT_STANCE_SCALE,
    MAX_NAME_LENGTH,
    PATH_SEPARATOR,
    CodebookSpec,
    CodeSpec,
    StanceLevel,
    derived_key,
    in_tree_order,
    is_guid,
    norm_name,
    validate,
    walk,
)
from workbench.formats.xmlsafe import (
    ExchangeError,
    clean_xml_text,
    load_schema,
    local_name,
    namespace,
    parse_untrusted_xml,
    schema_errors,
)

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


class Dropped(str):
    """A warning that says something in the file was not brought in (not only changed)."""

    __slots__ = ()


LEGACY_CODEBOOK_NS = "urn:QDA-XML:codebook:0:4"  # written by ATLAS.ti 9
PROJECT_NS = "urn:QDA-XML:project:1.0"
MAX_XML_BYTES = 100 * 1024 * 1024
_BLOCK_RE = re.compile(r"^\[workbench-data v1\] (\{.*\})[ \t]*$", re.MULTILINE)
_RGB_RE = re.compile(r"#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_FLAT_SEPARATORS = re.compile(r"::|\\")  # ATLAS.ti "Coke::diet Coke", Taguette "a\b"


def describe_code(code: CodeSpec, scale: tuple[StanceLevel, ...]) -> str:
    """Render a code's guidance as the plain text other QDA tools show as its description."""
    lines = [code.definition.strip(), ""]
    for label, value in (
        ("Include", code.inclusion),
        ("Exclude", code.exclusion),
        ("Examples", code.examples_positive),
        ("Not examples", code.examples_negative),
        ("Keywords (en)", "; ".join(code.keywords_en)),
        ("Keywords (zh)", "; ".join(code.keywords_zh)),
    ):
        if value.strip():
            lines.append(f"{label}: {value.strip()}")
    if code.is_codable:
        levels = " | ".join(f"{s.value:+d} {s.label}" if s.value else f"0 {s.label}" for s in scale)
        lines.append(f"Stance: {levels}" if code.takes_stance else "Stance: not coded")
    return "\n".join(lines).strip()


def _block(code: CodeSpec, scale: tuple[StanceLevel, ...]) -> str:
    data = {
        "key": code.key,
        "definition": code.definition,
        "inclusion": code.inclusion,
        "exclusion": code.exclusion,
        "examples_positive": code.examples_positive,
        "examples_negative": code.examples_negative,
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
        raise ValueError("cannot export an empty codebook: .qdc needs at least one code")
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", clean_xml_text(origin))
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    elements: dict[str, etree._Element] = {}
    for _, code in walk(spec):
        parent = elements.get(code.parent_key or "", codes)
        el = etree.SubElement(parent, f"{{{CODEBOOK_NS}}}Code")
        el.set("guid", code.key)
        el.set("name", clean_xml_text(code.name))
        el.set("isCodable", "true" if code.is_codable else "false")
        if _RGB_RE.fullmatch(code.colour) and code.colour.startswith("#"):
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


@dataclass
class _Raw:
    """A code as read from the file, before keys and names are settled."""

    name: str
    guid: str
    parent: int | None
    is_codable: bool
    colour: str
    description: str
    line: int
    block: dict[str, Any] | None = None
    synthetic: bool = False  # a folder we created to rebuild a flattened hierarchy
    children: list[int] = field(default_factory=list)


def _listing(names: list[str], limit: int = 8) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _kids(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and local_name(c) == name]


def _parse_block(text: str) -> tuple[str, dict[str, Any] | None]:
    matches = list(_BLOCK_RE.finditer(text))
    if not matches:
        return text.strip(), None
    last = matches[-1]
    try:
        data = json.loads(last.group(1))
    except ValueError:
        return text.strip(), None
    return text[: last.start()].strip(), data if isinstance(data, dict) else None


def _colour(raw: str | None) -> str | None:
    match = _RGB_RE.fullmatch((raw or "").strip())
    if not match:
        return None
    hex_ = match.group(1)
    return "#" + (hex_ if len(hex_) == 6 else "".join(c * 2 for c in hex_)).upper()


def _read_codes(container: etree._Element, warnings: list[str]) -> list[_Raw]:
    raws: list[_Raw] = []
    bad_flags: list[str] = []
    bad_colours: list[str] = []

    def visit(el: etree._Element, parent: int | None) -> None:
        name = (el.get("name") or "").strip()
        flag = (el.get("isCodable") or "true").strip().lower()
        if flag not in ("true", "false", "1", "0"):
            bad_flags.append(name)
        colour = _colour(el.get("color"))
        if el.get("color") and colour is None:
            bad_colours.append(f"{name} ({el.get('color')!r})")
        texts = [d.text or "" for d in _kids(el, "Description")]
        raw = _Raw(
            name=name,
            guid=(el.get("guid") or "").strip().strip("{}").lower(),
            parent=parent,
            is_codable=flag not in ("false", "0"),
            colour=colour or "",
            description="\n".join(texts),
            line=el.sourceline or 0,
        )
        raws.append(raw)
        index = len(raws) - 1
        if parent is not None:
            raws[parent].children.append(index)
        for child in _kids(el, "Code"):
            visit(child, index)

    for el in _kids(container, "Code"):
        visit(el, None)
    if bad_flags:
        warnings.append(f"isCodable was not true/false for {_listing(bad_flags)}; kept codable")
    if bad_colours:
        warnings.append(f"Unreadable colours replaced by grey: {_listing(bad_colours)}")
    return raws


def _unflatten(raws: list[_Raw], warnings: list[str]) -> None:
    """Rebuild parents from flattened names ("a::b", "a\\b") of foreign top-level codes."""
    by_place = {(r.parent, norm_name(r.name)): i for i, r in enumerate(raws)}
    flat = [i for i, r in enumerate(raws) if r.parent is None and r.block is None]
    split = {
        i: [s.strip() for s in _FLAT_SEPARATORS.split(raws[i].name) if s.strip()] for i in flat
    }
    todo = sorted((i for i in flat if len(split[i]) > 1), key=lambda i: len(split[i]))
    created: list[str] = []
    for index in todo:
        parent: int | None = None
        for segment in split[index][:-1]:
            found = by_place.get((parent, norm_name(segment)))
            if found is None:
                folder = _Raw(segment, "", parent, False, "", "", raws[index].line, synthetic=True)
                raws.append(folder)
                found = len(raws) - 1
                if parent is not None:
                    raws[parent].children.append(found)
                by_place[(parent, norm_name(segment))] = found
                created.append(segment)
            parent = found
        if by_place.get((None, norm_name(raws[index].name))) == index:
            del by_place[(None, norm_name(raws[index].name))]
        raws[index].name, raws[index].parent = split[index][-1], parent
        if parent is not None:
            raws[parent].children.append(index)
        by_place.setdefault((parent, norm_name(raws[index].name)), index)
    if todo:
        extra = f"; created folder codes: {', '.join(created)}" if created else ""
        warnings.append(
            f"Rebuilt the hierarchy of {len(todo)} codes from flattened names "
            f"('::' as written by ATLAS.ti, '\\' as written by Taguette){extra}"
        )


def _scale(raws: list[_Raw], warnings: list[str]) -> tuple[StanceLevel, ...]:
    scales = []
    for raw in raws:
        try:
            if raw.block and "stance_scale" in raw.block:
                scales.append(
                    tuple(StanceLevel(int(v), str(s)) for v, s in raw.block["stance_scale"])
                )
        except (TypeError, ValueError):
            warnings.append(Dropped(f"line {raw.line}: unreadable stance scale ignored"))
    if not scales:
        warnings.append("The file has no stance scale; the default scale (-2 to +2) was applied")
        return DEFAULT_STANCE_SCALE
    if len(set(scales)) > 1:
        warnings.append("Codes disagree about the stance scale; the first one was used")
    return scales[0]


def _sane_block(block: dict[str, Any]) -> bool:
    # bool is an int subclass, so a JSON true must not pass as a sort order.
    if isinstance(block.get("sort_order"), bool):
        return False
    return all(k not in block or isinstance(block[k], t) for k, t in _BLOCK_TYPES.items())


_BLOCK_TYPES: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "definition": str,
    "inclusion": str,
    "exclusion": str,
    "examples_positive": str,
    "examples_negative": str,
    "keywords_en": list,
    "keywords_zh": list,
    "colour": str,
    "shortcut": (str, type(None)),
    "takes_stance": bool,
    "sort_order": int,
}


def _settle_names(raws: list[_Raw], warnings: list[str]) -> dict[int, str]:
    """Give every code a usable name that is unique among its siblings."""
    names: dict[int, str] = {}
    for index, raw in enumerate(raws):
        name = raw.name or f"Unnamed code {index + 1}"
        if not raw.name:
            warnings.append(f"line {raw.line}: a code without a name was called {name!r}")
        if len(name) > MAX_NAME_LENGTH:
            warnings.append(f"line {raw.line}: name shortened to {MAX_NAME_LENGTH} characters")
            name = name[:MAX_NAME_LENGTH]
        taken = {norm_name(n) for i, n in names.items() if raws[i].parent == raw.parent}
        base, n = name, 2
        while norm_name(name) in taken:
            name, n = f"{base} ({n})", n + 1
        if name != base:
            warnings.append(f"line {raw.line}: duplicate sibling {base!r} renamed {name!r}")
        names[index] = name
    return names


def _assign_keys(raws: list[_Raw], names: dict[int, str], warnings: list[str]) -> dict[int, str]:
    """Prefer our embedded key, then the file's GUID, else a key derived from the path."""

    def full_path(i: int) -> str:
        parent = raws[i].parent
        return names[i] if parent is None else f"{full_path(parent)}{PATH_SEPARATOR}{names[i]}"

    keys: dict[int, str] = {}
    used: set[str] = set()
    for index, raw in enumerate(raws):
        candidates = [raw.block.get("key", "") if raw.block else "", raw.guid]
        key = next((c.lower() for c in candidates if is_guid(c) and c.lower() not in used), "")
        if not key:
            # Derived from the path, so importing the same file twice yields the same keys.
            key = derived_key(full_path(index))
            while key in used:
                key = derived_key(key)
            if not raw.synthetic:
                warnings.append(
                    f"line {raw.line}: {names[index]!r} had a missing, malformed or repeated "
                    "GUID and got a new one"
                )
        keys[index] = key
        used.add(key)
    return keys


def _build(raws: list[_Raw], warnings: list[str]) -> CodebookSpec:
    for raw in raws:
        readable, block = _parse_block(raw.description)
        if block is not None and not _sane_block(block):
            warnings.append(
                Dropped(f"line {raw.line}: damaged workbench data for {raw.name!r} ignored")
            )
            block = None
        raw.block, raw.description = block, readable
    _unflatten(raws, warnings)
    scale = _scale(raws, warnings)
    names = _settle_names(raws, warnings)
    keys = _assign_keys(raws, names, warnings)
    uncoloured = [names[i] for i, r in enumerate(raws) if not (r.colour or r.block or r.synthetic)]
    if uncoloured:
        warnings.append(f"No colour given, shown in grey: {_listing(uncoloured)}")
    codes = []
    for index, raw in enumerate(raws):
        block = raw.block or {}
        siblings = raws[raw.parent].children if raw.parent is not None else []
        order = siblings.index(index) if index in siblings else index
        codes.append(
            CodeSpec(
                key=keys[index],
                name=names[index],
                parent_key=keys[raw.parent] if raw.parent is not None else None,
                definition=block.get("definition", raw.description),
                inclusion=block.get("inclusion", ""),
                exclusion=block.get("exclusion", ""),
                examples_positive=block.get("examples_positive", ""),
                examples_negative=block.get("examples_negative", ""),
                keywords_en=tuple(str(k) for k in block.get("keywords_en", ())),
                keywords_zh=tuple(str(k) for k in block.get("keywords_zh", ())),
                colour=_pick_colour(raw.colour, block.get("colour")),
                shortcut=block.get("shortcut"),
                takes_stance=block.get("takes_stance", raw.is_codable),
                is_codable=raw.is_codable,
                sort_order=block.get("sort_order", (order + 1) * 10),
            )
        )
        if raw.block and _flat(describe_code(codes[-1], scale)) != _flat(raw.description):
            warnings.append(
                Dropped(
                    f"The description of {names[index]!r} was edited in another tool; "
                    "that text was not imported, the workbench's fields were kept"
                )
            )
    return _finish(CodebookSpec(tuple(codes), scale), warnings)


def _pick_colour(attribute: str, stored: str | None) -> str:
    # The attribute is upper-cased on export; the stored spelling wins unless another tool
    # changed the colour itself.
    if stored and (not attribute or stored.upper() == attribute):
        return stored
    return attribute or DEFAULT_COLOUR


def _flat(text: str) -> str:
    return " ".join(clean_xml_text(text).split())


def _finish(spec: CodebookSpec, warnings: list[str]) -> CodebookSpec:
    """Drop shortcuts that clash, then report whatever validation still finds."""
    codes = list(spec.codes)
    seen: set[str] = set()
    for i, code in enumerate(codes):
        problems = [p for p in validate(replace(spec, codes=(code,))) if p.field == "shortcut"]
        if code.shortcut and (code.shortcut in seen or problems):
            warnings.append(
                Dropped(f"Shortcut {code.shortcut!r} of {code.name!r} dropped (clash or invalid)")
            )
            codes[i] = replace(code, shortcut=None)
        elif code.shortcut:
            seen.add(code.shortcut)
    spec = in_tree_order(replace(spec, codes=tuple(codes)))
    warnings.extend(f"{p.code or 'stance scale'}: {p.message}" for p in validate(spec))
    return spec


def project_codebook_to_spec(
    root: etree._Element | bytes, filename: str = "project.qde"
) -> tuple[CodebookSpec, list[str]]:
    """Read the CodeBook of a REFI-QDA <Project> (element or raw .qde bytes); (spec, warnings)."""
    if isinstance(root, bytes):
        root = parse_untrusted_xml(root, filename)
    if local_name(root) != "Project":
        raise ExchangeError(f"{filename}: root element <{local_name(root)}> is not <Project>")
    warnings: list[str] = []
    books = _kids(root, "CodeBook")
    codes_el = _kids(books[0], "Codes") if books else []
    if not codes_el:
        warnings.append(f"{filename}: the project has no codebook")
        return CodebookSpec(()), warnings
    notes = sum(1 for el in codes_el[0].iter("{*}NoteRef"))
    if notes:
        warnings.append(Dropped(f"{notes} memo links (NoteRef) on codes were not imported"))
    return _build(_read_codes(codes_el[0], warnings), warnings), warnings


def _qde_from_zip(data: bytes, filename: str) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in archive.infolist() if "/" not in i.filename]
        qde = [i for i in members if i.filename.lower() == "project.qde"] or [
            i for i in members if i.filename.lower().endswith(".qde")
        ]
        if len(qde) != 1:
            raise ExchangeError(f"{filename}: expected one .qde file at the top of the archive")
        if qde[0].file_size > MAX_XML_BYTES:
            raise ExchangeError(f"{filename}: {qde[0].filename} is too large")
        return archive.read(qde[0])
    except (
        zipfile.BadZipFile,
        RuntimeError,
        OSError,
        EOFError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise ExchangeError(f"{filename}: damaged or encrypted .qdpx archive ({exc})") from exc


def _deviations(root: etree._Element, data: bytes, filename: str) -> list[str]:
    """Every way the file departs from Codebook.xsd, as warnings (it is read all the same)."""
    found = []
    for sets in _kids(root, "Sets"):
        if not _kids(sets, "Set"):
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
        raise ExchangeError(f"{filename}: the file is larger than {MAX_XML_BYTES} bytes")
    if data.startswith(b"PK\x03\x04"):
        data = _qde_from_zip(data, filename)
    root = parse_untrusted_xml(data, filename)
    kind, ns = local_name(root), namespace(root)
    if kind == "Project" and (not ns or ns.startswith("urn:QDA-XML:project:")):
        return project_codebook_to_spec(root, filename)
    if kind != "CodeBook" or (ns and not ns.startswith("urn:QDA-XML:codebook:")):
        raise ExchangeError(
            f"{filename}: line {root.sourceline}: root element <{kind}> ({ns or 'no namespace'}) "
            "is not a REFI-QDA codebook; expected <CodeBook> in urn:QDA-XML:codebook:1.0"
        )
    warnings: list[str] = []
    if ns == LEGACY_CODEBOOK_NS:
        warnings.append(
            f"{filename}: namespace {ns} (an older draft of the standard) read as {CODEBOOK_NS}"
        )
    elif ns != CODEBOOK_NS:
        warnings.append(f"Unknown codebook namespace {ns or '(none)'}; read as version 1.0")
    warnings.extend(_deviations(root, data, filename))
    codes_el = _kids(root, "Codes")
    if not codes_el or not _kids(codes_el[0], "Code"):
        warnings.append(f"{filename}: the codebook holds no codes")
        return CodebookSpec(()), warnings
    sets = [s.get("name") or "?" for sets in _kids(root, "Sets") for s in _kids(sets, "Set")]
    if sets:
        warnings.append(Dropped(f"Code sets are not supported and were dropped: {_listing(sets)}"))
    return _build(_read_codes(codes_el[0], warnings), warnings), warnings
