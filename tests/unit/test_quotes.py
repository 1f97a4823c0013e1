"""Quote tracing against gold quotations of the seed reports, and attribution rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.core.corpus import parse_document
from workbench.core.quotes import Quotation
from workbench.core.quotes import QuoteIndex
from workbench.core.quotes import Statement
from workbench.core.quotes import classify
from workbench.core.quotes import normalise
from workbench.core.quotes import speaker_names
from workbench.core.quotes import statement_sentences

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GOLD = json.loads((Path(__file__).parent / "gold" / "quotes_seeds.json").read_text("utf-8"))
LIU = GOLD["reports"][0]
ZHANG = GOLD["reports"][1]


def _passages(name: str) -> list[str]:
    parsed = parse_document(name, (SEEDS / name).read_text("utf-8"))
    return [parsed.text[p.start : p.end] for p in parsed.passages if p.codable]


def _statement(case: dict[str, object]) -> Statement:
    name = str(case["statement"])
    return Statement(name, tuple(case["speakers"]), statement_sentences(_passages(name)))  # type: ignore[arg-type]


def _starts(text: str, opening: str) -> bool:
    return normalise(text).startswith(normalise(opening))


def _found(found: list[Quotation], report: str, sentence: str) -> list[Quotation]:
    return [
        q for q in found if _starts(q.report_text, report) and _starts(q.statement_text, sentence)
    ]


@pytest.mark.parametrize("case", GOLD["reports"], ids=["liu-jieyi", "zhang-jun"])
def test_every_gold_quotation_is_found_with_its_sentence_and_kind(case):
    index = QuoteIndex([_statement(case)])
    found = index.trace(_passages(case["report"]))
    missing, wrong_kind = [], []
    for report, sentence, kind in case["quotations"]:
        hits = _found(found, report, sentence)
        if not hits:
            missing.append(report)
        elif kind not in {q.kind for q in hits}:
            wrong_kind.append((report, kind, sorted({q.kind for q in hits})))
    assert missing == []
    assert wrong_kind == []


@pytest.mark.parametrize("case", GOLD["reports"], ids=["liu-jieyi", "zhang-jun"])
def test_nothing_is_linked_beyond_the_gold(case):
    index = QuoteIndex([_statement(case)])
    found = index.trace(_passages(case["report"]))
    extra = [
        q.report_text
        for q in found
        if not any(_starts(q.report_text, r) for r, _, _ in case["quotations"])
    ]
    assert extra == []
    for words in case["unlinked"]:
        assert not [q for q in found if _starts(q.report_text, words)]


def test_reports_traced_against_both_statements_link_only_their_speaker():
    index = QuoteIndex([_statement(LIU), _statement(ZHANG)])
    for case in (LIU, ZHANG):
        found = index.trace(_passages(case["report"]))
        assert found
        assert {q.statement for q in found} == {case["statement"]}


def test_a_quotation_of_someone_else_is_left_unlinked():
    index = QuoteIndex([_statement(LIU)])
    words = "Terrorism is the common enemy of all humankind."
    others = [
        f'"{words}" the US representative said.',
        f'The representative of France said: "{words}"',
        f'"{words}" according to a press release of the Council.',
        "Ambassador Haley said that terrorism is the common enemy of all humankind.",
    ]
    for text in others:
        assert index.trace([text]) == [], text
    linked = index.trace([f'"{words}" Liu said.', f'"{words}" he added.'])
    assert [(q.passage, q.kind) for q in linked] == [(0, "exact"), (1, "exact")]


def test_a_pronoun_stands_for_the_last_source_named():
    index = QuoteIndex([_statement(LIU)])
    words = '"Terrorism is the common enemy of all humankind," he said.'
    assert index.trace(["The US representative spoke first.", words]) != []
    assert index.trace(['"We disagree," the US representative said.', words]) == []


def test_unattributed_text_is_the_reporters_own():
    index = QuoteIndex([_statement(LIU)])
    own = "Terrorism is the common enemy of all humankind, and it must be countered resolutely."
    assert index.trace([own]) == []


def test_classes():
    sentence = normalise("We must redouble our efforts and enhance our responses.")
    assert classify(normalise("We must redouble our efforts"), sentence, 5) == ("exact", 100.0)
    kind, score = classify(
        normalise("We must redouble the efforts and enhance responses"), sentence, 5
    )
    assert kind == "near" and 75 <= score < 100
    kind, _ = classify(
        normalise("Our efforts must be doubled, and responses improved"), sentence, 1
    )
    assert kind is None


def test_speaker_names_from_title_source_and_turns():
    names = speaker_names(
        "Remarks by Amb. Zhang Jun at the Meeting on Counter-Terrorism",
        "Permanent Mission of the People's Republic of China to the UN",
        ["Mr. Geng Shuang", None],
    )
    assert names == ("Zhang Jun", "Mr. Geng Shuang", "China")


def test_chinese_quotations_are_traced_by_characters():
    statement = Statement(
        "zh", ("张军", "中国"), ("恐怖主义是人类的公敌。", "我们必须加强国际合作。")
    )
    index = QuoteIndex([statement])
    found = index.trace(["张军表示：“恐怖主义是人类的公敌。”"])
    assert [(q.kind, q.sentence) for q in found] == [("exact", 0)]
    assert QuoteIndex([statement]).trace(["美国代表说：“恐怖主义是人类的公敌。”"]) == []
