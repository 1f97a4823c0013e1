"""Carry what is attached to passages onto a new set of passages of the same text.

When a document is re-segmented, or a passage split or merged, each coding, coder state,
consensus decision and assignment is placed by its extent in the document text (the old
passage's offsets plus the span, or the whole passage):
- an extent equal to a new passage stays whole; one inside a bigger passage becomes a span
  (codings) or, for things that belong to a whole passage (states, consensus), moves only when
  the pieces of one coder (or one decision) together cover the new passage;
- an extent that crosses a boundary of the new passages cannot move, unless the caller asks to
  place it on each piece (a split: the lead cut that passage on purpose);
- assignments go to every new passage that overlaps their text (they are work to do, not data);
- two codings of the same coder and code that land on one passage are combined when they agree
  on the stance and only white space lies between them; otherwise the second cannot move;
- a consensus decision (the adjudicated state and its codes) moves as one: if any part of it
  cannot move, none of it does, so a consensus never claims a code is absent that was decided.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from workbench.core.i18n import _

SPANNABLE = frozenset({"annotation"})
SPREADING = frozenset({"assignment"})
DECISION = frozenset({"consensus_state", "consensus_annotation"})


@dataclass(frozen=True)
class Extent:
    """A stretch of the document text, in code points: start inclusive, end exclusive."""

    start: int
    end: int


@dataclass(frozen=True)
class Carried:
    """One thing attached to an old passage, with its extent in the document text."""

    kind: str
    id: int
    start: int
    end: int
    whole: bool
    # What may appear only once on a passage (coder and code for a coding), and what two such
    # things must share to be combined (the stance, the coded flag).
    key: tuple[object, ...] = ()
    value: object = None


@dataclass(frozen=True)
class Placement:
    """Where a carried thing lands: a new passage (by index) and a span in it, or the whole."""

    index: int
    span: tuple[int, int] | None


@dataclass
class Outcome:
    """What happens to one carried thing."""

    item: Carried
    status: str  # kept, moved, span, copied, combined, stuck
    placements: list[Placement] = field(default_factory=list)
    reason: str = ""
    into: int | None = None  # the id of the thing it was combined into
    absorbed: list[int] = field(default_factory=list)  # ids combined into this one

    @property
    def lands(self) -> bool:
        """Tell whether the thing survives on some new passage."""
        return bool(self.placements)


class _Index:
    """Find the new passages containing or overlapping an extent (they are sorted, disjoint)."""

    def __init__(self, passages: list[Extent]) -> None:
        self.passages = passages
        self.starts = [p.start for p in passages]

    def containing(self, start: int, end: int) -> int | None:
        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0 and self.passages[i].start <= start and end <= self.passages[i].end:
            return i
        return None

    def overlapping(self, start: int, end: int) -> list[int]:
        i = max(bisect.bisect_right(self.starts, start) - 1, 0)
        found = []
        while i < len(self.passages) and self.passages[i].start < end:
            p = self.passages[i]
            if p.start < end and start < p.end:
                found.append(i)
            i += 1
        return found


def plan(
    text: str, passages: list[Extent], items: list[Carried], *, copy_crossing: bool = False
) -> list[Outcome]:
    """Decide, for every carried thing, where it lands on the new passages (or why it cannot)."""
    index = _Index(passages)
    outcomes = [_place(text, index, item, copy_crossing) for item in items]
    _settle_partials(text, passages, outcomes)
    _settle_duplicates(text, passages, outcomes)
    _settle_decisions(outcomes)
    return outcomes


def _place(text: str, index: _Index, item: Carried, copy_crossing: bool) -> Outcome:
    if item.kind in SPREADING:
        hits = [i for i in index.overlapping(item.start, item.end) if _has_text(text, index, i)]
        if not hits:
            return Outcome(item, "stuck", reason=_("no new passage holds its text"))
        if len(hits) > 1:
            return Outcome(item, "copied", [Placement(i, None) for i in hits])
        target = index.passages[hits[0]]
        same = (item.start, item.end) == (target.start, target.end)
        return Outcome(item, "kept" if same else "moved", [Placement(hits[0], None)])
    i = index.containing(item.start, item.end)
    if i is not None:
        target = index.passages[i]
        if (item.start, item.end) == (target.start, target.end):
            if item.whole:
                return Outcome(item, "kept", [Placement(i, None)])
            return Outcome(item, "moved", [Placement(i, (0, target.end - target.start))])
        if item.kind in SPANNABLE:
            span = (item.start - target.start, item.end - target.start)
            return Outcome(item, "span" if item.whole else "moved", [Placement(i, span)])
        return Outcome(item, "partial", [Placement(i, None)])
    if not copy_crossing:
        return Outcome(item, "stuck", reason=_("its text now crosses a passage boundary"))
    placements = []
    for i in index.overlapping(item.start, item.end):
        target = index.passages[i]
        start, end = max(item.start, target.start), min(item.end, target.end)
        if not text[start:end].strip():
            continue
        whole = (start, end) == (target.start, target.end) or item.kind not in SPANNABLE
        piece = None if whole else (start - target.start, end - target.start)
        placements.append(Placement(i, piece))
    if not placements:
        return Outcome(item, "stuck", reason=_("no new passage holds its text"))
    return Outcome(item, "copied", placements, reason=_("placed on each part: review it"))


def _has_text(text: str, index: _Index, i: int) -> bool:
    p = index.passages[i]
    return bool(text[p.start : p.end].strip())


def _covers(text: str, target: Extent, parts: Sequence[Carried | Extent]) -> bool:
    """Whether the parts, in order, cover the target with only white space between them."""
    position = target.start
    ordered: list[Carried | Extent] = sorted(parts, key=lambda p: p.start)
    for part in ordered:
        if text[position : part.start].strip():
            return False
        position = max(position, part.end)
    return not text[position : target.end].strip()


def _groups(outcomes: list[Outcome], status: str | None) -> dict[tuple[object, ...], list[Outcome]]:
    groups: dict[tuple[object, ...], list[Outcome]] = {}
    for outcome in outcomes:
        if status is not None and outcome.status != status:
            continue
        for placement in outcome.placements:
            key = (placement.index, outcome.item.kind, *outcome.item.key)
            groups.setdefault(key, []).append(outcome)
    return groups


def _settle_partials(text: str, passages: list[Extent], outcomes: list[Outcome]) -> None:
    # States and consensus decisions that lie inside a bigger passage: they move only when
    # the pieces of one coder (or of one decision) cover it all and agree with each other.
    for (i, *_rest), group in _groups(outcomes, "partial").items():
        assert isinstance(i, int)
        values = {o.item.value for o in group}
        if len(values) == 1 and _covers(text, passages[i], [o.item for o in group]):
            _combine(group, Placement(i, None))
            continue
        for outcome in group:
            outcome.status, outcome.placements = "stuck", []
            outcome.reason = (
                _("it covered only part of the new passage")
                if len(values) == 1
                else _("the parts of the new passage disagree")
            )


def _settle_duplicates(text: str, passages: list[Extent], outcomes: list[Outcome]) -> None:
    for (i, kind, *_rest), group in _groups(outcomes, None).items():
        if len(group) < 2:
            continue
        assert isinstance(i, int)
        group.sort(key=lambda o: (o.item.start, o.item.id))
        if kind in SPREADING:
            for outcome in group[1:]:
                _drop_placement(outcome, i, group[0])
            continue
        target = passages[i]
        # Each one's text on this passage: a coding placed on each part of a cut passage
        # reaches past this one, and only its piece here is combined.
        parts = [_placed_on(o, i, target) for o in group]
        values = {o.item.value for o in group}
        start, end = min(p.start for p in parts), max(p.end for p in parts)
        if len(values) == 1 and _covers(text, Extent(start, end), parts):
            whole = (start, end) == (target.start, target.end)
            span = None if whole else (start - target.start, end - target.start)
            _combine(group, Placement(i, span))
            continue
        for outcome in group[1:]:
            outcome.status, outcome.placements = "stuck", []
            outcome.reason = (
                _("the same coder already has this code on the new passage")
                if kind in SPANNABLE
                else _("the new passage already has one")
            )


def _placed_on(outcome: Outcome, index: int, target: Extent) -> Extent:
    """The document text an outcome's placement on new passage ``index`` covers."""
    span = next(p.span for p in outcome.placements if p.index == index)
    if span is None:
        return Extent(target.start, target.end)
    return Extent(target.start + span[0], target.start + span[1])


def _combine(group: list[Outcome], placement: Placement) -> None:
    # Only the placements on this passage are combined: a thing copied onto each part of a
    # cut passage keeps its places on the other parts.
    first = group[0]
    kept = [p for p in first.placements if p.index != placement.index]
    first.placements = sorted([*kept, placement], key=lambda p: p.index)
    if first.status == "partial":
        first.status = "moved"
    if len(group) > 1:
        first.status = "combined" if first.status != "copied" else first.status
    for outcome in group[1:]:
        _drop_placement(outcome, placement.index, first)


def _drop_placement(outcome: Outcome, index: int, into: Outcome) -> None:
    outcome.placements = [p for p in outcome.placements if p.index != index]
    if not outcome.placements:
        outcome.status, outcome.into = "combined", into.item.id
        into.absorbed.append(outcome.item.id)


def _settle_decisions(outcomes: list[Outcome]) -> None:
    decisions = [o for o in outcomes if o.item.kind in DECISION]
    by_id = {(o.item.kind, o.item.id): o for o in decisions}

    def extents(o: Outcome) -> set[tuple[int, int]]:
        found = {(o.item.start, o.item.end)}
        for other in o.absorbed:
            found.add(_extent(by_id[(o.item.kind, other)]))
        if o.into is not None:
            found.add(_extent(by_id[(o.item.kind, o.into)]))
        return found

    changed = True
    while changed:
        changed = False
        lost = {_extent(o) for o in decisions if o.status == "stuck"}
        for o in decisions:
            if o.status != "stuck" and extents(o) & lost:
                o.status, o.placements, o.into = "stuck", [], None
                o.reason = _("part of a consensus decision that cannot move")
                changed = True


def _extent(o: Outcome) -> tuple[int, int]:
    return (o.item.start, o.item.end)
