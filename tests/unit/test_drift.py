"""Coder drift over synthetic codings whose answer is known, against independent computations."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from workbench.core.agreement import CodingRecord
from workbench.core.agreement import build_report
from workbench.core.drift import CodedPassage
from workbench.core.drift import _alpha_kappa
from workbench.core.drift import coder_drift
from workbench.core.drift import window_matrix

CODES = ("a", "b", "c", "d")


def _truth(n: int, seed: int = 1) -> list[frozenset[str]]:
    rng = np.random.default_rng(seed)
    return [frozenset(c for c in CODES if rng.random() < 0.35) for _ in range(n)]


def _random_codes(rng: np.random.Generator) -> frozenset[str]:
    return frozenset(c for c in CODES if rng.random() < 0.5)


def _coded(sets: list[frozenset[str]], docs: int = 1) -> list[CodedPassage]:
    per_doc = max(1, len(sets) // docs)
    return [
        CodedPassage(i + 1, f"doc{i // per_doc}", f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}", s)
        for i, s in enumerate(sets)
    ]


def test_coder_who_turns_random_after_60_is_flagged_from_passage_61() -> None:
    truth = _truth(120)
    rng = np.random.default_rng(7)
    mine = truth[:60] + [_random_codes(rng) for _ in range(60)]
    result = coder_drift(
        "eve", _coded(mine), {i + 1: [t] for i, t in enumerate(truth)}, CODES, window=20
    )
    assert [w.passages for w in result.windows] == [20] * 6
    assert all(w.alpha == 1.0 for w in result.windows[:3])
    flagged = sorted({f.window for f in result.flags if f.reason == "below threshold"})
    assert flagged == [3, 4, 5]
    assert result.windows[flagged[0]].first_passage == 61
    assert all(w.alpha is not None and w.alpha < 0.5 for w in result.windows[3:])


def test_consistent_coder_with_rare_slips_is_not_flagged() -> None:
    truth = _truth(120, seed=3)
    rng = np.random.default_rng(11)
    mine = []
    for t in truth:
        if rng.random() < 0.03:  # an occasional slip: one code missed or added
            t = t ^ {CODES[int(rng.integers(len(CODES)))]}
        mine.append(frozenset(t))
    result = coder_drift(
        "sam", _coded(mine), {i + 1: [t] for i, t in enumerate(truth)}, CODES, window=20
    )
    assert result.flags == ()
    assert all(w.alpha is not None and w.alpha > 0.8 for w in result.windows)


def test_drop_from_certification_is_flagged() -> None:
    truth = _truth(40, seed=5)
    rng = np.random.default_rng(2)
    mine = [t ^ {"a"} if rng.random() < 0.25 else t for t in truth]
    result = coder_drift(
        "kim",
        _coded(mine),
        {i + 1: [t] for i, t in enumerate(truth)},
        CODES,
        window=20,
        threshold=0.0,
        certification=1.0,
        drop=0.05,
    )
    assert {f.reason for f in result.flags} == {"drop from certification"}


def test_window_figures_equal_the_agreement_functions_on_the_same_units() -> None:
    truth = _truth(45, seed=9)
    rng = np.random.default_rng(4)
    mine = [_random_codes(rng) if rng.random() < 0.4 else t for t in truth]
    comparisons = {i + 1: [t] for i, t in enumerate(truth)}
    result = coder_drift("lee", _coded(mine), comparisons, CODES, window=15)
    for w in result.windows:
        ids = range(w.first_passage, w.last_passage + 1)
        # κ: the agreement report's coder-against-reference κ pooled over codes.
        records = [CodingRecord(p, "lee", c) for p in ids for c in mine[p - 1]]
        records += [CodingRecord(p, "lee", None) for p in ids]
        reference = [CodingRecord(p, "ref", c) for p in ids for c in truth[p - 1]]
        reference += [CodingRecord(p, "ref", None) for p in ids]
        report = build_report(records, codes=CODES, bootstrap=0, reference=reference)
        assert report.reference is not None
        assert w.kappa == pytest.approx(report.reference["lee"].kappa, abs=1e-12)
        # α: an independent implementation over (passage, code) units.
        data = np.array(
            [
                [int(c in mine[p - 1]) for p in ids for c in CODES],
                [int(c in truth[p - 1]) for p in ids for c in CODES],
            ],
            dtype=float,
        )
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert w.alpha == pytest.approx(expected, abs=1e-9)
        assert w.units == len(ids) * len(CODES)
        # The bootstrap's closed form gives the same point values on the pooled table.
        table = np.zeros((2, 2))
        for a, b in zip(data[0].astype(int), data[1].astype(int), strict=True):
            table[a, b] += 1
        closed_alpha, closed_kappa = _alpha_kappa(table)
        assert closed_alpha == pytest.approx(w.alpha) and closed_kappa == pytest.approx(w.kappa)
        assert w.alpha_ci95 is not None and w.alpha_ci95[0] <= w.alpha <= w.alpha_ci95[1]
        assert w.kappa_ci95 is not None and w.kappa_ci95[0] <= w.kappa <= w.kappa_ci95[1]


def test_against_other_coders_pools_every_overlap() -> None:
    truth = _truth(30, seed=2)
    rng = np.random.default_rng(8)
    other1 = [_random_codes(rng) if rng.random() < 0.3 else t for t in truth]
    other2 = [_random_codes(rng) if rng.random() < 0.3 else t for t in truth]
    comparisons = {i + 1: [other1[i], other2[i]] for i in range(20)}  # overlap: first 20 only
    result = coder_drift("ann", _coded(truth), comparisons, CODES, window=30, replicates=0)
    (w,) = result.windows
    assert w.passages == 20 and w.units == 20 * 2 * len(CODES)
    records = [CodingRecord(p, "ann", c) for p in range(1, 21) for c in truth[p - 1]]
    for name, layer in (("o1", other1), ("o2", other2)):
        records += [CodingRecord(p, name, c) for p in range(1, 21) for c in layer[p - 1]]
    records += [CodingRecord(p, n, None) for p in range(1, 21) for n in ("ann", "o1", "o2")]
    report = build_report(records, codes=CODES, bootstrap=0)
    pooled = sum(
        report.coder_pairs[key].pooled_agreement * report.coder_pairs[key].shared_passages
        for key in report.coder_pairs
        if "ann" in report.coder_pairs[key].coders
    )
    assert w.agreement == pytest.approx(pooled / 40)
    matrix = window_matrix(CODES, _coded(truth)[:20], comparisons)
    assert matrix.n_units == w.units
    assert w.alpha_ci95 is None  # no replicates asked for


def test_per_document_windows_and_small_samples_have_no_interval() -> None:
    truth = _truth(12, seed=4)
    result = coder_drift(
        "bo",
        _coded(truth, docs=3),
        {i + 1: [t] for i, t in enumerate(truth)},
        CODES,
        per_document=True,
    )
    assert [w.label for w in result.windows] == ["doc0", "doc1", "doc2"]
    assert all(w.passages == 4 and w.alpha_ci95 is None for w in result.windows)


def test_passages_without_comparison_are_left_out_and_bad_windows_refused() -> None:
    truth = _truth(10)
    result = coder_drift("x", _coded(truth), {1: [truth[0]], 2: []}, CODES, window=5)
    assert result.passages == 1
    with pytest.raises(ValueError):
        coder_drift("x", _coded(truth), {}, CODES, window=1)
