"""Offline coding sheets: written for a coder, and coming back in.

A coder uploads their own sheet; a lead may upload one on a coder's behalf (the coder works
offline and sends the file). Rows must be passages assigned to that coder whose text has not
changed since the export (SHA-256 in a hidden column). Every row is validated first and every
problem reported with its sheet, row and column; nothing is written while a problem remains,
unless the user asks to apply only the valid rows (a row is applied whole or not at all).
Writing goes through the coding services (apply_code, remove_code, set_done,
set_passage_memo), so the audit history and idempotency hold. Legacy tables come in through
``legacy_import``, our own exports through ``workbook_import``. Slightly over 400 lines on
purpose: reading a sheet row, checking it and applying it share one row model and one report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import IO
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core import limits
from workbench.core.errors import Forbidden
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.formats import coding_sheet as cs
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.detect import Kind
from workbench.formats.detect import detect
from workbench.formats.xlsx_read import cell_text
from workbench.formats.xmlsafe import ExchangeError
from workbench.interchange.import_report import ImportReport
from workbench.interchange.import_report import failed_file
from workbench.interchange.project_lookup import not_member_message
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import Code
from workbench.models import Document
from workbench.models import Membership
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User

__all__ = ["ImportReport", "import_coding_sheet", "write_sheet_for"]

# Files the detector recognises as something other than a coding sheet, as the message names them.
_ELSEWHERE = {
    Kind.EXPORT: "a workbook exported by the workbench",
    Kind.CSV_EXPORT: "the workbench's CSV export",
    Kind.JSONL_EXPORT: "the workbench's JSON Lines export",
    Kind.TABLE: "a table of codings",
}


# --------------------------------------------------------------------------- written for a coder


def _assigned(session: Session, project: Project, coder: User) -> list[Passage]:
    ids = select(Assignment.passage_id).where(
        Assignment.project_id == project.id, Assignment.coder_id == coder.id
    )
    return list(
        session.scalars(
            select(Passage)
            .where(Passage.id.in_(ids), Passage.codable.is_(True))
            .order_by(Passage.document_id, Passage.ordinal)
        )
    )


def write_sheet_for(
    session: Session, project: Project, coder: User, out: str | PathLike[str] | IO[bytes]
) -> int:
    """Write the coder's coding sheet (their assigned passages, pre-filled); return rows."""
    _member(session, project, coder)
    passages = _assigned(session, project, coder)
    live = codebooks.live_codes(session, project)
    paths = codebooks.code_paths(live)
    codable = [c for c, _ in codebooks.tree_order(live) if c.is_codable]
    keys = {c.id: c.key for c in codable}
    ids = [p.id for p in passages]
    titles = {
        doc_id: title
        for doc_id, title in session.execute(
            select(Document.id, Document.title).where(Document.project_id == project.id)
        )
    }
    codings: dict[int, dict[str, int | None]] = defaultdict(dict)
    done: dict[int, tuple[bool, str]] = {}
    for chunk in _chunks(ids):
        for pid, code_id, stance in session.execute(
            select(Annotation.passage_id, Annotation.code_id, Annotation.stance).where(
                Annotation.coder_id == coder.id, Annotation.passage_id.in_(chunk)
            )
        ):
            if code_id in keys:
                codings[pid][keys[code_id]] = stance
        for pid, coded, memo in session.execute(
            select(PassageState.passage_id, PassageState.coded, PassageState.memo).where(
                PassageState.coder_id == coder.id, PassageState.passage_id.in_(chunk)
            )
        ):
            done[pid] = (bool(coded), memo or "")
    rows = [
        cs.SheetPassage(
            passage_id=p.id,
            document=titles.get(p.document_id, ""),
            ordinal=p.ordinal,
            speaker=p.speaker,
            delegation=p.delegation,
            text=p.text,
            done=done.get(p.id, (False, ""))[0],
            memo=done.get(p.id, (False, ""))[1],
            codings=codings.get(p.id, {}),
        )
        for p in passages
    ]
    scale = tuple((s.value, s.label) for s in codebooks.stance_scale(project))
    meta = cs.SheetMeta(
        project=project.slug,
        coder=coder.username,
        coder_name=coder.display_name,
        codebook_version=codebooks.current_version(session, project),
        scale=scale,
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    sheet_codes = [cs.SheetCode(c.key, paths[c.id], c.takes_stance) for c in codable]
    cs.write_coding_sheet(meta, sheet_codes, rows, out)
    return len(rows)


def _chunks(ids: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]


def _member(session: Session, project: Project, user: User) -> None:
    found = session.scalar(
        select(Membership.id).where(
            Membership.project_id == project.id, Membership.user_id == user.id
        )
    )
    if found is None:
        raise NotFound(_("%(username)s is not a member of this project.", username=user.username))


# --------------------------------------------------------------------------- coming back in


@dataclass
class _SheetRow:
    row: int
    passage: Passage
    done: bool | None
    memo: str | None
    codes: dict[int, tuple[bool | None, int | None]]  # code id -> (presence, stance)


def _sheet_coder(
    session: Session, project: Project, actor: User, role: str, parsed: cs.ParsedSheet
) -> User:
    named = parsed.meta.get("coder", "")
    if parsed.meta.get("project") and parsed.meta["project"] != project.slug:
        raise ValidationError(
            _(
                "%(filename)s: this coding sheet belongs to project '%(value)s', not '%(slug)s'.",
                filename=parsed.filename,
                value=parsed.meta["project"],
                slug=project.slug,
            )
        )
    if role != "lead":
        if named and named.lower() != actor.username.lower():
            raise Forbidden(
                _(
                    "%(filename)s is the coding sheet of %(named)s; you can import only your own.",
                    filename=parsed.filename,
                    named=named,
                )
            )
        return actor
    if not named:
        raise ValidationError(
            _(
                "%(filename)s: the sheet does not say whose it is (its hidden '_meta' "
                "sheet is missing); ask the coder to upload it themself.",
                filename=parsed.filename,
            )
        )
    members = select(Membership.user_id).where(Membership.project_id == project.id)
    coder = accounts.find_user(session, named, User.id.in_(members))
    if coder is None:
        raise NotFound(f"{parsed.filename}: {not_member_message(named)}.")
    return coder


def import_coding_sheet(
    session: Session,
    project: Project,
    actor: User,
    role: str,
    filename: str,
    data: bytes,
    *,
    apply_valid: bool = False,
    memo_limit: int = 20_000,
) -> ImportReport:
    """Validate an offline coding sheet and, if valid (or asked to), apply its rows."""
    kind = "coding sheet"
    elsewhere = _ELSEWHERE.get(detect(filename, data))
    if elsewhere:
        message = f"{filename} is {elsewhere}, not a coding sheet; import it with 'Import codings'"
        return failed_file(kind, filename, ExchangeError(message))
    try:
        parsed = cs.read_coding_sheet(data, filename)
    except ExchangeError as exc:
        return failed_file(kind, filename, exc)
    coder = _sheet_coder(session, project, actor, role, parsed)
    report = ImportReport(kind, filename, rows=len(parsed.sheet.rows))
    if parsed.meta.get("format") not in (None, "", cs.FORMAT):
        report.warnings.append(
            _(
                "Unknown sheet format %(value)s; read as %(FORMAT)s",
                value=repr(parsed.meta["format"]),
                FORMAT=cs.FORMAT,
            )
        )
    rows = _validate_sheet(session, project, coder, parsed, report, memo_limit)
    if report.problems and not apply_valid:
        return report
    version = codebooks.current_version(session, project)
    for item in rows:
        _apply_sheet_row(session, project, coder, item, report, version, memo_limit)
    return report.settle(True)  # a sheet's rows that were checked are applied whole


def _header_columns(
    session: Session, project: Project, parsed: cs.ParsedSheet, report: ImportReport
) -> tuple[dict[str, int], dict[int, tuple[str, Code]]]:
    """Fixed columns by name, and code columns (index -> (kind, code))."""
    sheet = parsed.sheet
    live = codebooks.live_codes(session, project)
    paths = codebooks.code_paths(live)
    by_key = {c.key: c for c in live}
    by_path = {paths[c.id].casefold(): c for c in live}
    fixed: dict[str, int] = {}
    codes: dict[int, tuple[str, Code]] = {}
    for index, header in enumerate(sheet.header):
        if not header:
            continue
        if header in (*cs.FIXED, cs.DONE, cs.MEMO):
            fixed[header] = index
            continue
        kind, key = parsed.columns.get(header, ("", ""))
        code = by_key.get(key) if key else None
        if code is None:
            stance = header.endswith(cs.STANCE_SUFFIX)
            path = header[: -len(cs.STANCE_SUFFIX)] if stance else header
            code = by_path.get(path.strip().casefold())
            kind = "stance" if stance else "presence"
        if code is None:
            report.problems.append(
                ImportProblem(
                    sheet.name, 1, header, _("unknown column: no such code in the codebook")
                )
            )
        elif not code.is_codable:
            report.problems.append(
                ImportProblem(
                    sheet.name,
                    1,
                    header,
                    _("'%(name)s' is a folder and cannot be applied", name=code.name),
                )
            )
        else:
            codes[index] = (kind, code)
    for required in ("passage_id", "text_sha256"):
        if required not in fixed:
            report.problems.append(
                ImportProblem(
                    sheet.name,
                    1,
                    required,
                    _("required column '%(required)s' is missing", required=required),
                )
            )
    return fixed, codes


def _validate_sheet(
    session: Session,
    project: Project,
    coder: User,
    parsed: cs.ParsedSheet,
    report: ImportReport,
    memo_limit: int,
) -> list[_SheetRow]:
    sheet = parsed.sheet
    fixed, code_columns = _header_columns(session, project, parsed, report)
    if "passage_id" not in fixed or "text_sha256" not in fixed:
        return []
    allowed = [s.value for s in codebooks.stance_scale(project)]
    assigned = set(
        session.scalars(
            select(Assignment.passage_id).where(
                Assignment.project_id == project.id, Assignment.coder_id == coder.id
            )
        )
    )
    wanted = []
    for _row, values in sheet.rows:
        raw = cell_text(values[fixed["passage_id"]]) if fixed["passage_id"] < len(values) else ""
        found_id = limits.counting_number(raw)
        if found_id is not None:
            wanted.append(found_id)
    passages: dict[int, Passage] = {}
    for chunk in _chunks(wanted):
        passages.update(
            (p.id, p)
            for p in session.scalars(
                select(Passage).where(Passage.project_id == project.id, Passage.id.in_(chunk))
            )
        )
    out: list[_SheetRow] = []
    seen: set[int] = set()
    for number, values in sheet.rows:
        problems: list[ImportProblem] = []

        def cell(index: int, values: list[Any] = values) -> Any:
            return values[index] if index < len(values) else None

        def bad(
            column: str, message: str, number: int = number, found: list[ImportProblem] = problems
        ) -> None:
            found.append(ImportProblem(sheet.name, number, column, message))

        raw_id = cell_text(cell(fixed["passage_id"])).strip()
        passage = passages.get(limits.counting_number(raw_id) or -1)
        if passage is None:
            bad("passage_id", f"'{raw_id}' is not a passage of this project")
        elif passage.id not in assigned:
            bad("passage_id", f"passage {passage.id} is not assigned to {coder.username}")
        elif cell_text(cell(fixed["text_sha256"])).strip() != cs.text_hash(passage.text):
            bad("text_sha256", "the passage text changed since this sheet was exported")
        elif passage.id in seen:
            bad("passage_id", f"passage {passage.id} appears twice in the sheet")
        done = memo = None
        if cs.DONE in fixed:
            try:
                done = cs.parse_binary(cell(fixed[cs.DONE]))
            except ValueError as exc:
                bad(cs.DONE, str(exc))
        if cs.MEMO in fixed and cell(fixed[cs.MEMO]) is not None:
            memo = cell_text(cell(fixed[cs.MEMO]))
            if len(memo) > memo_limit:
                bad(cs.MEMO, f"the memo has {len(memo):,} characters; the limit is {memo_limit:,}")
        codes: dict[int, tuple[bool | None, int | None]] = {}
        headers = sheet.header
        for index, (kind, code) in code_columns.items():
            present, stance = codes.get(code.id, (None, None))
            try:
                if kind == "presence":
                    present = cs.parse_binary(cell(index))
                else:
                    stance = cs.parse_stance(cell(index), allowed)
                    if stance is not None and not code.takes_stance:
                        raise ValueError(_("'%(name)s' takes no stance", name=code.name))
            except ValueError as exc:
                bad(headers[index], str(exc))
            codes[code.id] = (present, stance)
        for code_id, (present, stance) in codes.items():
            if stance is not None and present is not True:
                column = next(
                    headers[i]
                    for i, (k, c) in code_columns.items()
                    if c.id == code_id and k == "stance"
                )
                bad(column, "a stance is given but the code is not marked 1 (applied)")
        report.problems.extend(problems)
        if passage is not None:
            seen.add(passage.id)
        if not problems and passage is not None:
            out.append(_SheetRow(number, passage, done, memo, codes))
    return out


def _apply_sheet_row(
    session: Session,
    project: Project,
    coder: User,
    item: _SheetRow,
    report: ImportReport,
    version: int,
    memo_limit: int,
) -> None:
    touched = False
    for code_id, (present, stance) in item.codes.items():
        if present is True:
            code = session.get(Code, code_id)
            kwargs: dict[str, Any] = (
                {"stance": stance} if code is not None and code.takes_stance else {}
            )
            coding.apply_code(
                session,
                project,
                coder,
                item.passage.id,
                code_id,
                codebook_version=version,
                **kwargs,
            )
            report.codings_set += 1
            touched = True
        elif present is False:
            if coding.remove_code(session, project, coder, item.passage.id, code_id):
                report.codings_removed += 1
            touched = True
    if item.done is not None or touched:
        coded = item.done if item.done is not None else True
        coding.set_done(session, project, coder, item.passage.id, coded)
        report.passages_done += int(coded)
    if item.memo is not None:
        coding.set_passage_memo(
            session, project, coder, item.passage.id, item.memo, limit=memo_limit
        )
    report.applied_rows += 1
