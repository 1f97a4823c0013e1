"""Fit passages around imported selections so each lies inside one codable passage (pure).

Another tool's selection may cross the workbench's passage boundaries or fall in text the
workbench would not let anyone code. Rather than cut the selection (and lose its exact text),
the passages give way: the passages one selection touches, and the text between them, become
one passage; a passage that holds a selection is codable. Then passages are cut between two
selections of the same key (coder and code) that would otherwise share one (``refit_cut``).
Every such change is described so the import report can list it.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from workbench.core.corpus.refit_cut import Join
from workbench.core.corpus.refit_cut import cut_passages
from workbench.core.corpus.types import PassageSpec
from workbench.core.i18n import _

# A selection: (start, end) or (start, end, key); selections of one key never share a passage
# when a cut can keep them apart (the key is the coder and code of an imported coding).
Selection = tuple[int, int] | tuple[int, int, Hashable | None]


@dataclass(frozen=True)
class Refit:
    """The new passages, in words each change made to the old ones, and joins left unavoidable."""

    passages: list[PassageSpec]
    changes: list[str]
    joins: list[Join] = field(default_factory=list)


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:37] + "..."


def fit_passages(
    text: str, passages: Sequence[PassageSpec], selections: Sequence[Selection]
) -> Refit:
    """Merge, widen and cut passages: each selection inside one, one key's selections apart."""
    keyed = [(s[0], s[1], s[2] if len(s) == 3 else None) for s in selections]
    blocks = _blocks(passages, [(s, e) for s, e, _ in keyed])
    out: list[PassageSpec] = []
    changes: list[str] = []
    starts = [p.start for p in passages]
    index = 0
    for block_start, block_end in blocks:
        while index < len(passages) and passages[index].end <= block_start:
            out.append(passages[index])
            index += 1
        first = index
        while index < len(passages) and passages[index].start < block_end:
            index += 1
        inside = list(passages[first:index])
        merged = _merged(text, inside, block_start, block_end, passages, starts)
        out.append(merged)
        changes.extend(_describe(inside, merged))
    out.extend(passages[index:])
    cut, cuts, joins = cut_passages(text, out, keyed)
    return Refit([replace(p, ordinal=n) for n, p in enumerate(cut)], changes + cuts, joins)


def _blocks(
    passages: Sequence[PassageSpec], selections: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Stretches of text that must be one passage: a selection and the passages it touches."""
    wanted = []
    ends = [p.end for p in passages]
    for start, end in selections:
        if start >= end:
            continue
        touched = _touching(passages, ends, start, end)
        if (
            len(touched) == 1
            and touched[0].start <= start
            and end <= touched[0].end
            and touched[0].codable
        ):
            continue  # already fits
        lo = min([start, *(p.start for p in touched)])
        hi = max([end, *(p.end for p in touched)])
        wanted.append((lo, hi))
    wanted.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in wanted:
        if merged and lo < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    # A stretch that now reaches into another passage must take it in too.
    return _close(passages, ends, merged)


def _touching(
    passages: Sequence[PassageSpec], ends: list[int], start: int, end: int
) -> list[PassageSpec]:
    """The passages that share text with [start, end); passages are sorted and disjoint."""
    out = []
    index = bisect.bisect_right(ends, start)
    while index < len(passages) and passages[index].start < end:
        out.append(passages[index])
        index += 1
    return out


def _close(
    passages: Sequence[PassageSpec], ends: list[int], blocks: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in blocks:
        for p in _touching(passages, ends, lo, hi):
            lo, hi = min(lo, p.start), max(hi, p.end)
        if out and lo < out[-1][1]:
            out[-1] = (out[-1][0], max(hi, out[-1][1]))
        else:
            out.append((lo, hi))
    return out


def _merged(
    text: str,
    inside: list[PassageSpec],
    start: int,
    end: int,
    passages: Sequence[PassageSpec],
    starts: list[int],
) -> PassageSpec:
    base = inside[0] if inside else passages[max(0, bisect.bisect_right(starts, start) - 1)]
    return replace(base, text=text[start:end], start=start, end=end, codable=True)


def _describe(inside: list[PassageSpec], merged: PassageSpec) -> list[str]:
    where = f"characters {merged.start}-{merged.end} ('{_preview(merged.text)}')"
    if len(inside) > 1:
        made = " (some were not codable)" if any(not p.codable for p in inside) else ""
        return [
            f"passages {inside[0].ordinal + 1}-{inside[-1].ordinal + 1} merged into one at "
            f"{where}: a selection crosses them{made}"
        ]
    if not inside:
        return [f"a passage was made at {where}: a selection lies between passages"]
    old = inside[0]
    notes = []
    if (old.start, old.end) != (merged.start, merged.end):
        notes.append(
            _(
                "passage %(value)s widened to %(where)s: a selection runs past it",
                value=old.ordinal + 1,
                where=where,
            )
        )
    if not old.codable:
        notes.append(
            _(
                "passage %(value)s made codable at %(where)s: a selection lies in it",
                value=old.ordinal + 1,
                where=where,
            )
        )
    return notes
