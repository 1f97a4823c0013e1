"""Text out of an uploaded file, chosen by its extension: plain text, HTML, Word, PDF."""

from __future__ import annotations

import io

from workbench.core.corpus.archive import open_zip_document
from workbench.core.corpus.encoding import decode_bytes
from workbench.core.corpus.html_text import html_to_text
from workbench.core.corpus.types import CorpusError
from workbench.core.i18n import N_
from workbench.core.i18n import _

TEXT_EXTENSIONS = frozenset({".txt", ".md", ".markdown", ".text"})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
DOCUMENT_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | {".docx", ".pdf"}

# A Word document's parts: its text is in word/document.xml; images are the large parts.
DOCX_MAX_PART_BYTES = 100 * 1024 * 1024
DOCX_MAX_TOTAL_BYTES = 300 * 1024 * 1024

_HINTS = {
    ".doc": N_("save it as .docx first"),
    ".rtf": N_("save it as .docx or .txt first"),
    ".odt": N_("save it as .docx first"),
    ".xlsx": N_("save the sheet as .csv first"),
    ".xls": N_("save the sheet as .csv first"),
}


_SUPPORTED = N_("supported types are .txt, .md, .html, .docx, .pdf, .csv, .jsonl, .zip")


def extension(filename: str) -> str:
    """The lower-case extension of a file name, with its dot ("" when there is none)."""
    name = filename.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def extract_text(filename: str, data: bytes) -> str:
    """The text of a .txt/.md, .html/.htm, .docx or .pdf file; paragraphs split by blank lines."""
    ext = extension(filename)
    if ext in TEXT_EXTENSIONS:
        return decode_bytes(data, filename)
    if ext in HTML_EXTENSIONS:
        return html_to_text(decode_bytes(data, filename), filename)
    if ext == ".docx":
        return _docx_text(filename, data)
    if ext == ".pdf":
        return _pdf_text(filename, data)
    hint = _(_HINTS[ext]) if ext in _HINTS else _(_SUPPORTED)
    shown = ext or _("(no extension)")
    raise CorpusError(
        _(
            "%(filename)s: cannot import files of type %(shown)s; %(hint)s",
            filename=filename,
            shown=shown,
            hint=hint,
        )
    )


def _docx_text(filename: str, data: bytes) -> str:
    # Imported here: python-docx is only needed when a Word file actually arrives.
    from docx import Document
    from docx.table import Table

    if not data:
        raise CorpusError(_("%(filename)s: the file is empty", filename=filename))
    # A .docx is a zip: refuse a bomb before python-docx inflates its parts.
    open_zip_document(
        filename,
        data,
        kind=_("Word (.docx) document"),
        max_member_bytes=DOCX_MAX_PART_BYTES,
        max_total_bytes=DOCX_MAX_TOTAL_BYTES,
    ).close()
    try:
        document = Document(io.BytesIO(data))
        paragraphs: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    for cell in row.cells:
                        paragraphs.extend(p.text for p in cell.paragraphs)
            else:
                paragraphs.append(block.text)
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own types
        raise CorpusError(
            _(
                "%(filename)s: not a readable Word (.docx) document (%(exc)s)",
                filename=filename,
                exc=exc,
            )
        ) from exc
    text = "\n\n".join(p.strip() for p in paragraphs if p.strip())
    if not text:
        raise CorpusError(_("%(filename)s: the Word document contains no text", filename=filename))
    return text


def _pdf_text(filename: str, data: bytes) -> str:
    from workbench.core.corpus.pdf_layout import pdf_text

    return pdf_text(filename, data)
