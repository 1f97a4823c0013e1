"""Codings coming back in: offline coding sheets and legacy long tables.

Both imports validate every row first and report every problem with its sheet, row and column.
Nothing is written while a problem remains, unless the user explicitly asks to apply only the
valid rows (a row is applied whole or not at all). Writing goes through ``services.coding``
(apply_code, remove_code, set_done, set_passage_memo), so the audit history and idempotency
hold: importing the same file twice changes nothing the second time.

Coding sheets: a coder uploads their own; a lead may upload one on a coder's behalf (the
coder works offline and sends the file). Rows must be passages assigned to that coder whose
text has not changed since the export (SHA-256 in a hidden column).

Legacy tables: coders are matched by username or display name among the project's members
only. Any other name is an error, worded the same whether or not such an account exists on the
instance (so an import never reveals usernames), unless the lead ticks "create missing coders":
then a new account is created for each, inactive (it cannot sign in until an admin sets a
password), named as the file writes it (letters of any script kept), and added to the project as
a coder. ``created_at``/``updated_at`` columns, when present, become the codings' own times.
Anything that cannot be applied is reported item by item; the caller rolls back unless partial
imports were asked for. Our own exports come in through ``workbook_import``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import IO, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core import limits
from workbench.core.errors import Forbidden, NotFound, ValidationError
from workbench.formats import coding_sheet as cs
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.detect import Kind, detect
from workbench.formats.legacy import LegacyRow, TableFormatError, read_legacy
from workbench.formats.xlsx_read import cell_text
from workbench.formats.xmlsafe import ExchangeError
from workbench.models import (
    Annotation,
    Assignment,
    Code,
    ConsensusAnnotation,
    ConsensusState,
    Document,
    Membership,
    Passage,
    PassageState,
    Project,
    User,
)

MAX_PROBLEMS_SHOWN = 200


@dataclass
class ImportReport:
    """What an import found and (if it applied anything) what it changed."""

    kind: str
    filename: str
    rows: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    applied_rows: int = 0
    skipped_rows: int = 0
    codings_set: int = 0
    codings_removed: int = 0
    passages_done: int = 0
    created_coders: list[str] = field(default_factory=list)
    documents_added: int = 0
    documents_known: int = 0
    codebook_version: int | None = None
    consensus_passages: int = 0

    @property
    def problem_rows(self) -> int:
        """How many distinct rows have a problem."""
        return len({(p.sheet, p.row) for p in self.problems if p.row})

    def summary(self) -> str:
        """One sentence for the page or the terminal."""
        if not self.applied:
            return (
                f"{self.filename}: nothing was applied; {len(self.problems)} problem(s) in "
                f"{self.problem_rows} of {self.rows} rows."
            )
        skipped = (
            f"; NOT applied: {len(self.problems)} item(s) listed above ({self.problem_rows} rows)"
            if self.problems
            else ""
        )
        extra = ""
        if self.documents_added or self.documents_known:
            extra += (
                f"{self.documents_added} documents added ({self.documents_known} already present), "
            )
        if self.codebook_version is not None:
            extra += f"codebook version {self.codebook_version}, "
        if self.consensus_passages:
            extra += f"{self.consensus_passages} adjudicated passages, "
        if self.created_coders:
            extra += f"coders created: {', '.join(self.created_coders)}, "
        return (
            f"{self.filename}: applied {self.applied_rows} rows: {extra}"
            f"{self.codings_set} codings set, {self.codings_removed} removed, "
            f"{self.passages_done} passages marked coded{skipped}."
        )


# Files the detector recognises as something other than a coding sheet, as the message names them.
_ELSEWHERE = {
    Kind.EXPORT: "a workbook exported by the workbench",
    Kind.CSV_EXPORT: "the workbench's CSV export",
    Kind.TABLE: "a table of codings",
}


def _fail_file(kind: str, filename: str, exc: ExchangeError) -> ImportReport:
    problems = list(getattr(exc, "problems", [])) or [ImportProblem(None, None, None, str(exc))]
    return ImportReport(kind, filename, problems=problems)


# --------------------------------------------------------------------------- coding sheets


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
        raise NotFound(f"{user.username} is not a member of this project.")


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
            f"{parsed.filename}: this coding sheet belongs to project "
            f"'{parsed.meta['project']}', not '{project.slug}'."
        )
    if role != "lead":
        if named and named.lower() != actor.username.lower():
            raise Forbidden(
                f"{parsed.filename} is the coding sheet of {named}; you can import only your own."
            )
        return actor
    if not named:
        raise ValidationError(
            f"{parsed.filename}: the sheet does not say whose it is (its hidden '_meta' sheet "
            "is missing); ask the coder to upload it themself."
        )
    coder = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id, accounts.username_is(named))
    )
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
        return _fail_file(kind, filename, ExchangeError(message))
    try:
        parsed = cs.read_coding_sheet(data, filename)
    except ExchangeError as exc:
        return _fail_file(kind, filename, exc)
    coder = _sheet_coder(session, project, actor, role, parsed)
    report = ImportReport(kind, filename, rows=len(parsed.sheet.rows))
    if parsed.meta.get("format") not in (None, "", cs.FORMAT):
        report.warnings.append(
            f"Unknown sheet format {parsed.meta['format']!r}; read as {cs.FORMAT}"
        )
    rows = _validate_sheet(session, project, coder, parsed, report, memo_limit)
    if report.problems and not apply_valid:
        return report
    version = codebooks.current_version(session, project)
    for item in rows:
        _apply_sheet_row(session, project, coder, item, report, version, memo_limit)
    report.applied = True
    report.skipped_rows = report.problem_rows
    return report


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
                ImportProblem(sheet.name, 1, header, "unknown column: no such code in the codebook")
            )
        elif not code.is_codable:
            report.problems.append(
                ImportProblem(
                    sheet.name, 1, header, f"'{code.name}' is a folder and cannot be applied"
                )
            )
        else:
            codes[index] = (kind, code)
    for required in ("passage_id", "text_sha256"):
        if required not in fixed:
            report.problems.append(
                ImportProblem(sheet.name, 1, required, f"required column '{required}' is missing")
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
    for _, values in sheet.rows:
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
                        raise ValueError(f"'{code.name}' takes no stance")
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


# --------------------------------------------------------------------------- legacy tables


@dataclass
class _Planned:
    row: int
    passage: Passage
    coder: str  # resolved username, or the name of a coder to create
    code: Code | None
    stance: int | None
    memo: str | None
    span: coding.Span | None
    layer: str
    created: dt.datetime | None = None
    updated: dt.datetime | None = None


def parse_time(text: str) -> dt.datetime | None:
    """An ISO 8601 time from a file, in UTC (a time without zone is taken as UTC)."""
    if not text.strip():
        return None
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class _Lookup:
    """Documents, passages, coders and codes of the project, loaded once per import."""

    def __init__(self, session: Session, project: Project) -> None:
        self.session, self.project = session, project
        docs = session.execute(
            select(Document.id, Document.title, Document.filename).where(
                Document.project_id == project.id
            )
        ).all()
        self.by_title: dict[str, list[int]] = defaultdict(list)
        self.by_title_folded: dict[str, list[int]] = defaultdict(list)
        self.by_file: dict[str, list[int]] = defaultdict(list)
        for doc_id, title, filename in docs:
            self.by_title[title.strip()].append(doc_id)
            self.by_title_folded[title.strip().casefold()].append(doc_id)
            self.by_file[filename.strip().casefold()].append(doc_id)
        self._passages: dict[int, list[Passage]] = {}
        # Only the project's members: a name outside it reads exactly like an unknown one, so
        # an import never tells which usernames exist elsewhere on the instance.
        users = session.execute(
            select(User.id, User.username, User.display_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id)
        ).all()
        self.users: dict[str, str] = {}
        names: dict[str, list[str]] = defaultdict(list)
        for _, username, display in users:
            self.users[_name_key(username)] = username
            names[_name_key(display)].append(username)
        self.display = {n: u[0] for n, u in names.items() if len(u) == 1}
        live = codebooks.live_codes(session, project)
        paths = codebooks.code_paths(live)
        self.code_by_path = {_path_key(paths[c.id]): c for c in live}
        by_name: dict[str, list[Code]] = defaultdict(list)
        for c in live:
            by_name[c.name.strip().casefold()].append(c)
        self.code_by_name = by_name

    def document(self, ref: str) -> tuple[int | None, str]:
        for table, key in (
            (self.by_title, ref.strip()),
            (self.by_title_folded, ref.strip().casefold()),
            (self.by_file, ref.strip().casefold()),
        ):
            found = table.get(key, [])
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                return None, f"{len(found)} documents are called '{ref}'"
        return None, f"no document called '{ref}'"

    def passages(self, doc_id: int) -> list[Passage]:
        if doc_id not in self._passages:
            self._passages[doc_id] = list(
                self.session.scalars(
                    select(Passage).where(Passage.document_id == doc_id).order_by(Passage.ordinal)
                )
            )
        return self._passages[doc_id]

    def coder(self, ref: str) -> str | None:
        """The username of the member this name or display name means, if any."""
        key = _name_key(ref)
        return self.users.get(key) or self.display.get(key)

    def code(self, ref: str) -> tuple[Code | None, str]:
        found = self.code_by_path.get(_path_key(ref))
        if found is not None:
            return found, ""
        named = self.code_by_name.get(ref.strip().casefold(), [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, f"{len(named)} codes are called '{ref}': give the full path"
        return None, f"no code '{ref}' in the codebook"


def member_by_name(session: Session, project: Project, ref: str) -> User | None:
    """The project member this username or (unique) display name means; None for anyone else.

    Every import that attributes codings by name goes through this, so an account that is not
    a member is never written to and never told apart from a name that does not exist."""
    username = _Lookup(session, project).coder(ref)
    if username is None:
        return None
    return session.scalars(select(User).where(User.username == username)).one()


def _name_key(name: str) -> str:
    return accounts.normalise_username(name).casefold()


def not_member_message(name: str) -> str:
    """The one answer for a coder name that is no member (whether or not the account exists)."""
    return (
        f"'{name}' is not a member of this project (ask for 'create missing coders' to add "
        "them as new coders)"
    )


def _path_key(path: str) -> str:
    return " > ".join(p.strip() for p in re.split(r"\s*>\s*|::|\\", path.strip())).casefold()


def _find_passage(passages: list[Passage], ordinal: str, text: str) -> tuple[Passage | None, str]:
    if ordinal:
        # Numbered as every view shows passages: ¶1 is the first (stored ordinal 0).
        if not re.fullmatch(r"[0-9]+", ordinal) or int(ordinal) < 1:
            return None, f"passage '{ordinal}' is not a passage number (¶1 is the first passage)"
        found = next((p for p in passages if p.ordinal == int(ordinal) - 1), None)
        if found is None:
            return None, f"the document has no passage ¶{ordinal} (it has {len(passages)})"
        if text and " ".join(text.split()) not in " ".join(found.text.split()):
            return None, f"the text does not match passage ¶{ordinal}"
        return found, ""
    wanted = " ".join(text.split())
    exact = [p for p in passages if " ".join(p.text.split()) == wanted]
    if len(exact) == 1:
        return exact[0], ""
    inside = [p for p in passages if wanted in " ".join(p.text.split())]
    if len(inside) == 1:
        return inside[0], ""
    if not inside:
        return None, "the text occurs in no passage of the document"
    return None, f"the text occurs in {len(inside)} passages; give the passage number"


def _validate_legacy_row(
    lookup: _Lookup,
    row: LegacyRow,
    allowed: list[int],
    memo_limit: int,
    create_coders: bool,
    sheet: str,
) -> tuple[_Planned | None, list[ImportProblem]]:
    problems: list[ImportProblem] = []

    def bad(column: str, message: str) -> None:
        problems.append(ImportProblem(sheet, row.row, column, message))

    passage = None
    doc_id, why = lookup.document(row.document) if row.document else (None, "document is empty")
    if doc_id is None:
        bad("document", why)
    elif not row.passage and not row.text:
        bad("passage", "give the passage number or its text")
    else:
        passage, why = _find_passage(lookup.passages(doc_id), row.passage, row.text)
        if passage is None:
            bad("passage" if row.passage else "text", why)
        elif not passage.codable:
            bad("passage", "the passage is marked not codable")
    coder = ""
    if row.layer != "consensus":
        if not row.coder:
            bad("coder", "coder is empty")
        else:
            coder = lookup.coder(row.coder) or ""
            if not coder and create_coders:
                coder = "+" + row.coder.strip()
            elif not coder:
                bad("coder", not_member_message(row.coder))
    code = None
    if row.code:
        code, why = lookup.code(row.code)
        if code is None:
            bad("code", why)
        elif not code.is_codable:
            bad("code", f"'{code.name}' is a folder and cannot be applied")
    stance = None
    if row.stance:
        try:
            stance = cs.parse_stance(row.stance, allowed)
        except ValueError as exc:
            bad("stance", str(exc))
        if code is None and row.code == "":
            bad("stance", "a stance needs a code")
        elif code is not None and not code.takes_stance:
            bad("stance", f"'{code.name}' takes no stance")
    if row.memo is not None and len(row.memo) > memo_limit:
        bad("memo", f"the memo has {len(row.memo):,} characters; the limit is {memo_limit:,}")
    if row.stray_cells:
        bad(
            "row",
            f"{row.stray_cells} cell(s) beyond the last column: the row has more values than "
            "the header (an unquoted comma or quote?)",
        )
    created = updated = None
    for column, raw in (("created_at", row.created_at), ("updated_at", row.updated_at)):
        try:
            when = parse_time(raw)
        except ValueError:
            bad(column, f"'{raw}' is not an ISO 8601 time")
            continue
        created, updated = (when, updated) if column == "created_at" else (created, when)
    span = None
    if row.span_start or row.span_end:
        start, end = limits.counting_number(row.span_start), limits.counting_number(row.span_end)
        if start is None or end is None:
            bad("span_start", "span_start and span_end must both be whole numbers")
        elif passage is not None:
            span = coding.Span(start, end)
            if not 0 <= span.start < span.end <= len(passage.text):
                bad("span_start", f"the span {span.start}-{span.end} lies outside the passage")
    if problems or passage is None:
        return None, problems
    return (
        _Planned(
            row.row,
            passage,
            coder,
            code,
            stance,
            row.memo,
            span,
            row.layer,
            created,
            updated,
        ),
        [],
    )


def import_legacy(
    session: Session,
    project: Project,
    actor: User,
    filename: str,
    data: bytes,
    *,
    apply_valid: bool = False,
    create_coders: bool = False,
    memo_limit: int = 20_000,
) -> ImportReport:
    """Validate a long table of codings and, if valid (or asked to), apply it."""
    kind = "legacy codings"
    try:
        sheet, rows = read_legacy(data, filename)
    except (TableFormatError, ExchangeError) as exc:
        return _fail_file(kind, filename, exc)
    report = ImportReport(kind, filename, rows=len(rows))
    lookup = _Lookup(session, project)
    allowed = [s.value for s in codebooks.stance_scale(project)]
    planned: list[_Planned] = []
    seen: dict[tuple[int, str, int], tuple[int, int | None, str | None]] = {}
    for row in rows:
        item, problems = _validate_legacy_row(
            lookup, row, allowed, memo_limit, create_coders, sheet.name
        )
        if item is not None and item.code is not None:
            key = (item.passage.id, item.coder or "consensus", item.code.id)
            earlier = seen.get(key)
            if earlier is not None and earlier[1:] != (item.stance, item.memo):
                problems.append(
                    ImportProblem(
                        sheet.name,
                        row.row,
                        "code",
                        f"row {earlier[0]} gives this coder's same code on this passage "
                        "differently",
                    )
                )
                item = None
            else:
                seen[key] = (row.row, item.stance, item.memo)
        report.problems.extend(problems)
        if item is not None:
            planned.append(item)
    if report.problems and not apply_valid:
        return report
    _apply_legacy(session, project, actor, planned, report, memo_limit)
    # A consensus can still fail while applying: then the caller rolls back unless asked not to.
    report.applied = apply_valid or not report.problems
    report.skipped_rows = report.problem_rows
    return report


def username_from(name: str) -> str:
    """A valid username made from a name as written: letters of any script are kept."""
    cleaned = re.sub(r"[^\w.-]+", "_", accounts.normalise_username(name))
    base = cleaned.strip("_.-")[:70] or "coder"
    return base if len(base) >= 2 else f"coder_{base}"


def _create_coder(session: Session, project: Project, name: str) -> User:
    """A new inactive account for this project, named as the file names the coder."""
    base = username_from(name)
    username, n = base, 1
    while session.scalar(select(User.id).where(accounts.username_is(username))):
        n += 1
        username = f"{base}_{n}"
    user = accounts.create_user(
        session, username, secrets.token_urlsafe(24), display_name=name.strip()
    )
    user.active = False  # cannot sign in until an admin gives it a password
    accounts.add_member(session, project, user, "coder")
    return user


def _apply_legacy(
    session: Session,
    project: Project,
    actor: User,
    planned: list[_Planned],
    report: ImportReport,
    memo_limit: int,
) -> None:
    version = codebooks.current_version(session, project)
    users: dict[str, User] = {}
    consensus: Consensus = defaultdict(dict)
    consensus_times: dict[int, dt.datetime | None] = {}
    done: set[tuple[int, int]] = set()
    times: list[tuple[int, _Planned]] = []
    state_times: list[tuple[int, int, dt.datetime]] = []
    for item in planned:
        if item.layer == "consensus":
            if item.code is not None:
                consensus[item.passage.id][item.code.id] = (item.stance, item.memo or "")
            else:
                consensus.setdefault(item.passage.id, {})
            if item.updated or item.created:
                consensus_times[item.passage.id] = item.updated or item.created
            report.applied_rows += 1
            continue
        user = users.get(item.coder)
        if user is None:
            if item.coder.startswith("+"):
                user = _create_coder(session, project, item.coder[1:])
                report.created_coders.append(user.username)
            else:
                user = accounts.user_by_name(session, item.coder)
            users[item.coder] = user
        if item.code is not None:
            kwargs: dict[str, Any] = {}
            if item.code.takes_stance:
                kwargs["stance"] = item.stance
            if item.memo is not None:
                kwargs["memo"] = item.memo
            if item.span is not None:
                kwargs["span"] = item.span
            annotation_id = coding.apply_code(
                session,
                project,
                user,
                item.passage.id,
                item.code.id,
                codebook_version=version,
                memo_limit=memo_limit,
                **kwargs,
            )
            report.codings_set += 1
            if item.created or item.updated:
                times.append((annotation_id, item))
        if (item.passage.id, user.id) not in done:
            coding.set_done(session, project, user, item.passage.id, True)
            done.add((item.passage.id, user.id))
        if item.code is None and item.updated:
            state_times.append((item.passage.id, user.id, item.updated))
        report.applied_rows += 1
    report.passages_done = len(done)
    session.flush()
    for annotation_id, item in times:
        values = {"created_at": item.created, "updated_at": item.updated}
        session.execute(
            update(Annotation)
            .where(Annotation.id == annotation_id)
            .values({k: v for k, v in values.items() if v is not None})
        )
    for passage_id, coder_id, when in state_times:
        session.execute(
            update(PassageState)
            .where(PassageState.passage_id == passage_id, PassageState.coder_id == coder_id)
            .values(updated_at=when)
        )
    if consensus:
        apply_consensus(session, project, actor, consensus, consensus_times, report)


Consensus = dict[int, dict[int, tuple[int | None, str]]]  # passage -> code -> (stance, memo)


def _same_consensus(
    session: Session, passage_id: int, codes: dict[int, tuple[int | None, str]]
) -> bool:
    """Tell whether the passage's consensus already is exactly this one."""
    if (
        session.scalar(select(ConsensusState.id).where(ConsensusState.passage_id == passage_id))
        is None
    ):
        return False
    current = {
        code_id: (stance, memo or "")
        for code_id, stance, memo in session.execute(
            select(
                ConsensusAnnotation.code_id, ConsensusAnnotation.stance, ConsensusAnnotation.memo
            ).where(ConsensusAnnotation.passage_id == passage_id)
        )
    }
    return current == codes


def apply_consensus(
    session: Session,
    project: Project,
    actor: User,
    consensus: Consensus,
    times: dict[int, dt.datetime | None],
    report: ImportReport,
    sheet: str | None = None,
) -> None:
    """Resolve each adjudicated passage as the file says, keeping its memos and its time.

    A passage that cannot take a consensus (no coder has coded it, or it is not codable) is
    reported and left as it was; the others are applied."""
    from workbench.reliability import adjudication

    for passage_id, codes in consensus.items():
        if _same_consensus(session, passage_id, codes):
            continue  # importing the same file again changes nothing
        try:
            with session.begin_nested():
                adjudication.resolve(
                    session, project, actor, passage_id, {k: v[0] for k, v in codes.items()}
                )
        except ValidationError as exc:
            report.problems.append(
                ImportProblem(sheet, None, "layer", f"consensus of passage {passage_id}: {exc}")
            )
            continue
        for code_id, (_, memo) in codes.items():
            if memo:
                session.execute(
                    update(ConsensusAnnotation)
                    .where(
                        ConsensusAnnotation.passage_id == passage_id,
                        ConsensusAnnotation.code_id == code_id,
                    )
                    .values(memo=memo)
                )
        when = times.get(passage_id)
        if when is not None:
            for table in (ConsensusAnnotation, ConsensusState):
                session.execute(
                    update(table).where(table.passage_id == passage_id).values(resolved_at=when)
                )
        report.consensus_passages += 1
