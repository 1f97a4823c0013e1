"""The codes of a REFI-QDA codebook read into a codebook spec (pure; used by ``qdc``).

Each <Code> is read with its workbench-data block, if any; then hierarchies that other tools
flattened into names ("a::b", "a\\b") are rebuilt, names and keys settled so that every code
has a unique path and key, the stance scale taken from the blocks, and whatever still fails
validation reported as a warning. A ``Dropped`` warning says something was not brought in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from lxml import etree

from workbench.core.codebook import DEFAULT_COLOUR
from workbench.core.codebook import DEFAULT_STANCE_SCALE
from workbench.core.codebook import MAX_NAME_LENGTH
from workbench.core.codebook import PATH_SEPARATOR
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import StanceLevel
from workbench.core.codebook import derived_key
from workbench.core.codebook import in_tree_order
from workbench.core.codebook import is_guid
from workbench.core.codebook import norm_name
from workbench.core.codebook import validate
from workbench.core.i18n import _
from workbench.formats.xmlsafe import clean_xml_text
from workbench.formats.xmlsafe import local_name


class Dropped(str):
    """A warning that says something in the file was not brought in (not only changed)."""

    __slots__ = ()


_BLOCK_RE = re.compile(r"^\[workbench-data v1\] (\{.*\})[ \t]*$", re.MULTILINE)
RGB_RE = re.compile(r"#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
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


def listing(names: list[str], limit: int = 8) -> str:
    """Names joined for a message, the first few only."""
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def kids(el: etree._Element, name: str) -> list[etree._Element]:
    """The element's children of this local name."""
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
    match = RGB_RE.fullmatch((raw or "").strip())
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
        texts = [d.text or "" for d in kids(el, "Description")]
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
        for child in kids(el, "Code"):
            visit(child, index)

    for el in kids(container, "Code"):
        visit(el, None)
    if bad_flags:
        warnings.append(
            _("isCodable was not true/false for %(value)s; kept codable", value=listing(bad_flags))
        )
    if bad_colours:
        warnings.append(
            _("Unreadable colours replaced by grey: %(value)s", value=listing(bad_colours))
        )
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
            _(
                "Rebuilt the hierarchy of %(n_todo)s codes from flattened names ('::' "
                "as written by ATLAS.ti, '\\' as written by Taguette)%(extra)s",
                n_todo=len(todo),
                extra=extra,
            )
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
            warnings.append(
                Dropped(_("line %(line)s: unreadable stance scale ignored", line=raw.line))
            )
    if not scales:
        warnings.append(_("The file has no stance scale; the default scale (-2 to +2) was applied"))
        return DEFAULT_STANCE_SCALE
    if len(set(scales)) > 1:
        warnings.append(_("Codes disagree about the stance scale; the first one was used"))
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
    "name_zh": str,
    "definition_zh": str,
    "inclusion_zh": str,
    "exclusion_zh": str,
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
            warnings.append(
                _(
                    "line %(line)s: a code without a name was called %(name)s",
                    line=raw.line,
                    name=repr(name),
                )
            )
        if len(name) > MAX_NAME_LENGTH:
            warnings.append(
                _(
                    "line %(line)s: name shortened to %(MAX_NAME_LENGTH)s characters",
                    line=raw.line,
                    MAX_NAME_LENGTH=MAX_NAME_LENGTH,
                )
            )
            name = name[:MAX_NAME_LENGTH]
        taken = {norm_name(n) for i, n in names.items() if raws[i].parent == raw.parent}
        base, n = name, 2
        while norm_name(name) in taken:
            name, n = f"{base} ({n})", n + 1
        if name != base:
            warnings.append(
                _(
                    "line %(line)s: duplicate sibling %(base)s renamed %(name)s",
                    line=raw.line,
                    base=repr(base),
                    name=repr(name),
                )
            )
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
                    _(
                        "line %(line)s: %(value)s had a missing, malformed or repeated GUID "
                        "and got a new one",
                        line=raw.line,
                        value=repr(names[index]),
                    )
                )
        keys[index] = key
        used.add(key)
    return keys


def _build(raws: list[_Raw], warnings: list[str]) -> CodebookSpec:
    for raw in raws:
        readable, block = _parse_block(raw.description)
        if block is not None and not _sane_block(block):
            warnings.append(
                Dropped(
                    _(
                        "line %(line)s: damaged workbench data for %(name)s ignored",
                        line=raw.line,
                        name=repr(raw.name),
                    )
                )
            )
            block = None
        raw.block, raw.description = block, readable
    _unflatten(raws, warnings)
    scale = _scale(raws, warnings)
    names = _settle_names(raws, warnings)
    keys = _assign_keys(raws, names, warnings)
    uncoloured = [names[i] for i, r in enumerate(raws) if not (r.colour or r.block or r.synthetic)]
    if uncoloured:
        warnings.append(_("No colour given, shown in grey: %(value)s", value=listing(uncoloured)))
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
                name_zh=block.get("name_zh", ""),
                definition_zh=block.get("definition_zh", ""),
                inclusion_zh=block.get("inclusion_zh", ""),
                exclusion_zh=block.get("exclusion_zh", ""),
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
                    _(
                        "The description of %(value)s was edited in another tool; that text "
                        "was not imported, the workbench's fields were kept",
                        value=repr(names[index]),
                    )
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
                Dropped(
                    _(
                        "Shortcut %(shortcut)s of %(name)s dropped (clash or invalid)",
                        shortcut=repr(code.shortcut),
                        name=repr(code.name),
                    )
                )
            )
            codes[i] = replace(code, shortcut=None)
        elif code.shortcut:
            seen.add(code.shortcut)
    spec = in_tree_order(replace(spec, codes=tuple(codes)))
    warnings.extend(f"{p.code or 'stance scale'}: {p.message}" for p in validate(spec))
    return spec


def read_codes(container: etree._Element, warnings: list[str]) -> CodebookSpec:
    """The codebook spec of a <Codes> element; every change and loss goes into warnings."""
    return _build(_read_codes(container, warnings), warnings)
