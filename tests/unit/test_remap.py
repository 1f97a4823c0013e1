"""The pure planner that carries codings onto new passages, on hand-built cases."""

from __future__ import annotations

from workbench.core.corpus.remap import Carried
from workbench.core.corpus.remap import Extent
from workbench.core.corpus.remap import plan

#       0         1         2         3
#       0123456789012345678901234567890123456
TEXT = "Alpha beta. Gamma delta.\n\nEpsilon."
SENTENCES = [Extent(0, 11), Extent(12, 24), Extent(26, 34)]
PARAGRAPHS = [Extent(0, 24), Extent(26, 34)]


def _one(items: list[Carried], passages: list[Extent], **kw: bool) -> list[tuple[str, list]]:
    return [
        (o.status, [(p.index, p.span) for p in o.placements])
        for o in plan(TEXT, passages, items, **kw)
    ]


def test_whole_codings_stay_whole_become_spans_or_are_stuck() -> None:
    items = [
        Carried("annotation", 1, 26, 34, True, (1, 1)),  # the same passage again
        Carried("annotation", 2, 0, 11, True, (1, 2)),  # a sentence inside a paragraph
        Carried("annotation", 3, 0, 24, True, (1, 3)),  # a paragraph across two sentences
    ]
    assert _one(items[:1], SENTENCES) == [("kept", [(2, None)])]
    assert _one(items[1:2], PARAGRAPHS) == [("span", [(0, (0, 11))])]
    assert _one(items[2:], SENTENCES) == [("stuck", [])]


def test_spans_keep_their_characters() -> None:
    span = Carried("annotation", 1, 18, 23, False, (1, 1))  # "delta"
    status, [(index, (start, end))] = _one([span], SENTENCES)[0]
    assert (status, index) == ("moved", 1)
    assert TEXT[SENTENCES[1].start + start : SENTENCES[1].start + end] == "delta"


def test_neighbours_with_one_stance_combine_and_others_do_not() -> None:
    same = [
        Carried("annotation", 1, 0, 11, True, (1, 7), 2),
        Carried("annotation", 2, 12, 24, True, (1, 7), 2),
    ]
    outcomes = plan(TEXT, PARAGRAPHS, same)
    assert [o.status for o in outcomes] == ["combined", "combined"]
    assert outcomes[0].placements[0].span is None and outcomes[0].absorbed == [2]
    assert outcomes[1].into == 1
    differ = [same[0], Carried("annotation", 2, 12, 24, True, (1, 7), -2)]
    assert [o.status for o in plan(TEXT, PARAGRAPHS, differ)] == ["span", "stuck"]
    other_coder = [same[0], Carried("annotation", 2, 12, 24, True, (2, 7), 2)]
    assert [o.status for o in plan(TEXT, PARAGRAPHS, other_coder)] == ["span", "span"]


def test_states_move_only_when_they_cover_the_new_passage() -> None:
    both = [
        Carried("passage_state", 1, 0, 11, True, (1,), True),
        Carried("passage_state", 2, 12, 24, True, (1,), True),
    ]
    assert [o.status for o in plan(TEXT, PARAGRAPHS, both)] == ["combined", "combined"]
    half = both[:1]
    assert [o.status for o in plan(TEXT, PARAGRAPHS, half)] == ["stuck"]
    nothing_and_coded = [both[0], Carried("passage_state", 2, 12, 24, True, (1,), False)]
    outcomes = plan(TEXT, PARAGRAPHS, nothing_and_coded)
    assert [o.status for o in outcomes] == ["stuck", "stuck"]
    assert outcomes[0].reason == "the parts of the new passage disagree"


def test_a_split_copies_whole_things_and_cuts_crossing_spans() -> None:
    whole = Carried("annotation", 1, 0, 24, True, (1, 1))
    crossing = Carried("annotation", 2, 6, 17, False, (2, 1))  # "beta. Gamma"
    state = Carried("passage_state", 3, 0, 24, True, (1,), True)
    outcomes = plan(TEXT, SENTENCES, [whole, crossing, state], copy_crossing=True)
    assert [(o.status, [(p.index, p.span) for p in o.placements]) for o in outcomes] == [
        ("copied", [(0, None), (1, None)]),
        ("copied", [(0, (6, 11)), (1, (0, 5))]),
        ("copied", [(0, None), (1, None)]),
    ]


def test_assignments_spread_and_never_duplicate() -> None:
    items = [
        Carried("assignment", 1, 0, 24, True, (1, None)),
        Carried("assignment", 2, 0, 11, True, (1, None)),
        Carried("assignment", 3, 26, 34, True, (1, 9)),
    ]
    outcomes = plan(TEXT, SENTENCES, items)
    assert [(o.status, [p.index for p in o.placements]) for o in outcomes] == [
        ("copied", [0, 1]),
        ("combined", []),  # the first already puts sentence 0 in that coder's queue
        ("kept", [2]),  # the same passage again
    ]
    inside = plan(TEXT, PARAGRAPHS, [Carried("assignment", 4, 12, 24, True, (1, None))])
    assert [(o.status, [p.index for p in o.placements]) for o in inside] == [("moved", [0])]


def test_offsets_count_code_points() -> None:
    text = "😀中文。好的。"
    sentences = [Extent(0, 4), Extent(4, 7)]
    span = Carried("annotation", 1, 5, 6, False, (1, 1))  # "的"
    [outcome] = plan(text, sentences, [span])
    start, end = outcome.placements[0].span or (0, 0)
    assert text[4 + start : 4 + end] == "的"


def test_a_consensus_decision_moves_whole_or_not_at_all() -> None:
    # Both sentences adjudicated, but only the first with code 7: joined, the paragraph's
    # consensus would claim code 7 for the second sentence too (or drop it): nothing moves.
    items = [
        Carried("consensus_state", 1, 0, 11, True, (), None),
        Carried("consensus_state", 2, 12, 24, True, (), None),
        Carried("consensus_annotation", 3, 0, 11, True, (7,), 1),
    ]
    outcomes = plan(TEXT, PARAGRAPHS, items)
    assert [o.status for o in outcomes] == ["stuck", "stuck", "stuck"]
    assert outcomes[0].reason == "part of a consensus decision that cannot move"
    agreed = [*items, Carried("consensus_annotation", 4, 12, 24, True, (7,), 1)]
    outcomes = plan(TEXT, PARAGRAPHS, agreed)
    assert [o.status for o in outcomes] == ["combined"] * 4
    assert [(p.index, p.span) for p in outcomes[0].placements] == [(0, None)]


def test_a_coding_copied_across_parts_combines_only_its_piece_and_keeps_the_rest() -> None:
    # Old passages "Alpha beta. Gamma" (0-17) and " delta." (17-24), one coding on each (same
    # coder, code and stance); the new passages are the two sentences. The first coding crosses
    # the sentence boundary and is copied onto both; on the second sentence it meets the second
    # coding. Only its piece there combines: its place on the first sentence stays, and no span
    # reaches past its passage.
    items = [
        Carried("annotation", 1, 0, 17, True, (1, 7), 1),
        Carried("annotation", 2, 17, 24, True, (1, 7), 1),
    ]
    first, second = plan(TEXT, SENTENCES, items, copy_crossing=True)
    assert [(p.index, p.span) for p in first.placements] == [(0, None), (1, None)]
    assert second.placements == [] and second.into == 1 and first.absorbed == [2]
    for outcome in (first, second):
        for p in outcome.placements:
            target = SENTENCES[p.index]
            assert p.span is None or p.span[1] <= target.end - target.start
