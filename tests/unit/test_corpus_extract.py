"""Text extraction by file type: HTML, Word, PDF, plain text; unsupported and damaged files."""

from __future__ import annotations

import io

import pytest
from docx import Document

from workbench.core.corpus import CorpusError
from workbench.core.corpus import extract_text
from workbench.core.corpus import parse_file

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Statement</title><style>p { color: red }</style>
<script>var tracking = "Home > secret";</script></head>
<body>
<nav><a href="/">Home</a> &gt; <a href="/un">China &amp; UN</a> &gt; <a>Counterterrorism</a></nav>
<!-- a comment --> <h1>Statement by Ambassador Zhang Jun</h1>
<div><p>Terrorism is the <b>common enemy</b> of mankind.<br>It must be countered.</p>
<script>document.write("injected")</script><noscript>Enable JS</noscript>
<p>China supports the UN&#8217;s central role.</p></div>
<footer>Suggest to a friend</footer>
</body></html>"""


def test_html_keeps_text_and_blocks_and_drops_scripts():
    text = extract_text("page.html", HTML_PAGE.encode("utf-8"))
    assert "tracking" not in text and "injected" not in text and "color" not in text
    assert "Enable JS" not in text and "a comment" not in text
    paragraphs = text.split("\n\n")
    assert paragraphs == [
        "Home > China & UN > Counterterrorism",
        "Statement by Ambassador Zhang Jun",
        "Terrorism is the common enemy of mankind.\nIt must be countered.",
        "China supports the UN’s central role.",
        "Suggest to a friend",
    ]


def test_html_navigation_becomes_non_codable_passages():
    (document,) = parse_file("page.htm", HTML_PAGE.encode("utf-8"))
    texts = {p.text: p.codable for p in document.passages}
    assert texts["Home > China & UN > Counterterrorism"] is False
    assert texts["Suggest to a friend"] is False
    assert texts["China supports the UN’s central role."] is True


def test_html_in_a_txt_file_stays_literal_text():
    data = b"<p>Terrorism</p> <script>alert(1)</script> is a threat."
    (document,) = parse_file("notes.txt", data)
    assert document.text == "<p>Terrorism</p> <script>alert(1)</script> is a threat."


def test_html_with_xml_declaration_and_legacy_encoding():
    page = '<?xml version="1.0" encoding="gb18030"?>'
    page += "<html><body><p>中国反对恐怖主义。</p></body></html>"
    assert extract_text("zh.xhtml", page.encode("gb18030")) == "中国反对恐怖主义。"


def _docx_bytes() -> bytes:
    document = Document()
    document.add_heading("Statement by China", level=1)
    document.add_paragraph("Terrorism is the common enemy of all humankind.")
    document.add_paragraph("")
    document.add_paragraph("中国支持联合国发挥核心作用。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Cell one."
    table.cell(0, 1).text = "Cell two."
    document.add_paragraph("Thank you.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_and_tables_in_order():
    text = extract_text("statement.docx", _docx_bytes())
    assert text.split("\n\n") == [
        "Statement by China",
        "Terrorism is the common enemy of all humankind.",
        "中国支持联合国发挥核心作用。",
        "Cell one.",
        "Cell two.",
        "Thank you.",
    ]
    (document,) = parse_file("statement.docx", _docx_bytes())
    assert [p.language for p in document.passages][:3] == ["en", "en", "zh"]


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", b"hello", b""])
def test_corrupt_docx_raises_corpus_error(data: bytes):
    with pytest.raises(CorpusError, match=r"broken\.docx"):
        extract_text("broken.docx", data)


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF with a real text layer: one Helvetica text block per page."""
    count = len(pages)
    font_id = 3 + 2 * count
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
    ]
    for index, lines in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * index} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        operators = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            operators.append(f"({escaped}) Tj T*")
        operators.append("ET")
        stream = "\n".join(operators).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_text_layer_with_page_break_rejoined():
    pdf = make_pdf(
        [
            ["Statement by the delegation of China.", "States must protect the critical"],
            ["infrastructure against terrorist attacks.", "Thank you."],
        ]
    )
    text = extract_text("record.pdf", pdf)
    assert "\x0c" in text  # pages are separated by form feeds
    (document,) = parse_file("record.pdf", pdf)
    assert [p.text for p in document.passages] == [
        "Statement by the delegation of China.",
        "States must protect the critical infrastructure against terrorist attacks.",
        "Thank you.",
    ]


def test_pdf_without_text_layer_is_rejected():
    with pytest.raises(CorpusError, match=r"scan\.pdf: the PDF has no text layer"):
        extract_text("scan.pdf", make_pdf([[]]))


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\nendobj\ntrailer\n<<>>\n%%EOF",
        b"%PDF-1.7\n" + bytes(range(256)) * 4,
        b"this is not a pdf at all",
    ],
    ids=["dangling", "garbage", "not-pdf"],
)
def test_corrupt_pdf_raises_corpus_error(data: bytes):
    with pytest.raises(CorpusError, match=r"broken\.pdf"):
        extract_text("broken.pdf", data)


def test_truncated_pdf_raises_corpus_error():
    pdf = make_pdf([["Some text on a page."]])
    with pytest.raises(CorpusError, match=r"cut\.pdf"):
        extract_text("cut.pdf", pdf[: len(pdf) // 3])


@pytest.mark.parametrize(
    ("name", "hint"), [("old.doc", "docx"), ("sheet.xlsx", "csv"), ("README", "no extension")]
)
def test_unknown_extensions_are_rejected_with_advice(name: str, hint: str):
    with pytest.raises(CorpusError, match=rf"{name}: cannot import files of type .*{hint}"):
        extract_text(name, b"whatever")


def test_markdown_headings_become_heading_passages():
    (document,) = parse_file("notes.md", b"# Statement\n\nChina opposes terrorism.\n")
    assert [(p.text, p.codable, p.reason) for p in document.passages] == [
        ("Statement", False, "heading"),
        ("China opposes terrorism.", True, None),
    ]
