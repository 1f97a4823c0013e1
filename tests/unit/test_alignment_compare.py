"""Codes across versions: counts, differing pairs and α checked against `krippendorff`."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from workbench.core.agreement import Resampling
from workbench.core.alignment.compare import compare

PAIRS = [
    ({1: 2, 2: None}, {1: 2, 2: None}),
    ({1: 1}, {1: 2}),
    ({2: None}, {}),
    ({}, {1: -1}),
    (None, {1: 0}),  # the source side is not coded: missing, not absent
    ({1: 0, 2: None}, {1: 0, 2: None}),
    ({1: 2}, {1: 1}),
]


def test_counts_and_differences():
    result = compare(PAIRS, [1, 2], Resampling(replicates=0))
    assert result.compared_pairs == 6
    one, two = result.codes
    assert (one.both, one.source_only, one.target_only) == (4, 0, 1)
    assert (two.both, two.source_only, two.target_only) == (2, 1, 0)
    assert (one.stance_pairs, one.stance_changed) == (4, 2)
    assert [
        (d.position, d.only_source, d.only_target, d.stance_changes) for d in result.differences
    ] == [
        (1, (), (), ((1, 1, 2),)),
        (2, (2,), (), ()),
        (3, (), (1,), ()),
        (6, (), (), ((1, 2, 1),)),
    ]


def test_alpha_with_the_version_as_rater_matches_krippendorff():
    result = compare(PAIRS, [1, 2], Resampling(replicates=200, seed=7))
    coded = [(s, t) for s, t in PAIRS if s is not None and t is not None]
    for code in result.codes:
        data = np.array(
            [
                [int(code.code_id in s) for s, _ in coded],
                [int(code.code_id in t) for _, t in coded],
            ],
            float,
        )
        assert code.alpha == pytest.approx(
            krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        )
        assert code.interval is not None and code.interval.low <= code.interval.high
    stances = np.array([[2, 1, 0, 2], [2, 2, 0, 1]], float)
    expected = krippendorff.alpha(reliability_data=stances, level_of_measurement="interval")
    assert result.codes[0].stance_alpha == pytest.approx(expected)
