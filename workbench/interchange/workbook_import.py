"""Our own export coming back in: the workbook (.xlsx), the CSV export (.zip) or the JSON Lines
export (.jsonl), whole.

Everything the export carries comes across: the codebook and stance scale, documents with their
passages and metadata, every coder's codings (stance, memo, span, the codebook version and code
revision they were made under, created/updated times), every coded state ("nothing applies"
included, with its memo and time) and the consensus (codes, stances, memos, time). A document
whose content is already in the project is reused, so the same file can come back into the
project it came from.

Coders must be members of the project; a name that is not one is reported the same way whether
or not such an account exists elsewhere. With ``create_coders`` they are created for this
project (inactive accounts). Every row that cannot come across is reported with its sheet, row
and column; nothing is applied while one remains unless ``allow_partial`` is given.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.core import limits
from workbench.core.corpus import DocumentMeta
from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import PassageSpec
from workbench.core.i18n import _
from workbench.documents import importing
from workbench.formats import codebook_xlsx
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.csv_export_read import csv_export_as_workbook
from workbench.formats.csv_export_read import is_csv_export
from workbench.formats.detect import Kind
from workbench.formats.detect import detect
from workbench.formats.jsonl_export_read import is_jsonl_export
from workbench.formats.jsonl_export_read import jsonl_export_as_workbook
from workbench.formats.workbook_read import PASSAGES
from workbench.formats.workbook_read import WDocument
from workbench.formats.workbook_read import WorkbookContent
from workbench.formats.workbook_read import read_export_workbook
from workbench.formats.xmlsafe import ExchangeError
from workbench.interchange import coding_import
from workbench.interchange import legacy_import
from workbench.interchange.import_report import ImportOptions
from workbench.interchange.import_report import ImportReport
from workbench.interchange.import_report import Upload
from workbench.interchange.workbook_codings import apply_plan
from workbench.interchange.workbook_codings import plan_codings
from workbench.models import Code
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User

if TYPE_CHECKING:
    from typing_extensions import Unpack


OWN_EXPORTS = (Kind.EXPORT, Kind.CSV_EXPORT, Kind.JSONL_EXPORT)


def _as_workbook(filename: str, data: bytes) -> bytes:
    """The export as a workbook: the CSV and JSON Lines exports are laid out as its sheets."""
    if is_csv_export(data):
        return csv_export_as_workbook(data, filename)
    if is_jsonl_export(data):
        return jsonl_export_as_workbook(data, filename)
    return data


def is_own_export(filename: str, data: bytes) -> bool:
    """Tell whether a file is a workbench export: a workbook with Passages, the CSV zip or the
    JSON Lines file."""
    return detect(filename, data) in OWN_EXPORTS


def import_export(session: Session, project: Project, actor: User, upload: Upload) -> ImportReport:
    """Check and (if nothing is dropped, or partial imports are allowed) apply an export."""
    filename, data = upload.filename, upload.data
    allow_partial, create_coders, memo_limit = upload.settings()
    report = ImportReport("workbench export", filename)
    try:
        book = _as_workbook(filename, data)
        content = read_export_workbook(book, filename)
    except ExchangeError as exc:
        report.problems.append(ImportProblem(None, None, None, str(exc)))
        return report
    report.rows = len(content.codings) + len(content.states)
    report.problems.extend(content.problems)
    spec = None
    try:
        spec = codebook_xlsx.xlsx_to_codebook(book, filename)
    except codebook_xlsx.CodebookImportError as exc:
        report.problems.extend(exc.problems)
    if report.problems and not allow_partial:
        return report
    if spec is not None and spec.codes:
        fresh = codebooks.current_version(session, project) == 0
        version = codebooks.install_spec(
            session, project, spec, user=actor, note=f"Imported from {filename}"
        )
        wanted = content.codebook_version
        if fresh and wanted is not None and wanted > version.number:
            # A project that had no codebook takes the file's version number, so that the
            # codings' "made under version N" still names the codebook they came with.
            version.number = wanted
            session.flush()
        report.codebook_version = version.number
        _keep_revisions(session, project, book)
    by_old = _store_documents(session, project, actor, content, report)
    plan = plan_codings(session, project, content, by_old, create_coders, memo_limit, report)
    if report.problems and not allow_partial:
        return report
    apply_plan(session, project, actor, plan, report, memo_limit)
    return report.settle(allow_partial)


def _keep_revisions(session: Session, project: Project, book: bytes) -> None:
    """Codes new to the project take the definition revision the file gives them."""
    from workbench.formats.xlsx_read import cell_text
    from workbench.formats.xlsx_read import open_workbook
    from workbench.formats.xlsx_read import sheet_rows

    wb = open_workbook(book, "codebook")
    try:
        if codebook_xlsx.CODEBOOK_SHEET not in wb.sheetnames:
            return
        sheet = sheet_rows(wb, codebook_xlsx.CODEBOOK_SHEET)
    finally:
        wb.close()
    if "key" not in sheet.header or "revision" not in sheet.header:
        return
    key_at, rev_at = sheet.header.index("key"), sheet.header.index("revision")
    for _row, values in sheet.rows:
        key = cell_text(values[key_at]).strip().strip("{}").lower() if key_at < len(values) else ""
        rev = cell_text(values[rev_at]).strip() if rev_at < len(values) else ""
        revision = limits.counting_number(rev)
        if key and revision is not None:
            session.execute(
                update(Code)
                .where(Code.project_id == project.id, Code.key == key, Code.revision == 1)
                .values(revision=revision)
            )


def _store_documents(
    session: Session,
    project: Project,
    actor: User,
    content: WorkbookContent,
    report: ImportReport,
) -> dict[int, Passage]:
    """Store the documents not yet in the project; map old passage ids to passages."""

    parsed: list[ParsedDocument] = [_workbook_document(doc) for doc in content.documents]
    groups: dict[str, list[ParsedDocument]] = defaultdict(list)
    for doc, pd in zip(content.documents, parsed, strict=True):
        groups[doc.segmentation or "paragraph"].append(pd)
    for mode, docs in groups.items():
        result = importing.store_documents(session, project, docs, user=actor, mode=mode)
        report.documents_added += result.documents
        report.documents_known += len(result.duplicates)
    session.flush()
    by_old: dict[int, Passage] = {}
    for doc, pd in zip(content.documents, parsed, strict=True):
        doc_id = session.scalar(
            select(Document.id).where(
                Document.project_id == project.id, Document.content_hash == pd.content_hash
            )
        )
        ordinals = {
            p.ordinal: p
            for p in session.scalars(select(Passage).where(Passage.document_id == doc_id))
        }
        for wp in doc.passages:
            found = ordinals.get(wp.ordinal)
            if found is not None and (found.text, found.start_offset) == (wp.text, wp.start):
                by_old[wp.old_id] = found
            else:
                # The project holds this content cut differently (another segmentation):
                # codings of this passage would land on other text, so they are not applied.
                report.problems.append(
                    ImportProblem(
                        PASSAGES,
                        wp.row,
                        "text",
                        _(
                            "passage %(ordinal)s of '%(title)s' is not a passage of the project's "
                            "copy of this document (segmented differently?)",
                            ordinal=wp.ordinal,
                            title=doc.title,
                        ),
                    )
                )
    return by_old


def import_codings_file(
    session: Session,
    project: Project,
    actor: User,
    filename: str,
    data: bytes,
    **options: Unpack[ImportOptions],
) -> ImportReport:
    """Import codings from any file the workbench reads: its export, a coding sheet, a table."""
    kind = detect(filename, data)
    upload = Upload(filename, data, options)
    if kind in OWN_EXPORTS:
        return import_export(session, project, actor, upload)
    if kind is Kind.CODING_SHEET:
        # A lead's import of a coder's sheet, as on the coding-sheet form (only leads come here).
        return coding_import.import_coding_sheet(
            session,
            project,
            actor,
            "lead",
            filename,
            data,
            apply_valid=options.get("allow_partial", False),
            memo_limit=options.get("memo_limit", limits.MEMO),
        )
    return legacy_import.import_legacy(session, project, actor, upload)


def _workbook_document(doc: WDocument) -> ParsedDocument:
    """A document of an exported workbook as the corpus layer describes a parsed one."""
    text = doc.text()
    passages = [
        PassageSpec(
            p.ordinal,
            p.text,
            p.start,
            p.end,
            p.speaker,
            p.delegation,
            p.language,
            p.original_language,
            p.codable,
            p.turn,
        )
        for p in doc.passages
    ]
    meta = DocumentMeta(
        title=doc.title[:500],
        date=doc.date,
        doc_type=doc.doc_type,
        meeting_symbol=doc.meeting_symbol,
        language=doc.language,
        source=doc.source,
    )
    return ParsedDocument(
        filename=(doc.filename or doc.title)[:500],
        raw_text=text,
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        meta=meta,
        passages=passages,
        extra=dict(doc.extra),
    )
