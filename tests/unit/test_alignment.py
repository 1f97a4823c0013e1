"""The aligner's parts: anchors, units, bead shapes, unmatched passages."""

from __future__ import annotations

from workbench.core.alignment import align
from workbench.core.alignment import align_versions
from workbench.core.alignment import alignment_units
from workbench.core.alignment import anchors
from workbench.core.alignment import relation_of


def test_numbers_are_anchors_with_their_magnitude_in_both_languages():
    english = anchors("China will provide US$50 million and 1.4 billion people, 75th session.")
    chinese = anchors("中国将提供5000万美元，14亿人民，第75届会议。")
    assert english["#5e+07"] == chinese["#5e+07"] == 1
    assert english["#1.4e+09"] == chinese["#1.4e+09"] == 1
    assert english["#75"] == chinese["#75"] == 1


def test_words_for_numbers_symbols_and_names_are_anchors():
    assert anchors("Seventy-five years ago")["#75"] == 1
    assert anchors("resolution S/RES/2341 (2017)")["$S/RES/2341"] == 1
    assert anchors("The World Health Organization")["@who"] == anchors("世界卫生组织")["@who"] == 1
    assert anchors("COVID-19")["#19"] == 0


def test_a_run_together_chinese_passage_is_cut_at_sentences_vocatives_and_dashes():
    text = (
        "主席先生，各位同事：今年是联合国成立75周年。我宣布：——中国将提供支持；——中国将设立基金。"
    )
    pieces = [u.text for u in alignment_units([text], split=True)]
    assert pieces == [
        "主席先生，各位同事：",
        "今年是联合国成立75周年。",
        "我宣布：",
        "——中国将提供支持；",
        "——中国将设立基金。",
    ]
    assert "".join(pieces) == text


def test_relations():
    assert [relation_of(*n) for n in ((1, 1), (1, 3), (2, 1), (1, 0), (0, 2))] == [
        "1-1",
        "1-n",
        "n-1",
        "source-only",
        "target-only",
    ]


PARAGRAPHS = [
    "The Council met on 12 March 2020 to discuss resolution 2532 and its 90-day ceasefire.",
    "Members heard 15 statements on humanitarian access in 3 regions of the country.",
    "The Secretary-General reported 240 attacks on schools and 31 on hospitals this year.",
    "Two delegations asked for a further report within 60 days on the monitoring mission.",
    "A paragraph that the other version left out entirely, with nothing to anchor it at all.",
    "Speakers welcomed the 2 convoys that reached 400,000 people in the northern province.",
    "The Chair of the committee briefed on the 1267 sanctions list and its 5 new entries.",
    "The President closed the meeting at 1.15 p.m. after thanking the 193 Member States.",
]


def test_an_omitted_paragraph_stays_unmatched_and_the_rest_pair_one_to_one():
    shorter = PARAGRAPHS[:4] + PARAGRAPHS[5:]
    beads = align(PARAGRAPHS, shorter)
    assert [(b.source, b.target) for b in beads] == [
        ((0,), (0,)),
        ((1,), (1,)),
        ((2,), (2,)),
        ((3,), (3,)),
        ((4,), ()),
        ((5,), (4,)),
        ((6,), (5,)),
        ((7,), (6,)),
    ]


def test_a_split_paragraph_is_one_to_many():
    first, rest = PARAGRAPHS[1][:40], PARAGRAPHS[1][40:]
    target = [PARAGRAPHS[0], first, rest, *PARAGRAPHS[2:]]
    beads = align(PARAGRAPHS, target)
    assert [(b.source, b.target, b.relation) for b in beads][:3] == [
        ((0,), (0,), "1-1"),
        ((1,), (1, 2), "1-n"),
        ((2,), (3,), "1-1"),
    ]
    assert all(b.relation == "1-1" for b in beads[2:])


def test_empty_sides_give_unmatched_beads():
    assert [b.relation for b in align(["a", "b"], [])] == ["source-only", "source-only"]
    result = align_versions([], ["x"])
    assert [b.relation for b in result.beads] == ["target-only"]
