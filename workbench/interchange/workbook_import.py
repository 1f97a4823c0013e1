"""Our own export coming back in: the workbook (.xlsx) or the CSV export (.zip), whole.

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

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core import limits
from workbench.core.corpus import DocumentMeta, ParsedDocument, PassageSpec
from workbench.documents import importing
from workbench.formats import codebook_xlsx
from workbench.formats import coding_sheet as cs
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.detect import Kind, detect
from workbench.formats.times import parse_utc
from workbench.formats.workbook_read import (
    ANNOTATIONS,
    CODED,
    PASSAGES,
    WDocument,
    WorkbookContent,
    csv_export_as_workbook,
    is_csv_export,
    read_export_workbook,
)
from workbench.formats.xmlsafe import ExchangeError
from workbench.interchange.consensus_import import Consensus, apply_consensus
from workbench.interchange.import_report import ImportReport
from workbench.interchange.project_lookup import ProjectLookup, create_coder, not_member_message
from workbench.models import Annotation, Code, Document, Passage, PassageState, Project, User


def is_own_export(filename: str, data: bytes) -> bool:
    """Tell whether a file is a workbench export: a workbook with Passages, or the CSV zip."""
    return detect(filename, data) in (Kind.EXPORT, Kind.CSV_EXPORT)


@dataclass
class _Coding:
    row: int
    passage: Passage
    coder: str
    code: Code
    stance: int | None
    memo: str
    span: coding.Span | None
    made_under: int | None
    revision: int | None
    created: dt.datetime | None
    updated: dt.datetime | None


@dataclass
class _Plan:
    codings: list[_Coding] = field(default_factory=list)
    states: list[tuple[Passage, str, bool, str, dt.datetime | None]] = field(default_factory=list)
    consensus: Consensus = field(default_factory=lambda: defaultdict(dict))
    consensus_times: dict[int, dt.datetime | None] = field(default_factory=dict)


def import_export(
    session: Session,
    project: Project,
    actor: User,
    filename: str,
    data: bytes,
    *,
    allow_partial: bool = False,
    create_coders: bool = False,
    memo_limit: int = 20_000,
) -> ImportReport:
    """Check and (if nothing is dropped, or partial imports are allowed) apply an export."""
    report = ImportReport("workbench export", filename)
    try:
        book = csv_export_as_workbook(data, filename) if is_csv_export(data) else data
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
    plan = _plan(session, project, content, by_old, create_coders, memo_limit, report)
    if report.problems and not allow_partial:
        return report
    _apply(session, project, actor, plan, report, memo_limit)
    # Something may still fail while applying (a consensus the passage cannot take): then the
    # caller rolls everything back unless partial imports are allowed.
    report.applied = allow_partial or not report.problems
    report.skipped_rows = report.problem_rows
    return report


def _keep_revisions(session: Session, project: Project, book: bytes) -> None:
    """Codes new to the project take the definition revision the file gives them."""
    from workbench.formats.xlsx_read import cell_text, open_workbook, sheet_rows

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
    for _, values in sheet.rows:
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
                        f"passage {wp.ordinal} of '{doc.title}' is not a passage of the "
                        "project's copy of this document (segmented differently?)",
                    )
                )
    return by_old


def _plan(
    session: Session,
    project: Project,
    content: WorkbookContent,
    by_old: dict[int, Passage],
    create_coders: bool,
    memo_limit: int,
    report: ImportReport,
) -> _Plan:
    """Check every coding and state; what passes goes into the plan, the rest is reported."""
    lookup = ProjectLookup(session, project)
    live = codebooks.live_codes(session, project)
    by_key = {c.key: c for c in live}
    paths = codebooks.code_paths(live)
    by_path = {paths[c.id].casefold(): c for c in live}
    allowed = [s.value for s in codebooks.stance_scale(project)]
    plan = _Plan()

    def bad(sheet: str, row: int, column: str, message: str) -> None:
        report.problems.append(ImportProblem(sheet, row, column, message))

    def coder(name: str, sheet: str, row: int) -> str | None:
        found = lookup.coder(name) if name else None
        if found is None and create_coders and name.strip():
            return "+" + name.strip()
        if found is None:
            bad(sheet, row, "coder", not_member_message(name) if name else "coder is empty")
        return found

    def time(sheet: str, row: int, column: str, text: str) -> tuple[bool, dt.datetime | None]:
        try:
            return True, parse_utc(text)
        except ValueError:
            bad(sheet, row, column, f"'{text}' is not an ISO 8601 time")
            return False, None

    for c in content.codings:
        passage = by_old.get(c.old_passage_id)
        code = by_key.get(c.code_key) or by_path.get(c.code_path.casefold())
        if passage is None:
            bad(ANNOTATIONS, c.row, "passage_id", f"passage {c.old_passage_id} is not imported")
            continue
        if code is None or not code.is_codable:
            bad(ANNOTATIONS, c.row, "code_path", f"'{c.code_path}' is not an applicable code")
            continue
        try:
            stance = cs.parse_stance(c.stance, allowed) if code.takes_stance else None
        except ValueError as exc:
            bad(ANNOTATIONS, c.row, "stance", str(exc))
            continue
        if len(c.memo) > memo_limit:
            bad(ANNOTATIONS, c.row, "memo", f"the memo is over the {memo_limit:,}-character limit")
            continue
        ok_created, created = time(ANNOTATIONS, c.row, "created_at", c.created_at)
        ok_updated, updated = time(ANNOTATIONS, c.row, "updated_at", c.updated_at)
        if not (ok_created and ok_updated):
            continue
        if c.layer == "consensus":
            plan.consensus[passage.id][code.id] = (stance, c.memo)
            plan.consensus_times[passage.id] = updated
            continue
        span = None
        if c.span_start or c.span_end:
            a, b = limits.counting_number(c.span_start), limits.counting_number(c.span_end)
            if a is None or b is None or not 0 <= a < b <= len(passage.text):
                where = f"{c.span_start[:20]}-{c.span_end[:20]}"
                bad(ANNOTATIONS, c.row, "span_start", f"span {where} is not inside the passage")
                continue
            span = coding.Span(a, b)
        who = coder(c.coder, ANNOTATIONS, c.row)
        if who is not None:
            plan.codings.append(
                _Coding(
                    c.row,
                    passage,
                    who,
                    code,
                    stance,
                    c.memo,
                    span,
                    c.codebook_version,
                    c.code_revision,
                    created,
                    updated,
                )
            )
    for st in content.states:
        passage = by_old.get(st.old_passage_id)
        if passage is None:
            bad(CODED, st.row, "passage_id", f"passage {st.old_passage_id} is not imported")
            continue
        ok, updated = time(CODED, st.row, "updated_at", st.updated_at)
        if not ok:
            continue
        if st.layer == "consensus":
            plan.consensus.setdefault(passage.id, {})
            plan.consensus_times[passage.id] = updated
            continue
        if len(st.memo) > memo_limit:
            bad(CODED, st.row, "passage_memo", f"the memo is over the {memo_limit:,} limit")
            continue
        who = coder(st.coder, CODED, st.row)
        if who is not None:
            plan.states.append((passage, who, st.coded, st.memo, updated))
    return plan


def _apply(
    session: Session,
    project: Project,
    actor: User,
    plan: _Plan,
    report: ImportReport,
    memo_limit: int,
) -> None:
    """Write the plan through the coding services, then restore the file's own times."""
    version = codebooks.current_version(session, project)
    users: dict[str, User] = {}

    def user(name: str) -> User:
        if name not in users:
            if name.startswith("+"):
                users[name] = create_coder(session, project, name[1:])
                report.created_coders.append(users[name].username)
            else:
                users[name] = session.scalars(select(User).where(User.username == name)).one()
        return users[name]

    times: list[tuple[int, _Coding]] = []
    for c in plan.codings:
        kwargs: dict[str, Any] = {"span": c.span, "memo": c.memo}
        if c.code.takes_stance:
            kwargs["stance"] = c.stance
        annotation_id = coding.apply_code(
            session,
            project,
            user(c.coder),
            c.passage.id,
            c.code.id,
            codebook_version=c.made_under if c.made_under is not None else version,
            memo_limit=memo_limit,
            **kwargs,
        )
        times.append((annotation_id, c))
        report.codings_set += 1
        report.applied_rows += 1
    state_times: list[tuple[int, int, dt.datetime | None]] = []
    for passage, name, coded, memo, updated in plan.states:
        who = user(name)
        coding.set_done(session, project, who, passage.id, coded)
        if memo:
            coding.set_passage_memo(session, project, who, passage.id, memo, limit=memo_limit)
        report.passages_done += int(coded)
        report.applied_rows += 1
        state_times.append((passage.id, who.id, updated))
    apply_consensus(
        session, project, actor, plan.consensus, plan.consensus_times, report, sheet=CODED
    )
    session.flush()
    for annotation_id, c in times:
        values: dict[str, Any] = {}
        if c.created is not None:
            values["created_at"] = c.created
        if c.updated is not None:
            values["updated_at"] = c.updated
        if c.revision is not None:
            values["code_revision"] = c.revision
        if values:
            session.execute(update(Annotation).where(Annotation.id == annotation_id).values(values))
    for passage_id, coder_id, updated in state_times:
        if updated is not None:
            session.execute(
                update(PassageState)
                .where(PassageState.passage_id == passage_id, PassageState.coder_id == coder_id)
                .values(updated_at=updated)
            )


def import_codings_file(
    session: Session,
    project: Project,
    actor: User,
    filename: str,
    data: bytes,
    *,
    allow_partial: bool = False,
    create_coders: bool = False,
    memo_limit: int = 20_000,
) -> ImportReport:
    """Import codings from any file the workbench reads: its export, a coding sheet, a table."""
    from workbench.interchange import coding_import, legacy_import

    kind = detect(filename, data)
    if kind is Kind.CODING_SHEET:
        # A lead's import of a coder's sheet, as on the coding-sheet form (only leads come here).
        return coding_import.import_coding_sheet(
            session,
            project,
            actor,
            "lead",
            filename,
            data,
            apply_valid=allow_partial,
            memo_limit=memo_limit,
        )
    if kind in (Kind.EXPORT, Kind.CSV_EXPORT):
        return import_export(
            session,
            project,
            actor,
            filename,
            data,
            allow_partial=allow_partial,
            create_coders=create_coders,
            memo_limit=memo_limit,
        )
    return legacy_import.import_legacy(
        session,
        project,
        actor,
        filename,
        data,
        apply_valid=allow_partial,
        create_coders=create_coders,
        memo_limit=memo_limit,
    )


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
