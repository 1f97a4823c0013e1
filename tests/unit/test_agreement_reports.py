"""Per-code reports on small hand-built codings whose answers are worked out in the comments."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from workbench.core.agreement import AgreementInputError
from workbench.core.agreement import AgreementReport
from workbench.core.agreement import CodingRecord
from workbench.core.agreement import build_report
from workbench.core.agreement import methods_paragraph
from workbench.core.agreement import methods_table
from workbench.core.agreement import reliability_flag

R = CodingRecord

# Coders A, B, C; passages p1-p4; codes x and y.
#   p1: A x(+2)      B x(+1)      C coded, nothing applies
#   p2: A x(-1), y   B x(-1)      C did not code p2
#   p3: A nothing    B y(0)       C y(0)
#   p4: A x(+2)      (only A coded p4)
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
]


def _report(**kwargs: Any) -> AgreementReport:
    return build_report(RECORDS, bootstrap=200, seed=1, **kwargs)


def test_presence_alpha_treats_an_uncoded_passage_as_missing() -> None:
    # Presence of x: p1 (1, 1, 0), p2 (1, 1, -), p3 (0, 0, 0); p4 has one value, not pairable.
    # Coincidences: p1 adds o11 = o10 = o01 = 2/2; p2 adds o11 = 2/1; p3 adds o00 = 6/2.
    # o = [[3, 1], [1, 3]], n = 8: α = 1 - (8 - 1)·2 / (2·4·4) = 1 - 14/32 = 0.5625.
    # Had C's missing p2 been read as "absent", p2 would be (1, 1, 0) and α would differ.
    x = _report().per_code["x"]
    assert x.presence.alpha == 0.5625
    assert (x.presence.units, x.presence.pairable_units, x.presence.values_count) == (4, 3, 8)
    assert x.flag == "unreliable"
    # Percent agreement: p1 1 of 3 pairs agree, p2 and p3 all agree: (1/3 + 1 + 1) / 3.
    assert x.presence.percent_agreement == float(Fraction(7, 9))
    # Prevalence: x applied in 5 of the 9 coded (passage, coder) pairs.
    assert (x.applications, x.prevalence) == (5, float(Fraction(5, 9)))


def test_presence_pairwise_kappa_by_hand() -> None:
    x = _report().per_code["x"].presence
    # A|B: p1 (1,1), p2 (1,1), p3 (0,0): perfect, with variation -> 1.
    # A|C and B|C: p1 (1,0), p3 (0,0): p_o = 1/2, p_e = (1·2 + 1·0)/4 = 1/2 -> 0.
    assert x.cohen_kappa_pairwise == {"A|B": 1.0, "A|C": 0.0, "B|C": 0.0}
    assert x.cohen_kappa_mean == float(Fraction(1, 3))
    assert x.cohen_kappa is None  # three coders


def test_second_code_alpha_by_hand() -> None:
    # Presence of y: p1 (0,0,0), p2 (1,0,-), p3 (0,1,1); p4 (0) alone.
    # o00 = 3 (p1); p2 adds o10 = o01 = 1; p3 adds o01 = o10 = o11 = 1 -> o = [[3,2],[2,1]].
    # n0 = 5, n1 = 3: α = 1 - 7·4 / (2·5·3) = 1 - 28/30 = 1/15.
    y = _report().per_code["y"]
    assert y.presence.alpha == pytest.approx(1 / 15, abs=1e-15)


def test_stance_agreement_by_hand() -> None:
    stance = _report().per_code["x"].stance
    # Units where >= 2 coders gave x a stance: p1 (+2, +1) and p2 (-1, -1).
    # Ordinal, on -2..2 with n = (0, 2, 0, 1, 1): δ(1,2) = (1 + 1 - 1)² = 1,
    # δ(-1,1) = (3 - 1.5)² = 2.25, δ(-1,2) = (4 - 1.5)² = 6.25.
    # α = 1 - 3·(2·1) / (2·(2·1·2.25 + 2·1·6.25 + 1·1·1)) = 1 - 6/36 = 5/6.
    assert stance.units == 2
    assert stance.alpha_ordinal == pytest.approx(5 / 6, abs=1e-15)
    # Interval: α = 1 - 3·2 / (2·(2·1·4 + 2·1·9 + 1·1·1)) = 1 - 6/54 = 8/9.
    assert stance.alpha_interval == pytest.approx(8 / 9, abs=1e-15)
    assert stance.percent_agreement == 0.5
    assert stance.weighted_kappa_quadratic is None  # three coders in the report


def test_stance_without_variation_is_undefined() -> None:
    # y's stance: only p3 has two stances, both 0 -> ordinal and interval α are 0/0.
    stance = _report().per_code["y"].stance
    assert stance.units == 1
    assert stance.alpha_ordinal is None and stance.alpha_interval is None
    assert stance.alpha_ordinal_ci95 is None


def test_weighted_kappa_for_two_coders_by_hand() -> None:
    # Stances (A, B): (2,2), (1,0), (-1,-2), (0,0) -> positions (4,4), (3,2), (1,0), (2,2).
    # Σ d·o = 0 + 1 + 1 + 0 = 2; Σ over all 16 (A, B) combinations of d = 56.
    # κ_w = 1 - 4·2/56 = 6/7.
    stances = [(2, 2), (1, 0), (-1, -2), (0, 0)]
    records = [
        R(f"p{i}", coder, "x", value)
        for i, pair in enumerate(stances)
        for coder, value in zip("AB", pair, strict=True)
    ]
    report = build_report(records, bootstrap=0)
    assert report.per_code["x"].stance.weighted_kappa_quadratic == pytest.approx(6 / 7, abs=1e-15)


def test_coder_pairs_pooled_over_codes() -> None:
    pair = _report().coder_pairs["A|B"]
    # x: (1,1) (1,1) (0,0); y: (0,0) (1,0) (0,1) -> pooled table [[2,1],[1,2]]:
    # p_o = 4/6, p_e = 1/2 -> κ = 1/3.
    assert pair.shared_passages == 3
    assert pair.kappa_by_code == {"x": 1.0, "y": pytest.approx(-0.5)}
    assert pair.pooled_kappa == pytest.approx(1 / 3, abs=1e-15)
    assert pair.pooled_agreement == pytest.approx(2 / 3, abs=1e-15)


def test_each_coder_against_a_reference_layer() -> None:
    consensus = [
        R("p1", "lead", "x", 2),
        R("p2", "lead", "x", -1),
        R("p2", "lead", "y"),
        R("p3", "lead", "y", 0),
    ]
    ref = _report(reference=consensus).reference
    assert ref is not None
    a = ref["A"]
    # A and the reference share p1-p3. x: A (1,1,0) vs (1,1,0). y: A (0,1,0) vs (0,1,1):
    # accuracy 2/3; κ = (3·2 - 4) / (9 - 4) = 2/5. Pooled table [[2,1],[0,3]]: 5/6, κ = 2/3.
    assert a.units == 3
    assert (a.by_code["x"].accuracy, a.by_code["x"].kappa) == (1.0, 1.0)
    assert a.by_code["y"].accuracy == pytest.approx(2 / 3, abs=1e-15)
    assert a.by_code["y"].kappa == pytest.approx(2 / 5, abs=1e-15)
    assert a.accuracy == pytest.approx(5 / 6, abs=1e-15)
    assert a.kappa == pytest.approx(2 / 3, abs=1e-15)
    assert ref["C"].units == 2  # C coded p1 and p3


def test_breakdown_by_metadata() -> None:
    meta = {"p1": {"language": "en"}, "p2": {"language": "en"}, "p3": {"language": "zh"}}
    breakdowns = _report(unit_meta=meta).breakdowns["language"]
    assert set(breakdowns) == {"en", "zh", "(missing)"}
    # x on p1, p2 only: o = [[0,1],[1,3]], n = 5: α = 1 - 4·2/(2·1·4) = 0, exactly (defined).
    assert breakdowns["en"]["x"].alpha == 0.0
    # x on p3 only: all absent -> undefined, not 0.
    assert breakdowns["zh"]["x"].alpha is None


def test_report_json_has_nulls_not_nans_and_is_reproducible() -> None:
    first = _report().to_json()
    text = json.dumps(first, allow_nan=False)
    assert json.loads(text)["per_code"]["y"]["stance"]["alpha_ordinal"] is None
    assert _report().to_json() == first
    assert build_report(RECORDS, bootstrap=200, seed=2).to_json() != first


def test_code_list_restricts_and_keeps_unused_codes() -> None:
    report = _report(codes=["x", "never"])
    assert list(report.per_code) == ["x", "never"]
    never = report.per_code["never"]
    assert never.presence.alpha is None and never.flag == "undefined"
    assert never.prevalence == 0.0
    assert report.per_code["x"].presence.alpha == 0.5625


def test_conflicting_duplicate_stances_are_refused() -> None:
    with pytest.raises(AgreementInputError, match="conflicting stances"):
        build_report([R("p1", "A", "x", 1), R("p1", "A", "x", 2)], bootstrap=0)
    same_twice = [R("p1", "A", "x", 1), R("p1", "A", "x", 1), R("p1", "B", "x", 1)]
    assert build_report(same_twice, bootstrap=0).per_code["x"].applications == 2


def test_stance_off_the_scale_is_refused() -> None:
    with pytest.raises(AgreementInputError, match="not on the scale"):
        build_report([R("p1", "A", "x", 3), R("p1", "B", "x", 1)], bootstrap=0)


@pytest.mark.parametrize(
    ("alpha", "flag"),
    [(0.8, "reliable"), (0.7999, "tentative"), (0.667, "tentative"), (0.6669, "unreliable"),
     (-0.2, "unreliable"), (None, "undefined")],
)  # fmt: skip
def test_reliability_flags(alpha: float | None, flag: str) -> None:
    assert reliability_flag(alpha) == flag


def test_methods_paragraph_and_table() -> None:
    report = _report()
    text = methods_paragraph(report, codebook_version="2.1", disagreements_resolved=4)
    assert "4 passages" in text and "3 coders" in text and "codebook version 2.1" in text
    assert "0.067" in text and "0.563" in text  # α of y (1/15) and x (0.5625, half rounds up)
    assert "200 bootstrap" in text and "seed 1" in text
    assert "4 disagreements were resolved" in text
    assert "missing" in text
    rows = methods_table(report, digits=3)
    assert [row["code"] for row in rows] == ["x", "y"]
    assert rows[0]["alpha"] == 0.563 and rows[0]["flag"] == "unreliable"
    assert rows[1]["stance_alpha_ordinal"] is None


def test_empty_input_gives_an_empty_but_defined_report() -> None:
    report = build_report([], bootstrap=10)
    assert report.per_code == {} and report.passages == 0
    assert json.loads(json.dumps(report.to_json(), allow_nan=False))["codes"] == []
    assert "No code was assessed" in methods_paragraph(report)


def test_empty_code_string_means_nothing_applies() -> None:
    records = [R("p1", "A", ""), R("p1", "B", "x", 1), R("p2", "A", "x", 1), R("p2", "B", "x", 1)]
    x = build_report(records, bootstrap=0).per_code["x"]
    assert list(build_report(records, bootstrap=0).per_code) == ["x"]
    # p1: (0, 1), p2: (1, 1) -> o = [[0, 1], [1, 2]]: α = 1 - 3·2 / (2·1·3) = 0.
    assert x.presence.alpha == 0.0
