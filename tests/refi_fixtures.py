"""Build vendor-shaped .qdpx files: a line-per-record text and selections counted many ways.

Among the selections are pairs by one coder with one code on one line, which must come in as
two annotations on exactly their own text.

The builder knows the text each selection is meant to cover, so tests compare what the import
made of it with that intention, never with the import's own output.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

CODES = {
    "c0de0000-0000-4000-8000-000000000001": "Praise",
    "c0de0000-0000-4000-8000-000000000002": "Complaint",
}
USERS = {
    "05e40000-0000-4000-8000-000000000001": ("王伟", "wangwei"),
    "05e40000-0000-4000-8000-000000000002": ("Ünal.Á", ""),
}
SOURCE = "50c00000-0000-4000-8000-000000000001"
_WORDS = (
    "great", "video", "really", "love", "this", "one", "the", "part", "about", "cooperation",
    "was", "clear", "terrible", "audio", "please", "fix", "it", "next", "time", "thanks", "for",
    "sharing",
)  # fmt: skip
_EXTRAS = ("😀", "🎉", "𠀀", "中方谴责恐怖主义", "太好了", "👍🏽", "café")


@dataclass(frozen=True)
class Intended:
    """A selection as the fixture means it: code-point range over the CRLF text, and who/what."""

    start: int
    end: int
    user: str
    code: str
    created: str

    def text(self, raw: str) -> str:
        """The text the selection covers, with LF line ends (as the workbench stores text)."""
        return raw[self.start : self.end].replace("\r\n", "\n")


def comment_lines(count: int, seed: int = 8) -> list[str]:
    """Lines of comments, with page furniture and a copyright line between blocks."""
    rng = random.Random(seed)
    lines: list[str] = []
    page = 1
    while len(lines) < count:
        if lines and len(lines) % 150 == 0:
            page += 1
            lines += ["", f"Page {page}", ""]
            continue
        if len(lines) % 400 == 7:
            lines.append("Copyright 2020 YouTube. All rights reserved.")
            continue
        words = rng.choices(_WORDS, k=rng.randint(2, 25))
        for _ in range(rng.randint(0, 3)):
            words.insert(rng.randint(0, len(words)), rng.choice(_EXTRAS))
        lines.append(" ".join(words))
    return lines


def _furniture(line: str) -> bool:
    return line.startswith(("Page ", "Copyright"))


def plan_selections(lines: list[str], eol: str, seed: int = 8) -> tuple[str, list[Intended]]:
    """The text (lines joined by eol) and ~300 selections over it, lines never shared."""
    rng = random.Random(seed)
    raw = eol.join(lines) + eol
    starts = []
    position = 0
    for line in lines:
        starts.append(position)
        position += len(line) + len(eol)
    users, codes = list(USERS), list(CODES)
    out: list[Intended] = []
    index = 1
    while index < len(lines) - 2:
        line, begin = lines[index], starts[index]
        kind = len(out) % 6
        if not line or _furniture(line) or _furniture(lines[index + 1]):
            index += 1  # furniture lines get selections of their own (furniture_selections)
            continue
        if kind == 0 and lines[index + 1]:  # from the middle of a line into the next
            cut = line.find(" ") + 1 if " " in line else 0
            nxt = lines[index + 1]
            stop = nxt.find(" ") if " " in nxt else len(nxt)
            start, end = begin + cut, starts[index + 1] + stop
        elif kind == 1:  # a few words inside a line
            words = line.split(" ")
            first = rng.randint(0, max(0, len(words) - 2))
            start = begin + len(" ".join(words[:first])) + (1 if first else 0)
            end = start + len(" ".join(words[first : first + 2]))
        else:  # a whole line, as NVivo writes most of them
            start, end = begin, begin + len(line)
        moment = f"2021-0{1 + len(out) % 9}-1{len(out) % 10}T0{len(out) % 10}:1{len(out) % 6}:00Z"
        out.append(Intended(start, end, users[len(out) % 2], codes[len(out) % 3 % 2], moment))
        index += rng.randint(4, 12)
    return raw, out


def furniture_selections(lines: list[str], eol: str) -> list[Intended]:
    """Selections on the page-number and copyright lines (not codable as paragraphs)."""
    out = []
    position = 0
    for line in lines:
        if _furniture(line):
            out.append(
                Intended(
                    position,
                    position + len(line),
                    next(iter(USERS)),
                    next(iter(CODES)),
                    "2022-02-02T02:02:02Z",
                )
            )
        position += len(line) + len(eol)
    return out


def pair_selections(
    lines: list[str], eol: str, taken: list[Intended], count: int = 3
) -> list[Intended]:
    """Two selections of one coder with one code on each of a few lines nothing else selects.

    The schema has one annotation per passage, coder and code: the import must cut the line's
    passage between the two rather than join them into one span.
    """
    out: list[Intended] = []
    position = 0
    for line in lines:
        end_of_line = position + len(line)
        free = not any(t.start < end_of_line and position < t.end for t in taken)
        words = line.split(" ")
        if free and not _furniture(line) and len(words) >= 6 and len(out) < 2 * count:
            user, code = list(USERS)[len(out) // 2 % 2], list(CODES)[1]
            head = len(" ".join(words[:2]))
            tail = len(" ".join(words[-2:]))
            moment = f"2023-03-0{1 + len(out)}T03:03:03Z"
            out.append(Intended(position, position + head, user, code, moment))
            out.append(Intended(end_of_line - tail, end_of_line, user, code, moment[:-2] + "4Z"))
        position = end_of_line + len(eol)
    return out


def utf16_offset(raw: str, position: int) -> int:
    """A code-point position as UTF-16 code units."""
    return len(raw[:position].encode("utf-16-le")) // 2


def utf8_offset(raw: str, position: int) -> int:
    """A code-point position as UTF-8 bytes."""
    return len(raw[:position].encode("utf-8"))


def project_qde(selections: list[tuple[int, int, Intended]], *, names: str = "") -> str:
    """A project.qde in NVivo's shape: empty selection names, coder on each Coding."""
    users = "".join(
        f"<User guid={quoteattr(g)} name={quoteattr(n)}"
        + (f" id={quoteattr(i)}" if i else "")
        + "/>"
        for g, (n, i) in USERS.items()
    )
    codes = "".join(f'<Code guid="{g}" name="{n}" isCodable="true"/>' for g, n in CODES.items())
    body = []
    for n, (start, end, sel) in enumerate(selections):
        body.append(
            f'<PlainTextSelection guid="5e1e0000-0000-4000-8000-{n:012d}" name="{names}" '
            f'startPosition="{start}" endPosition="{end}" creatingUser="{sel.user}" '
            f'creationDateTime="{sel.created}">'
            f'<Coding guid="c0d10000-0000-4000-8000-{n:012d}" creatingUser="{sel.user}" '
            f'creationDateTime="{sel.created}"><CodeRef targetGUID="{sel.code}"/></Coding>'
            "</PlainTextSelection>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="Comments" origin="NVivo 12.6">'
        f"<Users>{users}</Users><CodeBook><Codes>{codes}</Codes></CodeBook>"
        f'<Sources><TextSource guid="{SOURCE}" name="YouTube comments" '
        f'plainTextPath="internal://{SOURCE}.txt">{"".join(body)}</TextSource></Sources>'
        "</Project>"
    )


def qdpx(qde: str, text: bytes, *, folder: str = "Sources") -> bytes:
    """Zip a project.qde and one source text the way a vendor does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("project.qde", qde.encode("utf-8"))
        zf.writestr(f"{folder}/{SOURCE}.txt", text)
    return buf.getvalue()


def nvivo_file(line_count: int = 3000) -> tuple[bytes, str, list[Intended]]:
    """NVivo's shape: CRLF, UTF-8 with BOM, UTF-16 offsets without the BOM, empty names."""
    lines = comment_lines(line_count)
    raw, wanted = plan_selections(lines, "\r\n")
    wanted += furniture_selections(lines, "\r\n")
    wanted += pair_selections(lines, "\r\n", wanted)
    offsets = [(utf16_offset(raw, s.start), utf16_offset(raw, s.end), s) for s in wanted]
    data = qdpx(project_qde(offsets), b"\xef\xbb\xbf" + raw.encode("utf-8"))
    return data, raw, wanted
