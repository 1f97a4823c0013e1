"""The methods paragraph in Chinese says what the English one says, figure for figure."""

from __future__ import annotations

import re
from typing import Any

import pytest

from workbench.core.agreement import PARAGRAPH_LANGUAGES
from workbench.core.agreement import CodingRecord
from workbench.core.agreement import build_report
from workbench.core.agreement import methods_paragraph
from workbench.core.agreement import paragraph_language

R = CodingRecord

# Three coders on four passages and two codes (as in test_agreement_reports), plus a code
# nobody varies on (α undefined) and a fifth, pairable passage so counts differ from each other.
RECORDS = [
    R("p1", "A", "x", 2),
    R("p1", "B", "x", 1),
    R("p1", "C", None),
    R("p2", "A", "x", -1),
    R("p2", "A", "y", None),
    R("p2", "B", "x", -1),
    R("p3", "A", None),
    R("p3", "B", "y", 0),
    R("p3", "C", "y", 0),
    R("p4", "A", "x", 2),
    R("p5", "A", "z", None),
    R("p5", "B", "z", None),
]
_NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?")
_QUOTED = re.compile(r"“[^”]*”")
# Names and symbols of coefficients may stay as they are in a Chinese text.
_ALLOWED_LATIN = {"F1"}


def _figures(text: str) -> list[str]:
    """Every number in the text (code names removed), thousands separators dropped, sorted."""
    return sorted(n.replace(",", "") for n in _NUMBER.findall(_QUOTED.sub("", text)))


CASES: dict[str, dict[str, Any]] = {
    "several codes, interval, stance, adjudication, assisted codings": {
        "records": RECORDS,
        "build": {"bootstrap": 1500, "seed": 7, "stance_scale": [-2, -1, 0, 1, 2]},
        "paragraph": {
            "codebook_version": "3.2",
            "disagreements_resolved": 12,
            "codings": 4321,
            "assisted": 250,
        },
    },
    "no interval, one disagreement": {
        "records": RECORDS,
        "build": {"bootstrap": 0},
        "paragraph": {"disagreements_resolved": 1},
    },
    "one code": {
        "records": [r for r in RECORDS if r.code in {"x", None}],
        "build": {"bootstrap": 100, "seed": 3, "codes": ["x"]},
        "paragraph": {"codebook_version": "1"},
    },
    "one code without variation": {
        "records": [R("p1", "A", "z"), R("p1", "B", "z"), R("p2", "A", "z"), R("p2", "B", "z")],
        "build": {"bootstrap": 0},
        "paragraph": {},
    },
    "nothing assessed": {"records": [], "build": {"bootstrap": 0}, "paragraph": {}},
}


@pytest.mark.parametrize("case", list(CASES))
def test_chinese_paragraph_carries_the_english_figures(case: str) -> None:
    spec = CASES[case]
    report = build_report(spec["records"], **spec["build"])
    english = methods_paragraph(report, language="en", **spec["paragraph"])
    chinese = methods_paragraph(report, language="zh_Hans", **spec["paragraph"])
    assert english != chinese
    assert _figures(chinese) == _figures(english), (english, chinese)
    assert _figures(english), "every paragraph reports some figure"


@pytest.mark.parametrize("case", list(CASES))
def test_chinese_paragraph_has_no_english_words(case: str) -> None:
    spec = CASES[case]
    report = build_report(spec["records"], **spec["build"])
    chinese = methods_paragraph(report, language="zh_Hans", **spec["paragraph"])
    latin = set(re.findall(r"[A-Za-z][A-Za-z0-9']*", _QUOTED.sub("", chinese)))
    assert latin <= _ALLOWED_LATIN, (latin, chinese)
    assert "克里彭多夫 α" in chinese or "未评估任何编码项" in chinese
    # Full-width punctuation between Chinese clauses; no English sentence stops.
    assert ". " not in chinese and "; " not in chinese


def test_chinese_paragraph_terms_and_figures_by_hand() -> None:
    report = build_report(RECORDS[:10], bootstrap=200, seed=1)
    text = methods_paragraph(report, "2.1", 4, language="zh_Hans")
    assert text.startswith(
        "编码员间信度以4个段落为样本进行评估，由3名编码员依据第2.1版编码本独立编码"
    )
    assert "其中3个段落由至少两名编码员编码" in text
    # α of y is 1/15 and of x 0.5625 (half rounds up), each with its code and interval.
    assert re.search(r"介于0\.067（“y”，95% 置信区间为 \[[-\d.]+, [-\d.]+\]）与0\.563（“x”", text)
    assert "200次自助法重抽样所得的百分位区间（随机数种子为1）" in text
    assert "4处分歧经裁定后纳入共识层" in text
    assert "缺失值" in text


def test_the_language_falls_back_to_english() -> None:
    report = build_report(RECORDS, bootstrap=0)
    assert set(PARAGRAPH_LANGUAGES) == {"en", "zh_Hans"}
    assert paragraph_language("fr") == "en" and paragraph_language(None) == "en"
    assert methods_paragraph(report, language="fr") == methods_paragraph(report)
    assert methods_paragraph(report).startswith("Intercoder reliability was assessed")
