"""Speaker markers of UN verbatim records, in English and Chinese, and the languages they note.

English: "Mr. Wu Haitao (China) (spoke in Chinese): ...", "The President (spoke in Arabic): ...".
Chinese: "**马朝旭先生**（中国）：...", "**盖冈夫人（法国）（以法语发言）：**...",
"主席（以阿拉伯语发言）：".
A marker only counts at the start of a paragraph; the caller checks that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGUAGE_CODES: dict[str, str] = {
    "arabic": "ar",
    "chinese": "zh",
    "english": "en",
    "french": "fr",
    "russian": "ru",
    "spanish": "es",
    "portuguese": "pt",
    "german": "de",
    "italian": "it",
    "japanese": "ja",
    "turkish": "tr",
    "persian": "fa",
    "hebrew": "he",
    "korean": "ko",
    "阿拉伯语": "ar",
    "阿拉伯文": "ar",
    "中文": "zh",
    "汉语": "zh",
    "英语": "en",
    "英文": "en",
    "法语": "fr",
    "法文": "fr",
    "俄语": "ru",
    "俄文": "ru",
    "西班牙语": "es",
    "西班牙文": "es",
    "葡萄牙语": "pt",
    "德语": "de",
    "意大利语": "it",
    "日语": "ja",
    "土耳其语": "tr",
    "波斯语": "fa",
    "希伯来语": "he",
    "朝鲜语": "ko",
    "韩语": "ko",
}


def _en_note(group: str) -> str:
    """The English record's language note, "(spoke in French)", capturing the language."""
    return rf"\(spoke in (?P<{group}>[A-Za-z]+)\)"


def _zh_note(group: str) -> str:
    """The Chinese record's language note, "（以法语发言）", capturing the language."""
    return rf"[（(]以(?P<{group}>[^（()）\n]{{1,10}}?)发言[)）]"


# A speaker marker: the name, an optional delegation in brackets, an optional language note.
_EN_MARKER = re.compile(
    r"\**(?P<speaker>[^\s():*][^():\n*]{0,80}?)\**"
    r"(?:\s?\((?P<deleg>(?!spoke\b)(?:[^()\n]|\([^()\n]*\)){1,120})\))?\**"
    rf"(?:\s?{_en_note('lang')})?\**"
    r"\s?:\**[ \t]*"
)
_ZH_MARKER = re.compile(
    r"\**(?P<speaker>[^\s*（()）：:，,。；！？“”、][^*（()）：:，,。；！？“”、\n]{0,24}?)\**"
    r"(?:\s*[（(](?P<deleg>(?!以)[^（()）\n：:，。]{1,40})[)）])?\**"
    rf"(?:\s*{_zh_note('lang')})?\**"
    r"\s*[：:]\**[ \t]*"
)
_EN_SWITCH = re.compile(_en_note("lang"))
_ZH_SWITCH = re.compile(_zh_note("lang"))
_SWITCH_LINE = re.compile(rf"\**(?:{_en_note('en')}|{_zh_note('zh')})\**")

_EN_ROLE = re.compile(
    r"The (?:Acting |Deputy |Vice-)?(?:President|Chair|Chairman|Chairperson|Co-Chair|"
    r"Secretary-General|Secretary General)"
)
_EN_PRESIDING = frozenset({"The President"})
_EN_HONORIFICS = frozenset(
    (
        "Mr", "Mrs", "Ms", "Miss", "Mme", "Dr", "Sir", "Dame", "Lord", "Lady", "Baroness",
        "Baron", "Monsignor", "Archbishop", "Cardinal", "Bishop", "Sheikh", "Sheikha", "Prince",
        "Princess", "King", "Queen", "President", "Dato", "Datuk", "Judge", "Ambassador", "H.E",
    )
)  # fmt: skip
_NAME_PARTICLES = frozenset(
    (
        "de", "da", "das", "del", "della", "der", "den", "di", "do", "dos", "du", "el", "al",
        "bin", "ibn", "la", "le", "van", "von", "ter", "y", "e",
    )
)  # fmt: skip
_ZH_TITLES = (
    "先生", "女士", "夫人", "小姐", "阁下", "博士", "大使", "勋爵", "爵士", "殿下", "陛下",
)  # fmt: skip
_ZH_ROLES = frozenset({"主席", "代理主席", "秘书长", "副秘书长", "常务副秘书长"})
_ZH_PRESIDING = frozenset({"主席"})

_PRESIDENT_LINE = re.compile(
    r"(?:主席|President)\s*[:：]\s*(?P<name>[^\n\t]{1,60}?)\s*(?:(?:\.\s?){2,}|…+|\t)\s*"
    r"[（(](?P<deleg>[^()（）\n]{1,60})[)）]"
)
# Phrases of a verbatim record's masthead; a document that has one is a record, whose text
# outside every speech (front matter, agenda) is not codable.
RECORD_HEADER_PHRASES = (
    "逐字记录",
    "Provisional verbatim",
    "verbatim record",
    "This record contains the text of speeches",
    "本记录包括中文发言的文本",
)
_RECORD_SYMBOL = re.compile(r"\b[SA]/(?:\d{1,3}/)?PV\.\d{1,5}\b")
_RECORD_LANGUAGE = (
    ("本记录包括中文发言的文本", "zh"),
    ("This record contains the text of speeches delivered in English", "en"),
)


@dataclass(frozen=True)
class SpeakerMarker:
    """A parsed speaker marker: who, for which delegation, in which language, where it ends."""

    speaker: str
    delegation: str | None
    original_language: str | None
    presiding: bool
    end: int
    # False for a bare "Name:" with neither delegation nor language note nor a role: in running
    # text that may be a quotation ("... the words of Sir Isaac Newton: “We build ...”").
    certain: bool = True


def language_code(name: str | None) -> str | None:
    """Map a language name ("Arabic", "阿拉伯语") to its ISO 639-1 code, or None."""
    if not name:
        return None
    return LANGUAGE_CODES.get(name.strip().lower())


def match_marker(paragraph: str, *, emphasised: bool = False) -> SpeakerMarker | None:
    """Parse a speaker marker at the very start of a paragraph.

    `emphasised` says the name was set in bold in markup that is no longer in the text.
    """
    head = paragraph[:240]
    if not head:
        return None
    first = head.lstrip("*")[:1]
    if "\u2e80" <= first <= "\u9fff" or "\uf900" <= first <= "\uffef":
        return _match_chinese(head, emphasised or head.startswith("**"))
    return _match_english(head)


def _match_english(head: str) -> SpeakerMarker | None:
    found = _fields(_EN_MARKER, head)
    if found is None:
        return None
    m, speaker, deleg, lang = found
    role = _EN_ROLE.fullmatch(speaker) is not None
    if not role and not _plausible_name(speaker, has_language_note=lang is not None):
        return None
    if not (role or deleg or lang):
        # "President Kennedy: we do not do these things ..." quotes someone; a speaker
        # marker without any note must at least be followed by the start of a sentence.
        rest = head[m.end() :].lstrip("*\"'“‘ ")
        if not rest[:1].isupper():
            return None
    if deleg is not None and (any(ch.isdigit() for ch in deleg) or "/" in deleg):
        return None  # "(S/2020/123)" or "(2017)" is a citation, not a delegation
    return _marker(m, speaker, deleg, lang, _EN_PRESIDING, certain=bool(role or deleg or lang))


def _fields(
    pattern: re.Pattern[str], head: str
) -> tuple[re.Match[str], str, str | None, str | None] | None:
    """The marker's match, speaker, delegation note and language note, if the head has one."""
    m = pattern.match(head)
    if m is None:
        return None
    return m, m.group("speaker").strip(), m.group("deleg"), m.group("lang")


def _marker(
    m: re.Match[str],
    speaker: str,
    deleg: str | None,
    lang: str | None,
    presiding: frozenset[str],
    *,
    certain: bool,
) -> SpeakerMarker:
    return SpeakerMarker(
        speaker=speaker,
        delegation=deleg.strip() if deleg else None,
        original_language=language_code(lang),
        presiding=speaker in presiding,
        end=m.end(),
        certain=certain,
    )


def _plausible_name(speaker: str, *, has_language_note: bool) -> bool:
    tokens = speaker.split()
    if not 1 <= len(tokens) <= 7 or "," in speaker:
        return False
    for token in tokens[1:]:
        if token not in _NAME_PARTICLES and not token[:1].isupper():
            return False
    if not tokens[0][:1].isupper():
        return False
    honorific = tokens[0].rstrip(".") in _EN_HONORIFICS
    if honorific and len(tokens) == 2 and tokens[1] in {"President", "Secretary-General"}:
        return False  # "Mr. President:" is a salutation, not a speaker
    # Without a title only a language note vouches for a name ("Hadiza (spoke in French):");
    # "Nations (FAO):" at the start of a wrapped line is not a speaker.
    return honorific or has_language_note


def _match_chinese(head: str, emphasised: bool) -> SpeakerMarker | None:
    found = _fields(_ZH_MARKER, head)
    if found is None:
        return None
    m, speaker, deleg, lang = found
    role = speaker in _ZH_ROLES
    if not role and not speaker.endswith(_ZH_TITLES):
        return None
    # A bare "某某先生：" could open an ordinary sentence; records always add a delegation,
    # a language note or bold type, so one of those is required unless the speaker is a role.
    if not (role or deleg or lang or emphasised):
        return None
    return _marker(m, speaker, deleg, lang, _ZH_PRESIDING, certain=True)


def match_switch_line(paragraph: str) -> tuple[bool, str | None]:
    """Whether a whole paragraph is a language note like "(spoke in English)", and its code."""
    m = _SWITCH_LINE.fullmatch(paragraph.strip())
    if m is None:
        return False, None
    return True, language_code(m.group("en") or m.group("zh"))


def last_switch(text: str) -> tuple[bool, str | None]:
    """The last language note inside a text, if any (a switch in the middle of a speech)."""
    found: tuple[bool, str | None] = (False, None)
    if "spoke in" in text:
        for m in _EN_SWITCH.finditer(text):
            if text[m.end() : m.end() + 1] != ":":
                found = (True, language_code(m.group("lang")))
    if "发言" in text:
        for m in _ZH_SWITCH.finditer(text):
            if text[m.end() : m.end() + 1] not in ("：", ":"):
                found = (True, language_code(m.group("lang")))
    return found


def find_presiding_delegation(header: str) -> str | None:
    """The presiding delegation from a record header ("主席: 奥泰比先生 ..... (科威特)")."""
    if "主席" not in header and "President" not in header:
        return None
    m = _PRESIDENT_LINE.search(header)
    return m.group("deleg").strip() if m else None


def is_record_header(header: str) -> bool:
    """Whether the opening of a document is a verbatim record's masthead."""
    if any(phrase in header for phrase in RECORD_HEADER_PHRASES):
        return True
    if find_presiding_delegation(header) is not None:
        return True
    opening = header[:600]
    return "PV." in opening and _RECORD_SYMBOL.search(opening) is not None


def record_language(header: str) -> str | None:
    """The language of a verbatim record, from its "speeches delivered in ..." statement."""
    for statement, code in _RECORD_LANGUAGE:
        if statement in header:
            return code
    return None
