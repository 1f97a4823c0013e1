"""Codebook specifications: codes, stance scale, validation, traversal and version diffs (pure).

Slightly over 400 lines on purpose: validation, tree order and version diffs all read the same
CodeSpec fields, and every importer and editor checks a codebook through this one module.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections import defaultdict
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from importlib import resources
from typing import Any
from typing import Literal

from workbench.core import limits


@dataclass(frozen=True)
class StanceLevel:
    """One point of the stance scale a coder sets on an applied code."""

    value: int
    label: str


DEFAULT_STANCE_SCALE: tuple[StanceLevel, ...] = (
    StanceLevel(-2, "strongly rejects"),
    StanceLevel(-1, "rejects"),
    StanceLevel(0, "neutral / ambivalent"),
    StanceLevel(1, "endorses"),
    StanceLevel(2, "strongly endorses"),
)

# Keys the coding view uses for moving, finishing, reopening, memos, stance steps and the other
# version of a translated statement.
NAVIGATION_KEYS: tuple[str, ...] = ("j", "k", "n", "p", "?", "/", "m", "c", "u", "v", "[", "]")
# Stance keys: the home row minus j/k, lowest level first (a five-level scale uses a s d f g).
# All seven stay reserved whatever the scale's length, so growing the scale never steals a shortcut.
STANCE_KEYS: tuple[str, ...] = ("a", "s", "d", "f", "g", "h", "l")
RESERVED_KEYS: frozenset[str] = frozenset(NAVIGATION_KEYS + STANCE_KEYS)

PATH_SEPARATOR = " > "


def path_safe(name: str) -> bool:
    """Whether a name can stand in a path: no separator in it, nor one made with its ends.

    A name such as ">" or "> x" would read back from "Parent > > x" as another path.
    """
    return PATH_SEPARATOR not in f" {name} "


KEYWORD_SEPARATOR = ";"
MAX_NAME_LENGTH = limits.CODE_NAME
DEFAULT_COLOUR = "#888888"
# Namespace for deterministic keys of codes that arrive without a usable GUID (imports).
KEY_NAMESPACE = uuid.UUID("0b6c3d52-3f4e-4b8e-9a57-6a1f2d9c7e10")

_COLOUR_RE = re.compile(r"#[0-9A-Fa-f]{6}")
_SHORTCUT_RE = re.compile(r"[0-9a-z]")
_GUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CodeSpec:
    """One code (or folder) of the codebook with its structured guidance for coders."""

    key: str
    name: str
    parent_key: str | None
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples_positive: str = ""
    examples_negative: str = ""
    keywords_en: tuple[str, ...] = ()
    keywords_zh: tuple[str, ...] = ()
    colour: str = DEFAULT_COLOUR
    shortcut: str | None = None
    takes_stance: bool = True
    is_codable: bool = True
    sort_order: int = 0
    # The same texts in Chinese (empty: not written yet); they travel with every codebook file.
    name_zh: str = ""
    definition_zh: str = ""
    inclusion_zh: str = ""
    exclusion_zh: str = ""


@dataclass(frozen=True)
class CodebookSpec:
    """A whole codebook: its codes (any order; hierarchy via parent_key) and stance scale."""

    codes: tuple[CodeSpec, ...]
    stance_scale: tuple[StanceLevel, ...] = DEFAULT_STANCE_SCALE


@dataclass(frozen=True)
class CodebookProblem:
    """A validation finding: which field of which code is wrong, and why."""

    field: str
    code: str  # the code's name, or its key when it has no name; "" for the stance scale
    message: str
    key: str | None = None
    row: int | None = None


ChangeKind = Literal["added", "removed", "renamed", "moved", "edited", "stance_scale"]


@dataclass(frozen=True)
class CodeChange:
    """One entry of a version change log."""

    kind: ChangeKind
    key: str | None
    name: str
    old_name: str | None = None
    old_parent: str | None = None
    new_parent: str | None = None
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        """Render the change as one sentence for the change log."""

        def where(parent: str | None) -> str:
            return f'"{parent}"' if parent else "the top level"

        if self.kind == "added":
            return f'Added "{self.name}" under {where(self.new_parent)}'
        if self.kind == "removed":
            return f'Removed "{self.name}"'
        if self.kind == "renamed":
            return f'Renamed "{self.old_name}" to "{self.name}"'
        if self.kind == "moved":
            return f'Moved "{self.name}" from {where(self.old_parent)} to {where(self.new_parent)}'
        if self.kind == "stance_scale":
            return "Changed the stance scale"
        return f'Edited "{self.name}": {", ".join(self.fields)}'


def new_key() -> str:
    """Return a fresh random code key (a lower-case uuid4 string)."""
    return str(uuid.uuid4())


def derived_key(seed: str) -> str:
    """Return a deterministic key for a code that has none (same seed, same key)."""
    return str(uuid.uuid5(KEY_NAMESPACE, seed))


def is_guid(text: str) -> bool:
    """Tell whether text is a bare GUID (no braces)."""
    return _GUID_RE.fullmatch(text) is not None


def norm_name(name: str) -> str:
    """Normalise a name for sibling-uniqueness comparisons (trimmed, case-folded)."""
    return " ".join(name.split()).casefold()


def _label(code: CodeSpec) -> str:
    return code.name.strip() or code.key


def _in_cycle(by_key: Mapping[str, CodeSpec], key: str) -> bool:
    """Tell whether walking up from key comes back to key (descendants of a cycle are not in it)."""
    seen: set[str] = set()
    current = by_key[key].parent_key
    while current is not None and current in by_key and current not in seen:
        if current == key:
            return True
        seen.add(current)
        current = by_key[current].parent_key
    return False


def validate(spec: CodebookSpec) -> list[CodebookProblem]:
    """Return every problem that would make the codebook unusable or ambiguous."""
    problems: list[CodebookProblem] = []

    def add(code: CodeSpec, field: str, message: str) -> None:
        problems.append(CodebookProblem(field, _label(code), message, key=code.key))

    key_counts = Counter(c.key for c in spec.codes)
    by_key = {c.key: c for c in spec.codes}
    shortcut_counts = Counter(c.shortcut for c in spec.codes if c.shortcut)
    sibling_names = Counter((c.parent_key, norm_name(c.name)) for c in spec.codes)
    for code in spec.codes:
        if not is_guid(code.key):
            add(code, "key", f"key {code.key!r} is not a GUID")
        if key_counts[code.key] > 1:
            add(code, "key", f"key {code.key} is used by {key_counts[code.key]} codes")
        if not code.name.strip():
            add(code, "name", "name is empty")
        elif code.name != code.name.strip():
            add(code, "name", "name starts or ends with spaces")
        elif sibling_names[(code.parent_key, norm_name(code.name))] > 1:
            add(code, "name", f'another code under the same parent is also named "{code.name}"')
        for field, limit in limits.CODE_FIELDS.items():
            value = getattr(code, field)
            text = "; ".join(value) if isinstance(value, tuple | list) else value or ""
            problem = limits.too_long(field, text, limit)
            if problem:
                add(code, field, problem)
        if not path_safe(code.name):
            add(
                code,
                "name",
                f'name must not contain "{PATH_SEPARATOR.strip()}" between spaces, '
                "nor begin or end with it beside a space",
            )
        if _CONTROL_RE.search(code.name):
            add(code, "name", "name contains control characters")
        if code.parent_key is not None and code.parent_key not in by_key:
            add(code, "parent_key", f"parent {code.parent_key} does not exist")
        elif code.parent_key is not None and _in_cycle(by_key, code.key):
            add(code, "parent_key", "code is its own ancestor (cycle in the hierarchy)")
        if not _COLOUR_RE.fullmatch(code.colour):
            add(code, "colour", f"colour {code.colour!r} is not #RRGGBB")
        for field in ("keywords_en", "keywords_zh"):
            for word in getattr(code, field):
                # Exports join keywords with "; " and imports split and trim them again.
                if word != word.strip() or not word or KEYWORD_SEPARATOR in word or "；" in word:
                    add(code, field, f"keyword {word!r} is empty, padded or contains ';'")
        if code.shortcut is not None:
            if not _SHORTCUT_RE.fullmatch(code.shortcut):
                add(code, "shortcut", "shortcut must be one digit or lower-case letter")
            elif code.shortcut in RESERVED_KEYS:
                add(code, "shortcut", f'"{code.shortcut}" is reserved for navigation or stance')
            if shortcut_counts[code.shortcut] > 1:
                add(code, "shortcut", f'shortcut "{code.shortcut}" is used by several codes')
            if not code.is_codable:
                add(code, "shortcut", "a folder (not codable) cannot have a shortcut")
    problems.extend(_validate_scale(spec))
    return problems


def _validate_scale(spec: CodebookSpec) -> list[CodebookProblem]:
    scale = spec.stance_scale
    out: list[CodebookProblem] = []
    if not scale and any(c.takes_stance for c in spec.codes):
        out.append(
            CodebookProblem("stance_scale", "", "codes take a stance but the scale is empty")
        )
    if len(scale) > len(STANCE_KEYS):
        out.append(CodebookProblem("stance_scale", "", f"at most {len(STANCE_KEYS)} stance levels"))
    values = [level.value for level in scale]
    if len(set(values)) != len(values):
        out.append(CodebookProblem("stance_scale", "", "stance values must be unique"))
    elif values != sorted(values):
        out.append(CodebookProblem("stance_scale", "", "stance values must ascend"))
    labels = [norm_name(level.label) for level in scale]
    if any(not label for label in labels):
        out.append(CodebookProblem("stance_scale", "", "every stance level needs a label"))
    elif len(set(labels)) != len(labels):
        out.append(CodebookProblem("stance_scale", "", "stance labels must be unique"))
    for level in scale:
        problem = limits.too_long("a stance label", level.label, limits.STANCE_LABEL)
        if problem:
            out.append(CodebookProblem("stance_scale", "", problem))
    return out


def sort_key(code: CodeSpec) -> tuple[int, str, str]:
    """Return the key that orders siblings: sort_order, then name, then key."""
    return (code.sort_order, norm_name(code.name), code.key)


def children(spec: CodebookSpec, parent_key: str | None) -> list[CodeSpec]:
    """Return the direct children of parent_key (None: top level), in display order."""
    return sorted((c for c in spec.codes if c.parent_key == parent_key), key=sort_key)


def walk(spec: CodebookSpec) -> Iterator[tuple[int, CodeSpec]]:
    """Yield (depth, code) depth-first in display order; codes cut off by cycles are skipped."""
    kids: defaultdict[str | None, list[CodeSpec]] = defaultdict(list)
    keys = {c.key for c in spec.codes}
    for code in spec.codes:
        # An unknown parent is shown at the top level rather than hidden.
        kids[code.parent_key if code.parent_key in keys else None].append(code)
    seen: set[str] = set()

    def visit(parent: str | None, depth: int) -> Iterator[tuple[int, CodeSpec]]:
        for code in sorted(kids[parent], key=sort_key):
            if code.key not in seen:
                seen.add(code.key)
                yield depth, code
                yield from visit(code.key, depth + 1)

    yield from visit(None, 0)


def in_tree_order(spec: CodebookSpec) -> CodebookSpec:
    """Return the same codebook with its codes tuple in display order (canonical form)."""
    ordered = [code for _, code in walk(spec)]
    placed = {c.key for c in ordered}
    ordered += [c for c in spec.codes if c.key not in placed]
    return replace(spec, codes=tuple(ordered))


def path(spec: CodebookSpec, key: str) -> str:
    """Return the code's path from the top, e.g. "Cooperation > Capacity-building"."""
    by_key = {c.key: c for c in spec.codes}
    names: list[str] = []
    current: str | None = key
    while current is not None:
        if current not in by_key:
            raise KeyError(current)
        if len(names) > len(by_key):
            raise ValueError(f"cycle in the hierarchy above {key}")
        names.append(by_key[current].name)
        current = by_key[current].parent_key
    return PATH_SEPARATOR.join(reversed(names))


_EDITABLE = tuple(f.name for f in fields(CodeSpec) if f.name not in {"key", "name", "parent_key"})


def diff(old: CodebookSpec, new: CodebookSpec) -> list[CodeChange]:
    """Describe what changed from old to new, matching codes by key."""
    old_by_key = {c.key: c for c in old.codes}
    new_keys = {c.key for c in new.codes}

    def parent_path(spec: CodebookSpec, code: CodeSpec) -> str | None:
        try:
            return path(spec, code.parent_key) if code.parent_key else None
        except (KeyError, ValueError):
            return code.parent_key

    changes: list[CodeChange] = []
    for _, code in walk(in_tree_order(new)):
        before = old_by_key.get(code.key)
        new_parent = parent_path(new, code)
        if before is None:
            changes.append(CodeChange("added", code.key, code.name, new_parent=new_parent))
            continue
        if before.name != code.name:
            changes.append(CodeChange("renamed", code.key, code.name, old_name=before.name))
        if before.parent_key != code.parent_key:
            old_parent = parent_path(old, before)
            changes.append(
                CodeChange(
                    "moved", code.key, code.name, old_parent=old_parent, new_parent=new_parent
                )
            )
        edited = tuple(f for f in _EDITABLE if getattr(before, f) != getattr(code, f))
        if edited:
            changes.append(CodeChange("edited", code.key, code.name, fields=edited))
    for code in old.codes:
        if code.key not in new_keys:
            changes.append(CodeChange("removed", code.key, code.name))
    if old.stance_scale != new.stance_scale:
        changes.append(CodeChange("stance_scale", None, "", fields=("stance_scale",)))
    return changes


def codebook_to_dict(spec: CodebookSpec) -> dict[str, Any]:
    """Serialise a codebook to plain JSON-ready data (used for versions and the seed file)."""
    codes = []
    for code in spec.codes:
        item: dict[str, Any] = {f.name: getattr(code, f.name) for f in fields(CodeSpec)}
        item["keywords_en"] = list(code.keywords_en)
        item["keywords_zh"] = list(code.keywords_zh)
        codes.append(item)
    scale = [{"value": s.value, "label": s.label} for s in spec.stance_scale]
    return {"format": "workbench-codebook", "version": 1, "stance_scale": scale, "codes": codes}


_TYPES: dict[str, tuple[type, ...]] = {
    "key": (str,),
    "name": (str,),
    "parent_key": (str, type(None)),
    "shortcut": (str, type(None)),
    "takes_stance": (bool,),
    "is_codable": (bool,),
    "sort_order": (int,),
    "keywords_en": (list, tuple),
    "keywords_zh": (list, tuple),
}


def codebook_from_dict(data: Mapping[str, Any]) -> CodebookSpec:
    """Rebuild a codebook from codebook_to_dict output; raise ValueError on malformed data."""
    known = {f.name for f in fields(CodeSpec)}
    codes = []
    for index, item in enumerate(data.get("codes", ())):
        if not isinstance(item, Mapping) or not {"key", "name"} <= item.keys():
            raise ValueError(f"code #{index + 1} needs at least a key and a name")
        if unknown := set(item) - known:
            raise ValueError(f"code #{index + 1} has unknown fields: {sorted(unknown)}")
        for name, value in item.items():
            expected = _TYPES.get(name, (str,))
            # bool is an int subclass; a JSON true must not pass as a sort order.
            if not isinstance(value, expected) or (name == "sort_order" and value is True):
                raise ValueError(f"code #{index + 1}: field {name} has a wrong type")
        kwargs = dict(item)
        for name in ("keywords_en", "keywords_zh"):
            kwargs[name] = tuple(str(w) for w in item.get(name, ()))
        codes.append(CodeSpec(**kwargs))
    raw_scale = data.get("stance_scale")
    if raw_scale is None:
        return CodebookSpec(tuple(codes))
    try:
        scale = tuple(StanceLevel(int(s["value"]), str(s["label"])) for s in raw_scale)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed stance scale: {exc}") from exc
    return CodebookSpec(tuple(codes), scale)


def load_seed_codebook() -> CodebookSpec:
    """Return the seed study's starting codebook shipped in workbench/data/seed_codebook.json."""
    text = resources.files("workbench").joinpath("data", "seed_codebook.json").read_text("utf-8")
    return codebook_from_dict(json.loads(text))
