"""Codes and stances of one coder across two versions, pair by aligned pair.

Each aligned pair is a unit and each version a rater: a code's presence on the source side and
on the target side are two ratings of the same unit, so Krippendorff's α (with its bootstrap
interval, from ``core.agreement``) says how far coding survives translation. A side the coder
has not marked coded is missing, not absent, as everywhere in the workbench. Stances are
compared where the code is on both sides with a stance (α at the interval level).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.core.agreement import BootstrapInterval
from workbench.core.agreement import Resampling
from workbench.core.agreement import alpha_bootstrap
from workbench.core.agreement import krippendorff_alpha
from workbench.core.agreement import rating_matrix

# One side of a pair as coded: code → stance (None: no stance); None for the side: not coded.
SideCodes = Mapping[int, int | None] | None


@dataclass(frozen=True, slots=True)
class CodeAcross:
    """One code across the versions."""

    code_id: int
    both: int
    source_only: int
    target_only: int
    alpha: float | None
    interval: BootstrapInterval | None
    stance_pairs: int
    stance_changed: int
    stance_alpha: float | None
    stance_interval: BootstrapInterval | None


@dataclass(frozen=True, slots=True)
class PairDifference:
    """A pair whose codes or stances differ between the versions."""

    position: int
    only_source: tuple[int, ...]
    only_target: tuple[int, ...]
    stance_changes: tuple[tuple[int, int, int], ...]  # (code, source stance, target stance)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every code across the versions and the pairs that differ."""

    compared_pairs: int
    codes: list[CodeAcross]
    differences: list[PairDifference]


def compare(
    pairs: Sequence[tuple[SideCodes, SideCodes]],
    code_ids: Sequence[int],
    resampling: Resampling | None = None,
) -> Comparison:
    """Compare one coder's (or the consensus') codes on the two sides of each pair."""
    resampling = resampling or Resampling(replicates=1000)
    both_coded: list[tuple[int, Mapping[int, int | None], Mapping[int, int | None]]] = [
        (i, s, t) for i, (s, t) in enumerate(pairs) if s is not None and t is not None
    ]
    codes: list[CodeAcross] = []
    for code in code_ids:
        presence = [[int(code in s), int(code in t)] for _, s, t in both_coded]
        stance: list[list[int]] = []
        for _, s, t in both_coded:
            a, b = s.get(code), t.get(code)
            if a is not None and b is not None:
                stance.append([a, b])
        codes.append(
            CodeAcross(
                code_id=code,
                both=sum(1 for a, b in presence if a and b),
                source_only=sum(1 for a, b in presence if a and not b),
                target_only=sum(1 for a, b in presence if b and not a),
                alpha=_alpha(presence, "nominal"),
                interval=_interval(presence, "nominal", resampling),
                stance_pairs=len(stance),
                stance_changed=sum(1 for a, b in stance if a != b),
                stance_alpha=_alpha(stance, "interval"),
                stance_interval=_interval(stance, "interval", resampling),
            )
        )
    differences = []
    for position, s, t in both_coded:
        only_s = tuple(sorted(set(s) - set(t)))
        only_t = tuple(sorted(set(t) - set(s)))
        changes = tuple(
            (c, a, b)
            for c in sorted(set(s) & set(t))
            if (a := s[c]) is not None and (b := t[c]) is not None and a != b
        )
        if only_s or only_t or changes:
            differences.append(PairDifference(position, only_s, only_t, changes))
    return Comparison(len(both_coded), codes, differences)


def _alpha(rows: list[list[int]], level: str) -> float | None:
    if not rows:
        return None
    return krippendorff_alpha(rating_matrix(rows, coders=["source", "target"]), level)


def _interval(
    rows: list[list[int]], level: str, resampling: Resampling
) -> BootstrapInterval | None:
    if not rows or resampling.replicates == 0:
        return None
    return alpha_bootstrap(rating_matrix(rows, coders=["source", "target"]), level, resampling)
