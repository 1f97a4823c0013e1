"""Zip bombs in every zip-based upload (.docx, .zip, .xlsx) are refused before they inflate."""

from __future__ import annotations

import io
import zipfile

import pytest

from workbench.core.corpus import archive as archive_mod
from workbench.core.corpus.extract import extract_text
from workbench.core.corpus.types import CorpusError
from workbench.formats.codebook_xlsx import CodebookImportError
from workbench.formats.codebook_xlsx import xlsx_to_codebook
from workbench.formats.xlsx_read import open_workbook
from workbench.formats.xmlsafe import ExchangeError

BOMB_BYTES = 60 * 1024 * 1024  # inflates to 60 MB from about 60 KB


def _small_docx() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("We support capacity-building.")
    document.save(buffer)
    return buffer.getvalue()


def _bomb(template: bytes, part: str) -> bytes:
    """Copy a real zip document, replacing one part with megabytes of one repeated byte."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename == part:
                with target.open(part, "w", force_zip64=True) as stream:
                    chunk = b" " * (1024 * 1024)
                    for _ in range(BOMB_BYTES // len(chunk)):
                        stream.write(chunk)
            else:
                target.writestr(info, source.read(info))
    return out.getvalue()


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    return _bomb(_small_docx(), "word/document.xml")


def test_the_bomb_is_small_and_inflates_hugely(docx_bomb: bytes) -> None:
    assert len(docx_bomb) < 200_000
    with zipfile.ZipFile(io.BytesIO(docx_bomb)) as z:
        assert z.getinfo("word/document.xml").file_size == BOMB_BYTES


def test_a_docx_bomb_is_refused_before_python_docx_opens_it(docx_bomb, monkeypatch) -> None:
    import docx

    def never(*_a, **_k):
        raise AssertionError("python-docx was handed the bomb")

    monkeypatch.setattr(docx, "Document", never)
    with pytest.raises(CorpusError) as refused:
        extract_text("speech.docx", docx_bomb)
    message = str(refused.value)
    assert message.startswith("speech.docx: entry word/document.xml is compressed")
    assert "to 1" in message and "refused" in message


def test_a_docx_part_over_the_size_limit_is_refused(monkeypatch) -> None:
    from workbench.core.corpus import extract

    monkeypatch.setattr(extract, "DOCX_MAX_PART_BYTES", 1000)
    with pytest.raises(CorpusError, match="over the 1,000-byte limit per file"):
        extract_text("speech.docx", _small_docx())


def test_an_ordinary_docx_still_reads() -> None:
    assert extract_text("speech.docx", _small_docx()) == "We support capacity-building."


def test_a_docx_bomb_inside_a_zip_upload_is_refused(docx_bomb) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("speech.docx", docx_bomb)  # stored: the outer zip looks harmless
    members = archive_mod.iter_archive(
        "upload.zip", out.getvalue(), max_member_bytes=10**8, max_total_bytes=10**9
    )
    name, data = next(members)
    with pytest.raises(CorpusError, match="compressed"):
        extract_text(name, data)


def test_a_zip_bomb_upload_is_refused_by_its_ratio() -> None:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("speeches.txt", "w", force_zip64=True) as stream,
    ):
        for _ in range(BOMB_BYTES // (1024 * 1024)):
            stream.write(b"a" * (1024 * 1024))
    with pytest.raises(CorpusError, match="as only zip bombs are"):
        list(
            archive_mod.iter_archive(
                "upload.zip", out.getvalue(), max_member_bytes=10**9, max_total_bytes=10**10
            )
        )


def test_xlsx_bombs_are_refused_for_coding_sheets_and_codebooks() -> None:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["path", "definition"])
    book.save(buffer)
    bomb = _bomb(buffer.getvalue(), "xl/worksheets/sheet1.xml")
    with pytest.raises(ExchangeError, match="zip bombs"):
        open_workbook(bomb, "sheet.xlsx")
    with pytest.raises(CodebookImportError, match="zip bombs"):
        xlsx_to_codebook(bomb, "codebook.xlsx")
