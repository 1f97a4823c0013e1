"""Length-and-anchor alignment of two versions of one text (after Gale and Church, 1993).

Each version is a sequence of units (passages, or sentences of a run-together passage). A
dynamic programme finds the cheapest chain of beads — 1-1, 1-n, n-1 (n ≤ MAX_MANY on the side
with more units, ≤ 3 on the other) and unmatched units — where a bead costs
- the improbability of its length ratio: the expected ratio is learned from the pair itself
  (total length of the target over the source, so Chinese against English, or two English
  versions, need no table), its spread re-estimated from a first pass;
- minus the anchors both sides share (numbers with their magnitude, symbols, names) and plus
  those only one side has;
- the prior of its shape (1-1 commonest, unmatched rare).
The search keeps to a band around the diagonal, so its cost grows with the length of the texts,
not with their product.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.core.alignment.anchors import anchors

MAX_MANY = 10
MAX_FEW = 3
_MATCH_REWARD = 2.5
_MISMATCH_PENALTY = 0.8
_UNMATCHED = -math.log(0.01)
_ONE_ONE = -math.log(0.6)
_FLOOR = 1e-12


@dataclass(frozen=True, slots=True)
class Bead:
    """One aligned pair: indices of source units and of target units (one side may be empty)."""

    source: tuple[int, ...]
    target: tuple[int, ...]

    @property
    def relation(self) -> str:
        """'1-1', '1-n', 'n-1', 'source-only' or 'target-only'."""
        return relation_of(len(self.source), len(self.target))


def relation_of(sources: int, targets: int) -> str:
    """The relation name of a pair with that many units on each side."""
    if targets == 0:
        return "source-only"
    if sources == 0:
        return "target-only"
    if sources == 1 and targets == 1:
        return "1-1"
    if sources == 1:
        return "1-n"
    if targets == 1:
        return "n-1"
    return "n-n"


def _shape_cost(sources: int, targets: int) -> float:
    if sources == 1 and targets == 1:
        return _ONE_ONE
    many = max(sources, targets)
    # Each further unit in a bead is a little less likely than the one before.
    return -math.log(0.2) + 0.35 * (many - 2)


class _Side:
    """Prefix lengths and cached span anchors of one version."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.lengths = [len(t.strip()) for t in texts]
        self.prefix = [0]
        for n in self.lengths:
            self.prefix.append(self.prefix[-1] + n)
        self.anchors = [anchors(t) for t in texts]
        self._spans: dict[tuple[int, int], Counter[str]] = {}

    def length(self, start: int, end: int) -> int:
        return self.prefix[end] - self.prefix[start]

    def span_anchors(self, start: int, end: int) -> Counter[str]:
        key = (start, end)
        found = self._spans.get(key)
        if found is None:
            found = Counter()
            for i in range(start, end):
                found.update(self.anchors[i])
            self._spans[key] = found
        return found


def _anchor_cost(a: Counter[str], b: Counter[str]) -> float:
    if not a and not b:
        return 0.0
    shared = sum(min(n, b[k]) for k, n in a.items() if k in b)
    unshared = sum(a.values()) + sum(b.values()) - 2 * shared
    return -_MATCH_REWARD * shared + _MISMATCH_PENALTY * unshared


def _length_cost(ls: int, lt: int, ratio: float, spread: float) -> float:
    mean = (ls + lt / ratio) / 2 or 1.0
    delta = (lt - ratio * ls) / math.sqrt(spread * mean)
    return -math.log(max(math.erfc(abs(delta) / math.sqrt(2)), _FLOOR))


def align(source: Sequence[str], target: Sequence[str]) -> list[Bead]:
    """The cheapest chain of beads between two versions' units, in order."""
    if not source or not target:
        return [Bead((i,), ()) for i in range(len(source))] + [
            Bead((), (j,)) for j in range(len(target))
        ]
    src, tgt = _Side(source), _Side(target)
    ratio = max(tgt.prefix[-1], 1) / max(src.prefix[-1], 1)
    spread = 6.8 * ratio
    beads = _search(src, tgt, ratio, spread)
    # Second pass: the spread of lengths as this pair shows it.
    sizes = [
        (src.length(b.source[0], b.source[-1] + 1), tgt.length(b.target[0], b.target[-1] + 1))
        for b in beads
        if b.source and b.target
    ]
    useful = [(ls, lt) for ls, lt in sizes if ls > 0]
    if len(useful) >= 3:
        # The median, not the mean: a wrongly merged bead of the first pass must not widen the
        # spread that the second pass judges merges by.
        spreads = sorted((lt - ratio * ls) ** 2 / ((ls + lt / ratio) / 2) for ls, lt in useful)
        spread = max(spreads[len(spreads) // 2], 0.5 * ratio)
        beads = _search(src, tgt, ratio, spread)
    return beads


def _band(src: _Side, tgt: _Side) -> list[tuple[int, int]]:
    """For each source boundary i, the target boundaries j the search may visit."""
    n, m = len(src.lengths), len(tgt.lengths)
    width = max(2 * MAX_MANY, m // 8, n // 8)
    band: list[tuple[int, int]] = []
    j = 0
    total_s, total_t = max(src.prefix[-1], 1), max(tgt.prefix[-1], 1)
    for i in range(n + 1):
        share = src.prefix[i] / total_s
        while j < m and tgt.prefix[j + 1] / total_t <= share:
            j += 1
        band.append((max(0, j - width), min(m, j + width)))
    return band


def _search(src: _Side, tgt: _Side, ratio: float, spread: float) -> list[Bead]:
    n, m = len(src.lengths), len(tgt.lengths)
    band = _band(src, tgt)
    inf = math.inf
    cost: list[dict[int, float]] = [{} for _ in range(n + 1)]
    back: list[dict[int, tuple[int, int]]] = [{} for _ in range(n + 1)]
    cost[0][0] = 0.0
    shapes = [(1, 0), (0, 1)]
    shapes += [(1, k) for k in range(1, MAX_MANY + 1)]
    shapes += [(k, 1) for k in range(2, MAX_MANY + 1)]
    for i in range(n + 1):
        low, high = band[i]
        row = cost[i]
        for j in range(low, high + 1):
            best, step = row.get(j, inf), (0, 0)
            for di, dj in shapes:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0:
                    continue
                before = cost[pi].get(pj)
                if before is None:
                    continue
                total = before + _bead_cost(src, tgt, pi, i, pj, j, ratio, spread)
                if total < best:
                    best, step = total, (di, dj)
            if best < inf and step != (0, 0):
                row[j] = best
                back[i][j] = step
    if m not in cost[n]:
        raise ValueError("no alignment within the search band")
    beads: list[Bead] = []
    i, j = n, m
    while i > 0 or j > 0:
        di, dj = back[i][j]
        beads.append(Bead(tuple(range(i - di, i)), tuple(range(j - dj, j))))
        i, j = i - di, j - dj
    beads.reverse()
    return beads


def _bead_cost(
    src: _Side, tgt: _Side, s0: int, s1: int, t0: int, t1: int, ratio: float, spread: float
) -> float:
    if s1 == s0 or t1 == t0:
        return _UNMATCHED + 0.01 * (src.length(s0, s1) * ratio + tgt.length(t0, t1))
    ls, lt = src.length(s0, s1), tgt.length(t0, t1)
    return (
        _shape_cost(s1 - s0, t1 - t0)
        + _length_cost(ls, lt, ratio, spread)
        + _anchor_cost(src.span_anchors(s0, s1), tgt.span_anchors(t0, t1))
    )
