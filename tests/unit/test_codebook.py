"""Codebook specs: the seed codebook, validation, traversal, paths and version diffs."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

import pytest

import workbench
from workbench.core.codebook import DEFAULT_STANCE_SCALE
from workbench.core.codebook import RESERVED_KEYS
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import StanceLevel
from workbench.core.codebook import children
from workbench.core.codebook import codebook_from_dict
from workbench.core.codebook import codebook_to_dict
from workbench.core.codebook import diff
from workbench.core.codebook import in_tree_order
from workbench.core.codebook import load_seed_codebook
from workbench.core.codebook import path
from workbench.core.codebook import validate
from workbench.core.codebook import walk

PACKAGE = Path(workbench.__file__).parent
A, B, C, D = (f"00000000-0000-4000-8000-00000000000{i}" for i in range(1, 5))


def spec(*codes: CodeSpec, scale: tuple[StanceLevel, ...] = DEFAULT_STANCE_SCALE) -> CodebookSpec:
    return CodebookSpec(codes, scale)


def fields_of(problems: list) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in problems}


def test_seed_codebook_is_valid_and_has_the_study_codes() -> None:
    seed = load_seed_codebook()
    assert validate(seed) == []
    by_name = {c.name: c for c in seed.codes}
    for name in ("Public-private partnership", "Capacity-building", "Sovereignty"):
        assert by_name[name].definition and by_name[name].takes_stance
    xinjiang = by_name["Xinjiang rebuttal"]
    assert {"新疆", "东突"} <= set(xinjiang.keywords_zh)
    assert path(seed, xinjiang.key) == "Sovereignty and non-interference > Xinjiang rebuttal"
    assert "公私伙伴关系" in by_name["Public-private partnership"].keywords_zh
    assert [s.value for s in seed.stance_scale] == [-2, -1, 0, 1, 2]
    codable = [c for c in seed.codes if c.is_codable]
    assert all(c.examples_positive and c.examples_negative and c.inclusion for c in codable)
    assert len({c.colour for c in seed.codes}) == len(seed.codes)
    assert {c.shortcut for c in codable} >= {"1", "2", "3", "4"}
    assert seed == in_tree_order(seed)  # the file is stored in display order


def test_seed_file_round_trips_through_dict() -> None:
    seed = load_seed_codebook()
    assert codebook_from_dict(json.loads(json.dumps(codebook_to_dict(seed)))) == seed


@pytest.mark.parametrize(
    "data",
    [
        {"codes": [{"name": "no key"}]},
        {"codes": [{"key": A, "name": "x", "colour_typo": "#000000"}]},
        {"codes": [{"key": A, "name": "x", "sort_order": True}]},
        {"codes": [{"key": A, "name": "x", "keywords_en": "not a list"}]},
        {"codes": [], "stance_scale": [{"value": "high"}]},
    ],
)
def test_codebook_from_dict_rejects_malformed_data(data: dict) -> None:
    with pytest.raises(ValueError):
        codebook_from_dict(data)


def test_validate_reports_each_problem_class() -> None:
    bad = spec(
        CodeSpec(A, "  ", None),
        CodeSpec(B, "Twin", None, colour="red", shortcut="j"),
        CodeSpec(C, " twin ", None, shortcut="1"),
        CodeSpec(D, "Orphan", "11111111-1111-4111-8111-111111111111", shortcut="1"),
        CodeSpec("not-a-guid", "x" * 201, None, shortcut="Q"),
        CodeSpec(A, "Dup key", None, keywords_en=("a;b",)),
    )
    found = fields_of(validate(bad))
    assert ("name", A) in found  # empty name: reported by key
    assert ("name", "Twin") in found and ("name", "twin") in found
    assert ("colour", "Twin") in found
    assert ("shortcut", "Twin") in found  # reserved navigation key
    assert ("shortcut", "twin") in found and ("shortcut", "Orphan") in found  # duplicate "1"
    assert ("parent_key", "Orphan") in found
    assert ("key", "x" * 201) in found and ("name", "x" * 201) in found
    assert ("shortcut", "x" * 201) in found  # upper case is not allowed
    assert ("key", "Dup key") in found and ("keywords_en", "Dup key") in found


def test_validate_finds_cycles_but_not_their_descendants() -> None:
    cyclic = spec(CodeSpec(A, "a", B), CodeSpec(B, "b", A), CodeSpec(C, "c", A))
    problems = [p for p in validate(cyclic) if p.field == "parent_key"]
    assert {p.code for p in problems} == {"a", "b"}
    assert all("cycle" in p.message for p in problems)
    assert [c.name for _, c in walk(cyclic)] == []
    assert len(in_tree_order(cyclic).codes) == 3
    with pytest.raises(ValueError):
        path(cyclic, C)


@pytest.mark.parametrize(
    "scale",
    [
        (StanceLevel(1, "up"), StanceLevel(0, "down")),
        (StanceLevel(0, "a"), StanceLevel(0, "b")),
        (StanceLevel(0, "same"), StanceLevel(1, "Same ")),
        (StanceLevel(0, ""), StanceLevel(1, "x")),
        (),
        tuple(StanceLevel(i, str(i)) for i in range(8)),
    ],
)
def test_validate_rejects_bad_stance_scales(scale: tuple[StanceLevel, ...]) -> None:
    assert {p.field for p in validate(spec(CodeSpec(A, "a", None), scale=scale))} == {
        "stance_scale"
    }


def test_reserved_keys_cover_navigation_and_stance() -> None:
    assert {"j", "k", "n", "p", "?", "/", "v"} <= RESERVED_KEYS
    assert {"a", "s", "d", "f", "g"} <= RESERVED_KEYS
    assert not RESERVED_KEYS & set("0123456789")


def test_folder_with_shortcut_is_a_problem() -> None:
    problems = validate(spec(CodeSpec(A, "Folder", None, is_codable=False, shortcut="1")))
    assert [p.field for p in problems] == ["shortcut"]


def test_traversal_orders_by_sort_order_then_name() -> None:
    tree = spec(
        CodeSpec(A, "zeta", None, sort_order=0),
        CodeSpec(B, "beta", A, sort_order=2),
        CodeSpec(C, "Alpha", A, sort_order=2),
        CodeSpec(D, "omega", A, sort_order=1),
    )
    assert [(d, c.name) for d, c in walk(tree)] == [
        (0, "zeta"),
        (1, "omega"),
        (1, "Alpha"),
        (1, "beta"),
    ]
    assert [c.name for c in children(tree, A)] == ["omega", "Alpha", "beta"]
    assert [c.name for c in children(tree, None)] == ["zeta"]
    assert path(tree, B) == "zeta > beta"
    with pytest.raises(KeyError):
        path(tree, "missing")


def test_diff_reports_added_removed_renamed_moved_edited_and_scale() -> None:
    old = spec(
        CodeSpec(A, "Cooperation", None),
        CodeSpec(B, "PPP", A, definition="old"),
        CodeSpec(C, "Gone", None),
    )
    new = spec(
        CodeSpec(A, "Cooperation", None),
        CodeSpec(B, "Public-private partnership", None, definition="new", keywords_zh=("公私",)),
        CodeSpec(D, "Sovereignty", A),
        scale=DEFAULT_STANCE_SCALE[1:],
    )
    changes = diff(old, new)
    kinds = [(c.kind, c.name) for c in changes]
    assert ("renamed", "Public-private partnership") in kinds
    assert ("added", "Sovereignty") in kinds and ("removed", "Gone") in kinds
    moved = next(c for c in changes if c.kind == "moved")
    assert (moved.old_parent, moved.new_parent) == ("Cooperation", None)
    edited = next(c for c in changes if c.kind == "edited")
    assert edited.fields == ("definition", "keywords_zh")
    assert changes[-1].kind == "stance_scale"
    texts = [c.describe() for c in changes]
    assert 'Renamed "PPP" to "Public-private partnership"' in texts
    assert 'Moved "Public-private partnership" from "Cooperation" to the top level' in texts
    assert 'Added "Sovereignty" under "Cooperation"' in texts
    assert diff(new, new) == []


def test_chinese_texts_are_diffed_validated_and_kept_through_dict() -> None:
    old = spec(CodeSpec(A, "Sovereignty", None), CodeSpec(B, "Aid", None))
    new = spec(
        CodeSpec(A, "Sovereignty", None, name_zh="主权", definition_zh="国家主权"),
        CodeSpec(B, "Aid", None),
    )
    (edited,) = diff(old, new)
    assert (edited.kind, edited.fields) == ("edited", ("name_zh", "definition_zh"))
    assert edited.describe() == 'Edited "Sovereignty": Chinese name, Chinese definition'
    assert codebook_from_dict(json.loads(json.dumps(codebook_to_dict(new)))) == new
    assert validate(new) == []
    clash = spec(
        CodeSpec(A, "Sovereignty", None, name_zh="主权"), CodeSpec(B, "Aid", None, name_zh="主权")
    )
    assert ("name_zh", "Aid") in fields_of(validate(clash))
    for bad in (" 主权", "主权 > 领土", "主\x00权", "主" * 201):
        problems = validate(spec(CodeSpec(A, "Sovereignty", None, name_zh=bad)))
        assert ("name_zh", "Sovereignty") in fields_of(problems), bad
    too_long = spec(CodeSpec(A, "Sovereignty", None, definition_zh="义" * 20_001))
    assert ("definition_zh", "Sovereignty") in fields_of(validate(too_long))


def test_diff_of_seed_against_edited_copy() -> None:
    seed = load_seed_codebook()
    first = seed.codes[1]
    edited = replace(seed, codes=(replace(first, colour="#000000"), *seed.codes[2:]))
    kinds = {(c.kind, c.fields) for c in diff(seed, edited)}
    assert ("edited", ("colour",)) in kinds
    assert ("removed", ()) in kinds


@pytest.mark.parametrize(
    "module",
    [
        "core/codebook.py",
        *(f"formats/{m}.py" for m in ("qdc", "cells", "xmlsafe", "codebook_xlsx")),
    ],
)
def test_pure_modules_import_no_web_or_database(module: str) -> None:
    forbidden: tuple[str, ...] = ("flask", "sqlalchemy", "workbench.db", "workbench.models")
    forbidden += ("workbench.web", "workbench.interchange", "workbench.codebooks")
    tree = ast.parse((PACKAGE / module).read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        assert not [n for n in names if n.startswith(forbidden)], (module, names)
