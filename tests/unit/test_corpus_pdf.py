"""PDF paragraphs rebuilt from the page layout, on PDFs drawn line by line with known paragraphs.

Every line is placed by hand with reportlab, justified to the full column width where a test
needs a full line, so the fixtures have exactly the shapes that defeat a plain text dump: a
paragraph whose last line is full, a title right above its paragraph, first-line indents
without a gap, a paragraph running over a page break, two columns, and Chinese.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from dataclasses import field

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.pdfgen.textobject import PDFTextObject

from workbench.core.corpus import parse_file
from workbench.core.corpus.extract import extract_text

PAGE_WIDTH, PAGE_HEIGHT = 595.0, 842.0  # A4
LEFT, WIDTH = 72.0, 451.0
BODY, TITLE = ("Helvetica", 11.0), ("Helvetica-Bold", 16.0)
CHINESE = "STSong-Light"  # one of the standard CID fonts every PDF reader knows; not embedded
pdfmetrics.registerFont(UnicodeCIDFont(CHINESE))


@dataclass
class Block:
    """A paragraph as drawn: its lines, which of them are stretched to the full width."""

    lines: list[str]
    font: tuple[str, float] = BODY
    full_last: bool = False  # the last line is justified to the column's right edge
    indent: float = 0.0  # first-line indent in points
    gap_before: float = 0.0  # extra space above, in points
    centred: bool = False
    left: float = LEFT
    width: float = WIDTH
    chinese: bool = False
    page_break_after_line: int | None = None  # start a new page after this many lines
    expected: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.expected = ("" if self.chinese else " ").join(self.lines)


def draw(blocks: list[Block], *, top: float = 760.0, leading: float = 14.0) -> bytes:
    """Draw the blocks one below the other; each line placed and justified explicitly."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    y = top
    for block in blocks:
        name, size = (CHINESE, block.font[1]) if block.chinese else block.font
        y -= block.gap_before
        for number, line in enumerate(block.lines):
            if block.page_break_after_line == number:
                pdf.showPage()
                y = top
            last = number == len(block.lines) - 1
            x = block.left + (block.indent if number == 0 else 0.0)
            width = block.width - (block.indent if number == 0 else 0.0)
            natural = pdfmetrics.stringWidth(line, name, size)
            text = pdf.beginText()
            text.setFont(name, size)
            if block.centred:
                x = block.left + (block.width - natural) / 2
            elif not last or block.full_last:
                _justify(text, line, width - natural, block.chinese)
            text.setTextOrigin(x, y)
            text.textOut(line)
            pdf.drawText(text)
            y -= leading * size / 11.0
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _justify(text: PDFTextObject, line: str, slack: float, chinese: bool) -> None:
    if chinese:
        text.setCharSpace(slack / max(len(line) - 1, 1))
    elif line.count(" "):
        text.setWordSpace(slack / line.count(" "))


def _paragraphs(pdf: bytes, name: str = "record.pdf") -> list[str]:
    (document,) = parse_file(name, pdf)
    for passage in document.passages:
        assert document.text[passage.start : passage.end] == passage.text
    return [p.text for p in document.passages]


TITLE_BLOCK = Block(
    ["Statement by Ambassador Zhang Jun at the Security Council, on Terrorism"],
    font=TITLE,
    centred=True,
)
FULL_LAST = Block(
    [
        "China appreciates the initiative to convene today's open debate of the Security",
        "Council on the protection of critical infrastructure against terrorist attacks. We",
        "welcome the Foreign Minister presiding over the meeting and thank all the briefers.",
    ],
    full_last=True,
    gap_before=6.0,
)
AFTER_GAP = Block(
    [
        "With the development of economic globalization, the interconnection of countries",
        "becomes increasingly close, and infrastructure is of great significance for all.",
    ],
    full_last=True,
    gap_before=9.0,
)
INDENTED = Block(
    [
        "First, the United Nations should play the leading role in international counter-",
        "terrorism cooperation and all States should implement the relevant resolutions.",
    ],
    indent=22.0,
)


def test_a_full_last_line_does_not_join_the_next_paragraph_and_the_title_stays_alone() -> None:
    pdf = draw([TITLE_BLOCK, FULL_LAST, AFTER_GAP, INDENTED])
    paragraphs = _paragraphs(pdf)
    assert paragraphs == [
        TITLE_BLOCK.expected,
        FULL_LAST.expected,
        AFTER_GAP.expected,
        # The line-break hyphen of "counter-terrorism" is a real hyphen and stays.
        "First, the United Nations should play the leading role in international "
        "counter-terrorism cooperation and all States should implement the relevant resolutions.",
    ]


def test_a_two_line_title_set_large_stays_one_paragraph() -> None:
    title = Block(
        ["Exchange of processed data between qualitative", "data analysis software packages"],
        font=TITLE,
    )
    assert _paragraphs(draw([title, FULL_LAST, AFTER_GAP])) == [
        title.expected,
        FULL_LAST.expected,
        AFTER_GAP.expected,
    ]


def test_a_first_line_indent_without_any_gap_starts_a_paragraph() -> None:
    first = Block(FULL_LAST.lines, full_last=True, indent=22.0)
    second = Block(AFTER_GAP.lines, full_last=True, indent=22.0)
    paragraphs = _paragraphs(draw([first, second]))
    assert paragraphs == [first.expected, second.expected]


def test_a_paragraph_running_over_a_page_break_is_one_passage() -> None:
    running = Block(
        [
            *FULL_LAST.lines[:2],
            "welcome the Foreign Minister presiding over the meeting and the",
            "briefers, whose statements we listened to attentively.",
        ],
        page_break_after_line=3,
    )
    closing = Block(["Thank you, Mr. President."], gap_before=9.0)
    pdf = draw([running, closing])
    assert "\x0c" in extract_text("record.pdf", pdf)
    assert _paragraphs(pdf) == [running.expected, closing.expected]


def test_two_columns_are_read_one_after_the_other() -> None:
    column = 215.0
    left_lines = [
        "The President: I thank the representative of",
        "Peru for his briefing. I now give the floor to",
        "the representative of China, who will make a",
        "statement on behalf of his delegation today.",
    ] * 3
    right_lines = [
        "Mr. Ma Zhaoxu (China): China welcomes the",
        "adoption of resolution 2341 (2017) and wishes",
        "to thank Ukraine for its initiative to hold this",
        "open debate on critical infrastructure today.",
    ] * 3
    left = Block(left_lines, width=column, full_last=True)
    right = Block(right_lines, left=LEFT + column + 21.0, width=column, full_last=True)
    # Drawn side by side: the right column starts at the same height as the left one.
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    for block in (left, right):
        y = 760.0
        for line in block.lines:
            text = pdf.beginText()
            text.setFont(*BODY)
            _justify(text, line, block.width - pdfmetrics.stringWidth(line, *BODY), False)
            text.setTextOrigin(block.left, y)
            text.textOut(line)
            pdf.drawText(text)
            y -= 14.0
    pdf.showPage()
    pdf.save()
    text = extract_text("record.pdf", buffer.getvalue())
    assert text.index("The President") < text.index("Mr. Ma Zhaoxu")
    assert " ".join(left_lines) in " ".join(text.split())


def test_chinese_paragraphs_with_full_last_lines() -> None:
    first = Block(
        [
            "中国常驻联合国代表张军在安理会发言，呼吁国际社会",
            "加强反恐合作，共同维护国际和平与安全，反对双重标准。",
        ],
        font=("", 12.0),
        chinese=True,
        full_last=True,
        width=320.0,
    )
    second = Block(
        [
            "张军表示，恐怖主义是人类公敌，各国应当坚持多边主义，",
            "充分发挥联合国的核心协调作用，标本兼治，综合施策。",
        ],
        font=("", 12.0),
        chinese=True,
        full_last=True,
        width=320.0,
        gap_before=10.0,
    )
    title = Block(["中方呼吁加强反恐合作"], font=("", 18.0), chinese=True, centred=True, width=320)
    paragraphs = _paragraphs(draw([title, first, second]), "news.pdf")
    assert paragraphs == [title.expected, first.expected, second.expected]


def test_short_lines_that_end_a_sentence_end_a_paragraph() -> None:
    # No gap, no indent, same size: only the short last line tells where a paragraph ends.
    first = Block(["Statement by the delegation of China."])
    second = Block(
        ["States must protect critical infrastructure against terrorist attacks, and the",
         "Council must lead."]
    )  # fmt: skip
    assert _paragraphs(draw([first, second])) == [first.expected, second.expected]


@pytest.mark.parametrize("name", ["report.pdf", "REPORT.PDF"])
def test_damaged_pdf_is_a_clear_error(name: str) -> None:
    from workbench.core.corpus import CorpusError

    pdf = draw([FULL_LAST])
    with pytest.raises(CorpusError, match=name.replace(".", r"\.")):
        extract_text(name, pdf[: len(pdf) // 2])


def test_running_headers_and_footers_are_lifted_out_of_a_sentence_cut_by_the_page() -> None:
    # The shape of a UN record page: job number and page counter at the foot, the meeting
    # symbol at the head of the next page, a sentence running from one page to the other.
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT))
    pages = [
        (
            [(800.0, "S/PV.8180"), (40.0, "18-04093 (C)"), (28.0, "3/21")],
            [*FULL_LAST.lines[:2], "welcome the Foreign Minister presiding over the meeting and"],
        ),
        ([(800.0, "S/PV.8180"), (40.0, "18-04093 (C)"), (28.0, "4/21")], ["thank the briefers."]),
    ]
    for furniture, lines in pages:
        for y, line in furniture:
            pdf.setFont(*BODY)
            pdf.drawString(LEFT, y, line)
        y = 760.0
        for line in lines:
            text = pdf.beginText()
            text.setFont(*BODY)
            if line.endswith(" and") or line != lines[-1]:
                _justify(text, line, WIDTH - pdfmetrics.stringWidth(line, *BODY), False)
            text.setTextOrigin(LEFT, y)
            text.textOut(line)
            pdf.drawText(text)
            y -= 14.0
        pdf.showPage()
    pdf.save()
    (document,) = parse_file("S_PV.8180.pdf", buffer.getvalue())
    codable = [p.text for p in document.passages if p.codable]
    assert codable == [" ".join([*FULL_LAST.lines[:2], pages[0][1][2], "thank the briefers."])]
    furniture = [p.text for p in document.passages if p.reason == "page furniture"]
    assert sorted(furniture) == sorted(
        ["S/PV.8180", "18-04093 (C)", "3/21", "S/PV.8180", "18-04093 (C)", "4/21"]
    )
