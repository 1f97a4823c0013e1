"""Recognise text that is not speech: page furniture, record furniture, web and newspaper lines.

Three families, because each is handled differently:
- page furniture (job numbers, page counters, running headers, "请回收") is lifted out of a
  sentence that a page break split, so the sentence can be rejoined;
- record furniture (headings, "The meeting rose at ...", "下午4时40分散会。") ends a speech;
- boilerplate (site navigation, "Suggest to a friend", newspaper credit lines) is kept in place
  as a non-codable passage.
"""

from __future__ import annotations

import re

from workbench.core.corpus.shape import ends_sentence

_SYMBOL = r"[SA]/(?:\d{1,3}/)?PV\.\d{1,5}(?:\s*\(Resumption\s*\d*\))?"
_DATE = r"(?:\d{2}/\d{2}/\d{4}|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
_JOB = r"\d{2}-\d{5}(?:\s*\([A-Z]\))?"
_PAGE = r"\d{1,3}/\d{1,3}"

_PAGE_FURNITURE = re.compile(
    "|".join(
        (
            rf"(?:(?:{_PAGE}|\d{{1,3}})\s+)?{_JOB}(?:\s+(?:{_PAGE}|\d{{1,3}}))?",
            rf"{_SYMBOL}(?:\s+[^.。]{{0,150}}?)?\s+{_DATE}",
            rf"{_DATE}\s+(?:[^.。]{{0,150}}?\s+)?{_SYMBOL}",
            _SYMBOL,
            r"\d{1,4}",
            _PAGE,
            r"[-–]\s*\d{1,4}\s*[-–]",
            r"(?i:page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)",
            r"第\s*\d{1,4}\s*页",
            r"\*\d{6,}\*",
            r"[-–—_*=~.·•]{3,}",  # rules and separators between pages or sections
            r"无障碍文件|请回收|(?i:please recycle|accessible document)\W*",
        )
    )
)

_HEADING = re.compile(r"#{1,6}\s")
_RECORD_BREAK = re.compile(
    r"(?:上午|下午|晚上|中午)\d{1,2}\s*时(?:\s*\d{1,2}\s*分)?(?:开会|散会|休会|复会|恢复举行|暂停)。?"
    r"|The meeting (?:was called to order|rose|was suspended|resumed|was resumed|was closed)"
    r"(?: at [\d.:]+\s*(?:a\.m\.|p\.m\.|noon)?)?\.?"
    r"|(?i:adoption of the agenda)|The agenda was adopted\.|通过议程|议程通过。"
)

_RECORD_BREAK_STARTS = (
    "上午", "下午", "晚上", "中午", "The meeting", "The agenda", "Adoption", "adoption",
    "ADOPTION", "通过议程", "议程通过",
)  # fmt: skip
_WEB_PHRASES = frozenset(
    {
        "suggest to a friend",
        "print",
        "print this page",
        "close",
        "close window",
        "back to top",
        "top",
        "share",
        "share this",
        "email",
        "e-mail",
        "email this page",
        "打印",
        "打印本页",
        "关闭",
        "关闭窗口",
        "返回顶部",
        "分享到",
        "推荐给朋友",
        "【打印】",
        "【关闭】",
        "【打印本页】",
        "【关闭窗口】",
    }
)
_BREADCRUMB = re.compile(r"\s[>»›]\s")
_NEWS_LINE = re.compile(
    r"《\s*人民日报\s*》\s*（\s*\d{4}年\d{1,2}月\d{1,2}日\s*\d*\s*版\s*）"
    r"|[（(]新华社[^（）()\n]{1,24}电[)）]"
    r"|新华社[^\s，。（）]{1,12}\d{1,2}月\d{1,2}日电(?:[（(]记者[^（）()]{0,30}[)）])?"
    r"|\(Xinhua\)"
    r"|(?i:date\s+\d{4}-\d{2}-\d{2}\b.*)"
    r"|(?i:(?:by\s+)?(?:our|staff)\s+(?:correspondent|reporter)s?)"
    r"|(?:责任编辑|来源|Editor|Source)\s*[:：].{1,40}"
    r"|(?i:copyright\b.*|.*\ball rights reserved\b.*)"
)
# Used by the normaliser to cut a newspaper line away from the sentence it was glued to.
INLINE_NEWS_LINE = re.compile(
    r"《\s*人民日报\s*》\s*（\s*\d{4}年\d{1,2}月\d{1,2}日\s*\d*\s*版\s*）"
    r"|[（(]新华社[^（）()\n]{1,24}电[)）]"
)
LEADING_DATELINE = re.compile(
    r"新华社[^\s，。（）]{1,12}\d{1,2}月\d{1,2}日电(?:[（(]记者[^（）()]{0,30}[)）])?"
)
# Datelines and source lines of news pages: "2020年10月01日 来源：人民网",
# "发布时间：2020-10-01 10:20 来源：新华网", "Published: 1 October 2020 | Source: Xinhua".
_EN_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
    rf"(?:\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}"
    rf"|\d{{1,2}}\s+{_EN_MONTH},?\s+\d{{4}}|{_EN_MONTH}\s+\d{{1,2}},?\s+\d{{4}})"
    r"(?:\s*(?:星期.|周.))?(?:,?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:GMT|UTC|EST|EDT|BJT)(?:[+-]\d{1,2})?)?)?"
)
_WEEKDAYS = frozenset(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
_DATELINE_LABELS = (
    r"(?:来源|稿源|出处|发布时间|发布日期|更新时间|时间|日期|作者|责任编辑|编辑|记者"
    r"|(?i:published|updated|last updated|posted|date|source|author|editor))"
)
_DATELINE_LABELLED = re.compile(rf"{_DATELINE_LABELS}\s*[:：]\s*(?P<value>.{{1,40}})")
_DATELINE_SPLIT = re.compile(rf"\s*[|｜丨·]\s*|\s+(?={_DATELINE_LABELS}\s*[:：])")
# Page-bottom links of news sites, possibly several on one line before a copyright notice.
_FOOTER_PHRASE = re.compile(
    r"【?(?:打印本页|打印|关闭窗口|关闭|返回顶部|推荐给朋友|分享到|收藏本页|字号|大|中|小)】?"
    r"|\[?(?i:print this page|print|close window|close|back to top|share|e-?mail this page)\]?"
)
_COPYRIGHT = re.compile(r"(?:版权所有|©|\(c\)|(?i:copyright\b)).{0,120}")
_TABLE_LEADER = re.compile(r"\.{5,}|(?:\. ){5,}|…{3,}")
# Page furniture starts with a digit or one of these; checking first keeps the common case cheap.
FURNITURE_FIRST = frozenset("0123456789SA-–*Pp第无请")


def is_page_furniture(line: str) -> bool:
    """Whether a line is a page header/footer/number or a print notice."""
    line = line.strip()
    if not line or len(line) > 220:
        return False
    if line[0] not in FURNITURE_FIRST:
        return False
    return _PAGE_FURNITURE.fullmatch(line) is not None


def is_heading(line: str) -> bool:
    """Whether a line is a markdown heading ("## 议程项目")."""
    return _HEADING.match(line) is not None


def is_record_break(paragraph: str) -> bool:
    """Whether a paragraph is record furniture that closes the current speech."""
    paragraph = paragraph.strip()
    if is_heading(paragraph):
        return True
    if len(paragraph) > 80 or not paragraph.startswith(_RECORD_BREAK_STARTS):
        return False
    return _RECORD_BREAK.fullmatch(paragraph) is not None


def is_table_line(line: str) -> bool:
    """Whether a line belongs to a table laid out with tabs or dot leaders (record headers)."""
    if "\t" in line.strip():
        return True
    # Substring tests first: the regex is only worth running when a leader may be present.
    if "..." not in line and ". . " not in line and "……" not in line:
        return False
    return _TABLE_LEADER.search(line) is not None


def is_boilerplate(paragraph: str) -> bool:
    """Whether a paragraph is site navigation, a share/print link or a newspaper credit line."""
    text = paragraph.strip()
    if not text or len(text) > 300:
        return False
    if _NEWS_LINE.fullmatch(text) or is_footer(text):
        return True
    if ends_sentence(text):
        return False
    folded = text.lower().strip("[]【】|·•- ")
    if folded in _WEB_PHRASES or text in _WEB_PHRASES:
        return True
    if len(_BREADCRUMB.findall(text)) >= 2:
        return True
    first = text.split(maxsplit=1)[0] if text.split() else ""
    return first in ("Home", "首页") and len(text.split()) >= 3


def is_dateline(paragraph: str) -> bool:
    """Whether a paragraph is only a dateline or source line ("2020年10月01日 来源：人民网")."""
    text = paragraph.strip()
    if not text or len(text) > 160 or "\n" in text:
        return False
    # Cheap first: a dateline opens with a date or with a short label and its colon.
    head = text[:16]
    if not (text[0].isdigit() or ":" in head or "：" in head or head[:3] in _WEEKDAYS):
        return False
    for piece in _DATELINE_SPLIT.split(text):
        if not piece or _DATELINE_DATE.fullmatch(piece):
            continue
        labelled = _DATELINE_LABELLED.fullmatch(piece)
        if labelled is None or ends_sentence(labelled.group("value")):
            return False
    return True


def is_footer(paragraph: str) -> bool:
    """Whether a paragraph is a news page's footer: print/close links, a copyright notice."""
    text = paragraph.strip()
    if not text or len(text) > 160:
        return False
    position = 0
    found = False
    while position < len(text):
        if text[position] in " \t|｜丨·/":
            position += 1
            continue
        copyright_notice = _COPYRIGHT.match(text, position)
        if copyright_notice is not None and copyright_notice.end() == len(text):
            return True
        phrase = _FOOTER_PHRASE.match(text, position)
        if phrase is None or phrase.end() == position:
            return False
        end = phrase.end()
        if end < len(text) and text[end].isalnum() and text[end - 1].isascii():
            return False  # "Printing ..." is a word, not the "Print" link
        position, found = end, True
    return found


def is_fragment(paragraph: str) -> bool:
    """Whether a paragraph is a stray short line (dateline city, lone label) outside a speech."""
    text = paragraph.strip()
    if ends_sentence(text) or text.endswith((",", "，")):
        return False
    if text.isascii():
        return len(text.split()) <= 3
    return len(text) <= 6
