"""The aligner against a gold alignment made by reading a real English/Chinese pair."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from workbench.core.alignment import align_versions
from workbench.core.corpus import parse_document

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
GOLD = json.loads((Path(__file__).parent / "gold" / "alignment_xi_unga75.json").read_text("utf-8"))


def _text(side: dict[str, object]) -> str:
    path = CORPUS / str(side["file"])
    if not path.is_file():
        pytest.skip(f"the shared UN speeches corpus is not available ({path} is missing)")
    with path.open(encoding="utf-8") as rows:
        for line in rows:
            if f'"id": "{side["id"]}"' in line:
                text = str(json.loads(line)["text"])
                assert hashlib.sha256(text.encode("utf-8")).hexdigest() == side["sha256"], (
                    f"{side['id']} is not the text the gold alignment was made for"
                )
                return text
    pytest.skip(f"{side['id']} is not in {path}")


def _codable(name: str, text: str) -> list[str]:
    parsed = parse_document(name, text)
    return [parsed.text[p.start : p.end] for p in parsed.passages if p.codable]


@pytest.fixture(scope="module")
def aligned() -> dict[tuple[int, ...], str]:
    english = _codable("en.txt", _text(GOLD["source"]))
    chinese = _codable("zh.txt", _text(GOLD["target"]))
    result = align_versions(english, chinese)
    by_source: dict[tuple[int, ...], str] = {}
    for bead in result.beads:
        if bead.source:
            passages = tuple(result.source[i].passage for i in bead.source)
            by_source[passages] = "".join(result.target[j].text for j in bead.target)
    return by_source


def _right(pair: dict[str, object], aligned: dict[tuple[int, ...], str]) -> bool:
    target = aligned.get(tuple(pair["source"]))  # type: ignore[arg-type]
    return (
        target is not None
        and target.startswith(str(pair["first"]))
        and target.endswith(str(pair["last"]))
    )


def test_at_least_nine_in_ten_one_to_one_paragraph_pairs_are_right(aligned):
    one_to_one = [p for p in GOLD["pairs"] if len(p["source"]) == 1]
    wrong = [p["source"] for p in one_to_one if not _right(p, aligned)]
    assert len(one_to_one) == 23
    assert (len(one_to_one) - len(wrong)) / len(one_to_one) >= 0.9, f"wrong: {wrong}"


def test_the_two_line_forms_of_address_pair_with_one_chinese_line(aligned):
    many = [p for p in GOLD["pairs"] if len(p["source"]) > 1]
    assert [p["source"] for p in many if not _right(p, aligned)] == []


def test_every_english_paragraph_is_paired_with_chinese_text(aligned):
    covered = sorted(i for key, target in aligned.items() if target for i in key)
    assert covered == list(range(27))
