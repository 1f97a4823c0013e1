"""Turn the bytes of an uploaded text file into a str, whatever its encoding."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from workbench.core.corpus.types import CorpusError
from workbench.core.i18n import N_
from workbench.core.i18n import _

# Signatures of formats people rename to .txt by mistake; naming the format helps them fix it.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", N_("a PDF file")),
    (b"PK\x03\x04", N_("a ZIP archive (or a .docx/.xlsx file)")),
    (b"\xd0\xcf\x11\xe0", N_("an old Microsoft Office file (.doc/.xls)")),
    (b"\x89PNG", N_("a PNG image")),
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"GIF8", N_("a GIF image")),
    (b"\x1f\x8b", N_("a gzip archive")),
    (b"{\\rtf", N_("an RTF document")),
)

# Checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_CJK_PUNCTUATION = re.compile("[、。《》「」『』！（），：；？]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ACCENTED = re.compile("[\u00c0-\u00ff]")
# What Western European text saved by Windows (cp1252, or Latin-1) holds beyond ASCII: the
# letters of French, Spanish, Portuguese, German, Italian and the Nordic languages, their quotes
# and typography. Central European (cp1250) or Cyrillic (cp1251) bytes read as cp1252 give
# characters outside it (ł as ³, ą as ¹, Cyrillic as accented capitals in a row of lowercase...)
# or bytes cp1252 does not define.
_WESTERN = re.compile(
    "[\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u00a0\u00a1\u00a7\u00ab\u00b0"
    "\u00b7\u00bb\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2013\u2014\u2018"
    "\u2019\u201a\u201c\u201d\u201e\u2022\u2026\u20ac\u2122]*"
)


def decode_bytes(data: bytes, filename: str) -> str:
    """Decode a text file (UTF-8/16/32 with or without BOM, GB18030, Big5, ...) to LF text."""
    if not data.strip():
        raise CorpusError(_("%(filename)s: the file is empty", filename=filename))
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            what = _(kind)
            raise CorpusError(
                _(
                    "%(filename)s: this is %(what)s, not a plain-text file",
                    filename=filename,
                    what=what,
                )
            )
    text = _decode(data, filename)
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if looks_binary(text):
        raise CorpusError(_("%(filename)s: looks like a binary file, not text", filename=filename))
    if "\x00" in text:
        # A few NULs pass as "not binary" (a byte-order mark skips the binary test of the bytes):
        # PostgreSQL cannot store one and SQLite's search index stops reading at it.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise CorpusError(
            _(
                "%(filename)s: line %(line)s has a NUL character, which a text file never has",
                filename=filename,
                line=line,
            )
        )
    if not text.strip():
        raise CorpusError(_("%(filename)s: the file is empty", filename=filename))
    return text


def _decode(data: bytes, filename: str) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise CorpusError(
                    _(
                        "%(filename)s: starts with a %(codec)s byte-order mark but is not "
                        "valid %(codec)s",
                        filename=filename,
                        codec=codec,
                    )
                ) from exc
    if b"\x00" in data:
        return _decode_utf16_without_bom(data, filename)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Chinese text in UTF-16 may have no NUL at all (no ASCII character, not even a newline);
    # Western 8-bit text read as UTF-16 also gives ideographs, but never Chinese punctuation.
    utf16 = _best_utf16_reading(data, punctuated=True)
    if utf16 is not None:
        return utf16
    chinese = _decode_chinese(data)
    if chinese is not None:
        return chinese
    western = _decode_western(data)
    if western is not None:
        return western
    best = from_bytes(data).best()
    if best is None:
        raise CorpusError(
            _("%(filename)s: cannot tell which text encoding this file uses", filename=filename)
        )
    return str(best)


def _decode_utf16_without_bom(data: bytes, filename: str) -> str:
    # NULs in a text file mean UTF-16: ASCII characters leave one in every other byte. Mostly-
    # Chinese text has few of them (newlines, digits), and some ideographs (言 = U+8A00) put
    # NULs in the other half, so rather than counting NULs each byte order is decoded and
    # judged by what it reads as. Anything else with NULs in it is not a text file.
    text = _best_utf16_reading(data)
    if text is None:
        raise CorpusError(_("%(filename)s: looks like a binary file, not text", filename=filename))
    return text


def _best_utf16_reading(data: bytes, *, punctuated: bool = False) -> str | None:
    """The UTF-16 reading (LE or BE) of BOM-less bytes that reads as text, if one does."""
    if len(data) % 2 or len(data) < 4:
        return None
    best: tuple[float, str] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        sample = text[:4096]
        if punctuated and len(_CJK_PUNCTUATION.findall(sample)) < 0.02 * len(sample):
            continue
        score = _text_score(sample)
        if score >= 0.9 and (best is None or score > best[0]):
            best = (score, text)
    return best[1] if best is not None else None


def _text_score(text: str) -> float:
    # Share of characters that Chinese or Western prose is made of. ASCII read in the wrong
    # byte order lands on U+xx00 ("A" becomes U+4100, "e" U+6500), which are ideographs too,
    # so those alone prove nothing: real Chinese uses 一 (U+4E00), 开 and 最 all the time. A
    # reading is judged wrong only when most of its characters are of that shape.
    if not text:
        return 0.0
    plausible = 0
    wrong_order = 0
    for ch in text:
        code = ord(ch)
        if code < 0x80:
            plausible += ch.isprintable() or ch in "\t\n\r"
        elif (
            0x4E00 <= code <= 0x9FFF
            or 0x3000 <= code <= 0x303F
            or 0xFF00 <= code <= 0xFFEF
            or 0x2010 <= code <= 0x203B
            or 0xA0 <= code <= 0x24F
        ):
            plausible += 1
        if code & 0xFF == 0 and 0x20 <= code >> 8 <= 0x7E:
            wrong_order += 1
    if wrong_order * 2 > len(text):
        return 0.0
    return plausible / len(text)


def _decode_western(data: bytes) -> str | None:
    """The cp1252 reading, if it reads as Western European text.

    A short French or Spanish text is too little for a statistical guess: charset-normalizer
    read "Côte d'Ivoire" in cp1252 as "C¶te", and "très" as Chinese. UN material in these
    languages is common; Central European text in cp1250 fails this test (see _WESTERN)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if not _WESTERN.fullmatch(text):
        return None
    # Cyrillic (cp1251) or Greek (cp1253) read as cp1252 is almost all accented letters
    # ("Ïðèâåò"); in Western European words they are a few in a hundred.
    accented = len(_ACCENTED.findall(text))
    return text if accented <= 0.3 * (accented + len(_LATIN.findall(text))) else None


def _decode_chinese(data: bytes) -> str | None:
    # charset-normalizer mistakes short GB18030 texts for Korean; our documents are Chinese or
    # English, so the two Chinese legacy encodings are tried first. Because GB18030 accepts
    # almost any byte pair, a decoding only counts if the result is mostly Chinese.
    candidates: list[tuple[str, str]] = []
    for codec in ("gb18030", "big5"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        han = len(_HAN.findall(text))
        if han >= 2 and han * 5 >= len(_LATIN.findall(text)):
            candidates.append((codec, text))
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0][1]
    best = from_bytes(data, cp_isolation=[codec for codec, _ in candidates]).best()
    if best is not None:
        return str(best)
    return candidates[0][1]


def looks_binary(text: str) -> bool:
    """Tell whether decoded text is mostly control characters (a binary file read as text)."""
    sample = text[:65536]
    return len(_CONTROL.findall(sample)) > max(2, len(sample) // 200)
