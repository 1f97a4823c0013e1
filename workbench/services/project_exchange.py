"""Project exchange: what comes in through ``import-project``, and the .qdpx export.

Dispatches by file type: a .qdpx/.qde project (``qdpx_import``), a .qdc codebook
(``codebook_files``), or a workbook exported by the workbench (merged here: codebook,
documents, codings, coded states, consensus). The .qdpx export is ``qdpx_export``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.corpus import DocumentMeta, ParsedDocument, PassageSpec
from workbench.exporting import codebook_xlsx
from workbench.exporting import coding_sheet as cs
from workbench.exporting.codebook_xlsx import ImportProblem
from workbench.exporting.qdpx_read import read_project
from workbench.exporting.workbook_read import WDocument, read_export_workbook
from workbench.exporting.xmlsafe import ExchangeError
from workbench.models import Code, Document, Passage, Project, User
from workbench.services import codebook_files, codebooks, coding, importing, qdpx_import
from workbench.services.coding_import import _create_coder
from workbench.services.errors import ValidationError
from workbench.services.exchange_report import ExchangeReport
from workbench.services.qdpx_export import export_qdpx

__all__ = ["ExchangeReport", "export_qdpx", "import_project_file", "import_workbook"]


# --------------------------------------------------------------------------- import


def import_project_file(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    data: bytes,
    *,
    create_coders: bool = False,
    mode: str = "paragraph",
) -> ExchangeReport:
    """Import a .qdpx/.qde project, a .qdc codebook, or a workbook exported by the workbench."""
    lower = filename.lower()
    if lower.endswith(".qdc"):
        version, warnings = codebook_files.import_codebook_file(
            session, project, filename, data, user=user
        )
        return ExchangeReport(filename, codebook_version=version.number, warnings=warnings)
    if lower.endswith(".xlsx"):
        return import_workbook(session, project, user, filename, data, create_coders=create_coders)
    if not lower.endswith((".qdpx", ".qde")):
        raise ValidationError(
            f"{filename}: import a .qdpx or .qde project, a .qdc codebook or an .xlsx export."
        )
    try:
        found = read_project(data, filename)
    except ExchangeError as exc:
        raise ValidationError(f"Nothing was imported. {exc}") from None
    return qdpx_import.import_refi(session, project, user, filename, found, create_coders, mode)


# --------------------------------------------------------------------------- our workbooks


def import_workbook(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    data: bytes,
    *,
    create_coders: bool = False,
) -> ExchangeReport:
    """Import a workbook exported by the workbench: codebook, documents, codings, states."""
    try:
        content = read_export_workbook(data, filename)
    except ExchangeError as exc:
        raise ValidationError(f"Nothing was imported. {exc}") from None
    problems = list(content.problems)
    try:
        spec = codebook_xlsx.xlsx_to_codebook(data, filename)
    except codebook_xlsx.CodebookImportError as exc:
        problems += exc.problems
    _refuse(problems)
    report = ExchangeReport(filename)
    if spec.codes:
        report.codebook_version = codebooks.install_spec(
            session, project, spec, user=user, note=f"Imported from {filename}"
        ).number
    parsed = [_workbook_document(doc) for doc in content.documents]
    result = importing.store_documents(session, project, parsed, user=user)
    report.documents_added, report.documents_known = result.documents, len(result.duplicates)
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
            if wp.ordinal in ordinals:
                by_old[wp.old_id] = ordinals[wp.ordinal]
    plan = _plan_workbook(session, project, content, by_old, create_coders, report)
    _apply_workbook(session, project, user, plan, report)
    return report


def _refuse(problems: list[ImportProblem]) -> None:
    if problems:
        shown = [str(p) for p in problems[:200]]
        if len(problems) > 200:
            shown.append(f"... and {len(problems) - 200} more")
        raise ValidationError("Nothing was imported: fix these problems and try again.", shown)


def _workbook_document(doc: WDocument) -> ParsedDocument:
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


@dataclass
class _WorkbookPlan:
    codings: list[tuple[Passage, User, Code, int | None, str, coding.Span | None, int | None]]
    states: list[tuple[Passage, User, bool, str]]
    consensus: dict[int, dict[int, int | None]]


def _plan_workbook(
    session: Session,
    project: Project,
    content: Any,
    by_old: dict[int, Passage],
    create_coders: bool,
    report: ExchangeReport,
) -> _WorkbookPlan:
    problems: list[ImportProblem] = []
    live = codebooks.live_codes(session, project)
    by_key = {c.key: c for c in live}
    paths = codebooks.code_paths(live)
    by_path = {paths[c.id].casefold(): c for c in live}
    allowed = [s.value for s in codebooks.stance_scale(project)]
    users: dict[str, User | None] = {}

    def coder(name: str, sheet: str, row: int) -> User | None:
        if name not in users:
            found = session.scalar(select(User).where(func.lower(User.username) == name.lower()))
            if found is None and create_coders and name:
                found = _create_coder(session, project, name)
                report.created_coders.append(found.username)
            users[name] = found
        if users[name] is None:
            problems.append(
                ImportProblem(
                    sheet, row, "coder", f"unknown coder '{name}' (choose 'create missing coders')"
                )
            )
        return users[name]

    plan = _WorkbookPlan([], [], defaultdict(dict))
    for c in content.codings:
        passage = by_old.get(c.old_passage_id)
        code = by_key.get(c.code_key) or by_path.get(c.code_path.casefold())
        if passage is None:
            problems.append(
                ImportProblem(
                    "Annotations",
                    c.row,
                    "passage_id",
                    f"passage {c.old_passage_id} is not in the Passages sheet",
                )
            )
            continue
        if code is None or not code.is_codable:
            problems.append(
                ImportProblem(
                    "Annotations", c.row, "code_path", f"'{c.code_path}' is not an applicable code"
                )
            )
            continue
        try:
            stance = cs.parse_stance(c.stance, allowed) if code.takes_stance else None
        except ValueError as exc:
            problems.append(ImportProblem("Annotations", c.row, "stance", str(exc)))
            continue
        if c.layer == "consensus":
            plan.consensus[passage.id][code.id] = stance
            continue
        who = coder(c.coder, "Annotations", c.row)
        span = None
        if c.span_start or c.span_end:
            a, b = c.span_start, c.span_end
            if not (a.isdigit() and b.isdigit() and 0 <= int(a) < int(b) <= len(passage.text)):
                problems.append(
                    ImportProblem(
                        "Annotations",
                        c.row,
                        "span_start",
                        f"span {a}-{b} is not inside the passage",
                    )
                )
                continue
            span = coding.Span(int(a), int(b))
        if who is not None:
            plan.codings.append((passage, who, code, stance, c.memo, span, c.codebook_version))
    for st in content.states:
        passage = by_old.get(st.old_passage_id)
        if passage is None:
            problems.append(
                ImportProblem(
                    "Coded",
                    st.row,
                    "passage_id",
                    f"passage {st.old_passage_id} is not in the Passages sheet",
                )
            )
            continue
        if st.layer == "consensus":
            plan.consensus.setdefault(passage.id, {})
            continue
        who = coder(st.coder, "Coded", st.row)
        if who is not None:
            plan.states.append((passage, who, st.coded, st.memo))
    _refuse(problems)
    return plan


def _apply_workbook(
    session: Session, project: Project, actor: User, plan: _WorkbookPlan, report: ExchangeReport
) -> None:
    version = codebooks.current_version(session, project)
    for passage, who, code, stance, memo, span, made_under in plan.codings:
        kwargs: dict[str, Any] = {"span": span}
        if code.takes_stance:
            kwargs["stance"] = stance
        if memo:
            kwargs["memo"] = memo
        coding.apply_code(
            session,
            project,
            who,
            passage.id,
            code.id,
            codebook_version=made_under if made_under is not None else version,
            **kwargs,
        )
        report.codings += 1
    for passage, who, coded, memo in plan.states:
        coding.set_done(session, project, who, passage.id, coded)
        report.passages_done += int(coded)
        if memo:
            coding.set_passage_memo(session, project, who, passage.id, memo, limit=1_000_000)
    if plan.consensus:
        from workbench.services import adjudication

        for passage_id, codes in plan.consensus.items():
            adjudication.resolve(session, project, actor, passage_id, codes)
