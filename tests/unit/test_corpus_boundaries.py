"""Segmentation at the edges of a text: before the first speaker, datelines and page footers."""

from __future__ import annotations

import io

from docx import Document

from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import PassageSpec
from workbench.core.corpus import parse_document
from workbench.core.corpus import parse_file
from workbench.core.corpus.furniture import is_boilerplate
from workbench.core.corpus.furniture import is_dateline
from workbench.core.corpus.furniture import is_footer

# Eight ordinary paragraphs of a statement, then one speaker line: the shape of a .docx that
# once made everything before the speaker line non-codable.
STATEMENT_PARAGRAPHS = [
    "中国代表团关于保护关键基础设施免遭恐怖袭击的立场文件",
    "当前，国际反恐形势依然严峻复杂，恐怖主义威胁呈现新的特点。",
    "关键基础设施是各国经济社会发展的命脉，保护其免遭恐怖袭击是各国的共同责任。",
    "各国应加强信息共享，开展风险评估，提高防范和应对能力。",
    "联合国应继续发挥核心协调作用，安理会第2341(2017)号决议为国际合作提供了重要指导。",
    "中方支持各国根据本国国情制定保护关键基础设施的国家战略。",
    "中方愿同各方一道，加强双边和多边合作，共同维护国际和平与安全。",
    "中方主张综合施策、标本兼治，消除恐怖主义滋生的土壤。",
]
SPEAKER_LINE = "张军先生（中国）：我们支持安理会就此问题进一步采取行动。"


def _docx(paragraphs: list[str]) -> bytes:
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _by_text(document: ParsedDocument) -> dict[str, PassageSpec]:
    return {p.text: p for p in document.passages}


def test_text_before_a_single_speaker_line_stays_codable() -> None:
    (document,) = parse_file("statement.docx", _docx([*STATEMENT_PARAGRAPHS, SPEAKER_LINE]))
    texts = [p.text for p in document.passages]
    assert texts == [*STATEMENT_PARAGRAPHS, SPEAKER_LINE]
    for passage in document.passages[1:8]:
        assert passage.codable, passage.text
        assert passage.reason is None and passage.turn is None
    last = document.passages[-1]
    assert last.codable and last.turn == 0
    assert (last.speaker, last.delegation) == ("张军先生", "中国")


def test_a_verbatim_record_front_matter_stays_non_codable_and_says_why() -> None:
    record = (
        "安全理事会\n\n第七十三年\n\n临时逐字记录\n\n"
        "主席:\t奥泰比先生 .....\t(科威特)\n\n"
        "议程项目\n\n恐怖行为对国际和平与安全造成的威胁\n\n"
        "下午3时10分开会。\n\n"
        "主席（以阿拉伯语发言）：安全理事会现在开始审议其议程上的项目。\n\n"
        "马朝旭先生（中国）：中方欢迎安理会通过第2341号决议。"
    )
    document = parse_document("record.txt", record)
    by_text = _by_text(document)
    front = by_text["恐怖行为对国际和平与安全造成的威胁"]
    assert not front.codable
    assert front.reason == "outside every speech of a verbatim record"
    opening = by_text["下午3时10分开会。"]
    assert opening.reason == "record furniture (opening, agenda, closing)"
    speeches = [p for p in document.passages if p.codable]
    assert [p.speaker for p in speeches] == ["主席", "马朝旭先生"]
    assert speeches[0].delegation == "科威特"


def test_every_non_codable_passage_has_a_reason_and_codable_ones_none() -> None:
    text = (
        "Home > News > World\n\n"
        "Published: 1 October 2020 | Source: Xinhua\n\n"
        "China called for closer cooperation against terrorism on Thursday.\n\n"
        "(spoke in French)\n\n"
        "Print | Close window\n\n"
        "Copyright © 2020 Xinhua. All rights reserved."
    )
    document = parse_document("page.txt", text)
    reasons = {p.text: p.reason for p in document.passages}
    assert reasons == {
        "Home > News > World": "navigation, footer or credit line",
        "Published: 1 October 2020 | Source: Xinhua": "dateline or source line",
        "China called for closer cooperation against terrorism on Thursday.": None,
        "(spoke in French)": "language note",
        "Print | Close window": "navigation, footer or credit line",
        "Copyright © 2020 Xinhua. All rights reserved.": "navigation, footer or credit line",
    }
    for passage in document.passages:
        assert passage.codable == (passage.reason is None)


NEWS_PAGE = """<html><head><title>中方呼吁加强反恐合作--国际--人民网</title></head><body>
<div class="nav">首页 &gt; 国际 &gt; 正文</div>
<h1>中方呼吁加强反恐合作</h1>
<div class="box">2020年10月01日 来源：人民网<br>
中国常驻联合国代表张军1日在安理会发言，呼吁国际社会加强反恐合作。他表示，恐怖主义是人类公敌。</div>
<p>张军说，各国应当坚持多边主义，反对在反恐问题上搞双重标准。</p>
<div class="footer">打印本页 关闭窗口 版权所有</div>
</body></html>"""


def test_news_dateline_is_its_own_passage_and_the_footer_is_not_codable() -> None:
    (document,) = parse_file("news.html", NEWS_PAGE.encode("utf-8"))
    by_text = _by_text(document)
    dateline = by_text["2020年10月01日 来源：人民网"]
    assert not dateline.codable and dateline.reason == "dateline or source line"
    first = by_text[
        "中国常驻联合国代表张军1日在安理会发言，呼吁国际社会加强反恐合作。他表示，恐怖主义是人类公敌。"
    ]
    assert first.codable
    footer = by_text["打印本页 关闭窗口 版权所有"]
    assert not footer.codable
    assert document.meta.date == "2020-10-01"
    for passage in document.passages:
        assert document.text[passage.start : passage.end] == passage.text


def test_a_dateline_on_the_line_above_a_plain_text_paragraph_is_cut_away() -> None:
    text = (
        "Published: Oct. 1, 2020 10:03 a.m. EDT\n"
        "UNITED NATIONS -- A Chinese envoy on Thursday called for multilateralism in the fight "
        "against terrorism, saying no country can stand alone.\n\n"
        "Source: Xinhua"
    )
    document = parse_document("wire.txt", text)
    assert [(p.text[:24], p.codable) for p in document.passages] == [
        ("Published: Oct. 1, 2020 ", False),
        ("UNITED NATIONS -- A Chin", True),
        ("Source: Xinhua", False),
    ]


def test_dateline_and_footer_shapes() -> None:
    datelines = [
        "2020年10月01日 来源：人民网",
        "2020年10月01日 08:30 来源：人民网-人民日报",
        "发布时间：2020-10-01 10:20:33 来源: 新华网 作者：张三",
        "Published: 1 October 2020 | Source: Xinhua",
        "Updated: 2020-10-01 14:03",
        "Source: Xinhua",
    ]
    prose = [
        "China has called for cooperation.",
        "Date: the meeting was held on Monday and it went well.",
        "Source: UN data shows that the number of attacks has risen sharply since 2015.",
        "2018年2月13日星期二下午3时举行",
    ]
    assert [is_dateline(line) for line in datelines] == [True] * len(datelines)
    assert [is_dateline(line) for line in prose] == [False] * len(prose)
    footers = [
        "打印本页 关闭窗口 版权所有",
        "【打印本页】【关闭窗口】",
        "Print | Close window",
        "Print this page Close window Copyright ©2020 China Daily",
        "版权所有 © 人民网",
    ]
    assert [is_footer(line) and is_boilerplate(line) for line in footers] == [True] * 5
    assert not is_footer("Printing presses were destroyed in the attack.")
    assert not is_footer("大会通过了决议。")
