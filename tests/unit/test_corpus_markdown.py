"""Markdown: markup leaves the passages, headings become heading passages, offsets stay exact."""

from __future__ import annotations

import pytest

from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import normalise_document
from workbench.core.corpus import parse_document
from workbench.core.corpus import parse_file
from workbench.core.corpus import segment
from workbench.core.corpus.markdown import block
from workbench.core.corpus.markdown import inline
from workbench.core.corpus.markdown import looks_like_markdown

# The shape of a Chinese verbatim record converted to Markdown (as seed 002 is), with a
# speaker named in bold only and the inline markup coders must not see.
RECORD_MD = """## 安全理事会

临时逐字记录

主席:\t奥泰比先生 .....\t(科威特)

下午3时10分开会。

## 通过议程

议程通过。

## 恐怖行为对国际和平与安全造成的威胁

**主席**（以阿拉伯语发言）：安全理事会现在开始审议其议程上的**项目**。

**马朝旭先生**（中国）：中方欢迎[第2341(2017)号决议](https://undocs.org/S/RES/2341(2017))的通过。

- 第一，加强*信息共享*。
- 第二，开展__风险评估__。

**张伟先生**：我们赞同_主席_的意见。

## 其他事项

下午4时40分散会。
"""


@pytest.fixture(scope="module")
def record() -> ParsedDocument:
    (document,) = parse_file("S_PV.8180.md", RECORD_MD.encode("utf-8"))
    return document


def test_passages_carry_no_markup_and_offsets_are_exact(record: ParsedDocument) -> None:
    for passage in record.passages:
        assert record.text[passage.start : passage.end] == passage.text
        for sign in ("**", "__", "## ", "](", "- "):
            assert sign not in passage.text, passage.text
    texts = [p.text for p in record.passages]
    assert "主席（以阿拉伯语发言）：安全理事会现在开始审议其议程上的项目。" in texts
    assert "马朝旭先生（中国）：中方欢迎第2341(2017)号决议的通过。" in texts
    assert "第一，加强信息共享。" in texts and "第二，开展风险评估。" in texts
    assert "张伟先生：我们赞同主席的意见。" in texts


def test_headings_are_non_codable_heading_passages(record: ParsedDocument) -> None:
    headings = [p.text for p in record.passages if p.reason == "heading"]
    assert headings == ["安全理事会", "通过议程", "恐怖行为对国际和平与安全造成的威胁", "其他事项"]
    assert all(not p.codable for p in record.passages if p.text in headings)
    # A heading closes the speech before it: nothing after it belongs to the last speaker.
    closing = next(p for p in record.passages if p.text == "下午4时40分散会。")
    assert closing.turn is None and not closing.codable


def test_speakers_are_found_on_bold_names(record: ParsedDocument) -> None:
    turns: dict[int, tuple[str | None, str | None, str | None]] = {}
    for passage in record.passages:
        if passage.turn is not None:
            turns.setdefault(passage.turn, (passage.speaker, passage.delegation, passage.language))
    assert [speaker for speaker, _, _ in turns.values()] == ["主席", "马朝旭先生", "张伟先生"]
    assert turns[0][1] == "科威特" and turns[1][1] == "中国"
    # "**张伟先生**：" has neither delegation nor language note: only its bold type, gone
    # from the text, makes it a speaker, and the bullets after 马朝旭 stay in his turn.
    bullets = [p for p in record.passages if p.text.startswith("第")]
    assert {p.speaker for p in bullets if p.text.startswith(("第一", "第二"))} == {"马朝旭先生"}


def test_the_same_text_as_txt_is_recognised_as_markdown() -> None:
    (as_txt,) = parse_file("record.txt", RECORD_MD.encode("utf-8"))
    (as_md,) = parse_file("record.md", RECORD_MD.encode("utf-8"))
    assert [p.text for p in as_txt.passages] == [p.text for p in as_md.passages]
    assert as_txt.text == as_md.text and as_txt.meta == as_md.meta
    assert as_txt.meta.doc_type == "un_record"


def test_general_debate_salutations_in_bold() -> None:
    text = (
        "**Mr President,**  \n**Mr Secretary-General,**  \n**Excellencies,**\n\n"
        "Allow me first to offer my congratulations to His Excellency Mr Philémon Yang on "
        "his election as President of the seventy-ninth session.  \nI thank you, Mr President."
    )
    document = parse_document("speech.txt", text)
    # Read exactly as the same speech without the bold type.
    plain = parse_document("speech.txt", text.replace("**", ""))
    assert document.text == plain.text
    assert [(p.text, p.codable) for p in document.passages] == [
        (p.text, p.codable) for p in plain.passages
    ]
    assert [p.text for p in document.passages][:3] == [
        "Mr President,",
        "Mr Secretary-General,",
        "Excellencies,",
    ]


def test_plain_text_with_a_stray_asterisk_is_left_alone() -> None:
    text = "The resolution* was adopted.\n\n* Reissued for technical reasons.\n\nSee page 3."
    document = parse_document("note.txt", text)
    assert document.text == text


@pytest.mark.parametrize(
    ("marked", "plain"),
    [
        ("**主席**（以阿拉伯语发言）：", "主席（以阿拉伯语发言）："),
        ("**盖冈夫人（法国）（以法语发言）：**首先", "盖冈夫人（法国）（以法语发言）：首先"),
        ("***both*** and *em* and _em_ and __strong__", "both and em and em and strong"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("see [the report](http://x.org/a_(b)) now", "see the report now"),
        ("![a map](map.png)", "a map"),
        ("(<http://documents.un.org>)", "(http://documents.un.org)"),
        ("a footnote* and 3 * 4 = 12", "a footnote* and 3 * 4 = 12"),
        ("`code_x` and ~~struck~~ text", "code_x and struck text"),
        (r"\*not emphasis\*", "*not emphasis*"),
        ("张军*强调*了", "张军强调了"),
        ("an unpaired **bold", "an unpaired **bold"),
    ],
)
def test_inline_markup(marked: str, plain: str) -> None:
    assert inline(marked) == plain


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("## 通过议程", ("通过议程", True)),
        ("# Title #", ("Title", True)),
        ("- item", ("item", False)),
        ("* item", ("item", False)),
        ("> - quoted item", ("quoted item", False)),
        ("1. numbered", ("1. numbered", False)),
        ("#hashtag", ("#hashtag", False)),
        ("- 3 -", ("- 3 -", False)),  # a page number, not a bullet
        ("* * *", ("* * *", False)),  # a rule, kept as page furniture
    ],
)
def test_block_markup(line: str, expected: tuple[str, bool]) -> None:
    assert block(line) == expected


def test_looks_like_markdown() -> None:
    assert looks_like_markdown(RECORD_MD)
    assert looks_like_markdown("**A:** one\n\n**B:** two\n\n**C:** three")
    assert not looks_like_markdown("Item #1 is adopted.\n\nThe resolution* was adopted.")
    assert not looks_like_markdown("One **bold** phrase in a plain text.")


def test_a_stored_document_can_be_segmented_again_with_its_layout(record: ParsedDocument) -> None:
    # Re-segmenting starts from the raw text: the same normalised text comes back, with the
    # headings and bold speaker names that the stored text no longer shows.
    text, layout = normalise_document(record.filename, record.raw_text)
    assert text == record.text
    again = segment(text, mode="paragraph", layout=layout)
    assert [(p.text, p.codable, p.speaker) for p in again] == [
        (p.text, p.codable, p.speaker) for p in record.passages
    ]
    without = segment(text, mode="paragraph")
    assert "张伟先生" not in {p.speaker for p in without}  # the text alone cannot tell
