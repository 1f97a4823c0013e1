"""Cut passages between selections that would otherwise have to share one annotation (pure).

A passage holds one annotation per coder and code, so two disjoint selections of the same coder
and code in one passage could only come in as one span over both (and the text between). The
passage is cut in the gap between them instead, at a point no other selection crosses: a line
break if there is one, else white space, else the end of the earlier selection. Where no such
point exists (the two overlap, or other selections cover the whole gap) the pair stays joined,
and the join is returned with its reason so the import can say it is not exact.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

from workbench.core.corpus.types import PassageSpec
from workbench.core.i18n import _

Keyed = tuple[int, int, Hashable | None]


@dataclass(frozen=True)
class Join:
    """Two selections of one key that must share a passage, and why they cannot be kept apart."""

    earlier: tuple[int, int]
    later: tuple[int, int]
    key: Hashable
    reason: str


@dataclass(frozen=True)
class _Pair:
    earlier: tuple[int, int]
    later: tuple[int, int]
    key: Hashable
    gap: tuple[int, int] | None  # None when the two overlap


def _near(text: str) -> str:
    return " ".join(text.split())


def cut_passages(
    text: str, passages: Sequence[PassageSpec], selections: Sequence[Keyed]
) -> tuple[list[PassageSpec], list[str], list[Join]]:
    """Cut passages until no two disjoint selections of one key share one, where that is safe."""
    spans = sorted(((s, e, k) for s, e, k in selections if s < e), key=lambda x: x[:2])
    starts = [s for s, _, _ in spans]
    out: list[PassageSpec] = []
    changes: list[str] = []
    joins: list[Join] = []
    for passage in passages:
        work = [passage]
        while work:
            piece = work.pop()
            first = bisect.bisect_left(starts, piece.start)
            last = bisect.bisect_left(starts, piece.end)
            inside = [x for x in spans[first:last] if x[1] <= piece.end]
            pairs = _pairs(inside)
            points = (_cut_point(text, p.gap, inside) for p in pairs if p.gap is not None)
            at = next((a for a in points if a is not None), None)
            if at is None:
                out.append(piece)
                joins += [_join(pair) for pair in pairs]
                continue
            left, right = _halves(text, piece, at, inside)
            changes.append(
                _(
                    "passage at characters %(start)s-%(end)s cut at character %(at)s "
                    "('%(value)s' | '%(value2)s'): two selections of one coder with one "
                    "code lie in it",
                    start=piece.start,
                    end=piece.end,
                    at=at,
                    value=_near(text[max(piece.start, at - 25) : at]),
                    value2=_near(text[at : min(piece.end, at + 25)]),
                )
            )
            work += [right, left]  # left is taken next, so the output stays in text order
    return out, changes, joins


def _pairs(inside: list[Keyed]) -> list[_Pair]:
    """Consecutive selections of one key in a passage, with the gap between them."""
    by_key: dict[Hashable, list[tuple[int, int]]] = {}
    for start, end, key in inside:
        if key is not None:
            by_key.setdefault(key, []).append((start, end))
    out = []
    for key, ranges in by_key.items():
        reach = ranges[0]  # the selection reaching furthest so far
        for start, end in ranges[1:]:
            gap = (reach[1], start) if reach[1] <= start else None
            out.append(_Pair(reach, (start, end), key, gap))
            if end > reach[1]:
                reach = (start, end)
    return sorted(out, key=lambda p: p.later)


def _cut_point(text: str, gap: tuple[int, int], inside: list[Keyed]) -> int | None:
    """Where in the gap to cut: a line break, else white space, else the earlier end, else any."""
    free = [c for c in range(gap[0], gap[1] + 1) if not any(s < c < e for s, e, _ in inside)]

    def near(c: int, test: str | None) -> bool:
        around = text[max(0, c - 1) : c + 1]
        return any(ch == test if test else ch.isspace() for ch in around)

    for choice in (
        [c for c in free if near(c, "\n")],
        [c for c in free if near(c, None)],
        [c for c in free if c == gap[0]],
        free,
    ):
        if choice:
            return choice[0]
    return None


def _halves(
    text: str, piece: PassageSpec, at: int, inside: list[Keyed]
) -> tuple[PassageSpec, PassageSpec]:
    """The two passages either side of a cut, white space at the cut trimmed off both."""
    # Trimming stops at any selection boundary, so no selection loses a character.
    floor = max([piece.start, *(e for _, e, _ in inside if e <= at)])
    ceiling = min([piece.end, *(s for s, _, _ in inside if s >= at)])
    end = at
    while end > floor and text[end - 1].isspace():
        end -= 1
    start = at
    while start < ceiling and text[start].isspace():
        start += 1
    return (
        replace(piece, text=text[piece.start : end], end=end),
        replace(piece, text=text[start : piece.end], start=start),
    )


def _join(pair: _Pair) -> Join:
    if pair.gap is None:
        reason = "the two overlap"
    else:
        reason = (
            f"other selections cover all of the text between them (characters "
            f"{pair.gap[0]}-{pair.gap[1]}), so the passage cannot be cut there"
        )
    return Join(pair.earlier, pair.later, pair.key, reason)
