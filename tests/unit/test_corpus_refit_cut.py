"""Passages cut between selections of one coder and code, so each keeps its own exact span."""

from __future__ import annotations

from workbench.core.corpus import segment
from workbench.core.corpus.refit import fit_passages
from workbench.core.corpus.types import PassageSpec

A = ("coder 1", "code 1")
B = ("coder 2", "code 1")


def _at(text: str, part: str, key: object = A, nth: int = 0) -> tuple[int, int, object]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return (start, start + len(part), key)


def _passage(text: str, **meta: object) -> PassageSpec:
    fields: dict[str, object] = {
        "speaker": None,
        "delegation": None,
        "language": None,
        "original_language": None,
        "turn": None,
    }
    fields.update(meta)
    return PassageSpec(0, text, 0, len(text), codable=True, **fields)  # type: ignore[arg-type]


def test_two_selections_of_one_key_in_a_paragraph_become_two_passages_with_their_text() -> None:
    text = "China condemns terrorism in all its forms."
    passage = _passage(text, speaker="China", delegation="CHN", turn=4)
    refit = fit_passages(text, [passage], [_at(text, "China condemns"), _at(text, "all its")])
    # At the first white space after the earlier selection, trimmed off both halves.
    assert [p.text for p in refit.passages] == ["China condemns", "terrorism in all its forms."]
    assert [(p.start, p.end) for p in refit.passages] == [(0, 14), (15, 42)]
    assert [p.ordinal for p in refit.passages] == [0, 1]
    # Both halves keep what was known about the passage, and stay codable.
    assert {(p.speaker, p.delegation, p.turn, p.codable) for p in refit.passages} == {
        ("China", "CHN", 4, True)
    }
    [change] = refit.changes
    assert change == (
        "passage at characters 0-42 cut at character 14 ('China condemns' | "
        "'terrorism in all its for'): two selections of one coder with one code lie in it"
    )
    assert refit.joins == []


def test_the_cut_prefers_a_line_break_then_white_space_then_the_end_of_the_earlier() -> None:
    text = "One two three\nfour five six"
    passages = segment(text, mode="paragraph")
    assert len(passages) == 1
    refit = fit_passages(text, passages, [_at(text, "One"), _at(text, "six")])
    assert [p.text for p in refit.passages] == ["One two three", "four five six"]
    # No line break in the gap: the first white space after the earlier selection.
    refit = fit_passages(text, passages, [_at(text, "One"), _at(text, "three")])
    assert [p.text for p in refit.passages] == ["One", "two three\nfour five six"]
    # No white space at all (Chinese): at the end of the earlier selection.
    chinese = "中方谴责恐怖主义"
    refit = fit_passages(
        chinese, [_passage(chinese)], [_at(chinese, "中方"), _at(chinese, "恐怖主义")]
    )
    assert [p.text for p in refit.passages] == ["中方", "谴责恐怖主义"]


def test_another_selection_over_part_of_the_gap_moves_the_cut_to_a_free_point() -> None:
    text = "China condemns terrorism in all its forms."
    crossing = _at(text, "na condemns", key=B)  # the other coder, over the first space
    refit = fit_passages(text, [_passage(text)], [_at(text, "China"), crossing, _at(text, "forms")])
    assert [p.text for p in refit.passages] == ["China condemns", "terrorism in all its forms."]
    assert refit.joins == []
    # Every selection still lies inside one passage, on exactly its text.
    for start, end, _ in [_at(text, "China"), crossing, _at(text, "forms")]:
        assert any(p.start <= start and end <= p.end for p in refit.passages)


def test_a_gap_covered_by_another_selection_or_overlapping_selections_stay_joined() -> None:
    text = "China condemns terrorism in all its forms."
    covering = _at(text, "na condemns terr", key=B)
    first, second = _at(text, "China"), _at(text, "terrorism")
    refit = fit_passages(text, [_passage(text)], [first, covering, second])
    assert [p.text for p in refit.passages] == [text] and refit.changes == []
    [join] = refit.joins
    assert (join.earlier, join.later, join.key) == (first[:2], second[:2], A)
    assert "other selections cover all of the text between them (characters 5-15)" in join.reason
    overlapping = fit_passages(
        text, [_passage(text)], [_at(text, "China condemns"), _at(text, "condemns terrorism")]
    )
    assert [p.text for p in overlapping.passages] == [text]
    [join] = overlapping.joins
    assert join.later == (6, 24) and "the two overlap" in join.reason


def test_different_keys_and_unkeyed_selections_share_a_passage_and_three_make_three() -> None:
    text = "Alpha beta gamma delta."
    passages = [_passage(text)]
    shared = fit_passages(text, passages, [_at(text, "Alpha"), _at(text, "gamma", key=B)])
    assert [p.text for p in shared.passages] == [text] and shared.changes == []
    unkeyed = fit_passages(text, passages, [(0, 5), (11, 16)])
    assert [p.text for p in unkeyed.passages] == [text] and unkeyed.changes == []
    three = fit_passages(
        text, passages, [_at(text, "Alpha"), _at(text, "gamma"), _at(text, "delta.")]
    )
    assert [p.text for p in three.passages] == ["Alpha", "beta gamma", "delta."]
    assert len(three.changes) == 2 and three.joins == []


def test_a_merge_for_a_crossing_selection_is_cut_again_between_one_keys_selections() -> None:
    text = "First line here.\nSecond line here.\nThird line."
    passages = segment(text, mode="lines")
    assert len(passages) == 3
    crossing = _at(text, "here.\nSecond", key=B)
    refit = fit_passages(text, passages, [crossing, _at(text, "First"), _at(text, "line here.")])
    # The first key's two selections are apart across a line start the other coder crosses:
    # the cut lands at the free white space after "First".
    assert [p.text for p in refit.passages] == [
        "First",
        "line here.\nSecond line here.",
        "Third line.",
    ]
    assert any("merged into one" in c for c in refit.changes)
    assert any(" cut at character 5 " in c for c in refit.changes)
