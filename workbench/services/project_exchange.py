"""Project exchange: REFI-QDA .qdpx out and in, .qdc codebooks, and our own workbooks back in.

Importing a project file merges it into the current project, all or nothing:
- the codebook is merged by code key (new codes added, known ones updated, a new version);
- documents are stored unless the same content is already there (then their passages are
  reused);
- codings are applied through ``services.coding`` under the coder they belong to.

REFI-QDA selections and passages: the workbench codes passages. A selection inside one
passage becomes an annotation of that passage with the selection as its span (no span when it
covers the whole passage); a selection across passages is split into one annotation per
passage it touches (each with its part as the span); text between passages is dropped. Two
selections of the same coder and code in one passage become one annotation spanning both.
Selection descriptions become memos; our own exports carry stance and memo in them.

Coders: matched by username (REFI-QDA ``User/@id``), then by name. Unknown coders are an
error unless "create missing coders" is chosen: inactive accounts are then created (see
``coding_import``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench import __version__
from workbench.codebook import CodebookSpec
from workbench.corpus import DocumentMeta, ParsedDocument, PassageSpec, detect_language, segment
from workbench.exporting import codebook_xlsx, qdpx
from workbench.exporting import coding_sheet as cs
from workbench.exporting.codebook_xlsx import ImportProblem
from workbench.exporting.qdpx_read import (
    RProject,
    RSelection,
    RSource,
    read_data_line,
    read_project,
)
from workbench.exporting.workbook_read import WDocument, read_export_workbook
from workbench.exporting.xmlsafe import ExchangeError
from workbench.models import (
    Annotation,
    Code,
    Document,
    Passage,
    PassageState,
    Project,
    User,
)
from workbench.services import accounts, analysis, codebook_files, codebooks, coding, importing
from workbench.services.coding_import import _create_coder
from workbench.services.errors import NotFound, ValidationError

Progress = Callable[[int], None]


@dataclass
class ExchangeReport:
    """What a project import did."""

    filename: str
    documents_added: int = 0
    documents_known: int = 0
    codebook_version: int | None = None
    codings: int = 0
    split_selections: int = 0
    merged_selections: int = 0
    dropped_selections: int = 0
    passages_done: int = 0
    created_coders: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One sentence for the page or the terminal."""
        return (
            f"{self.filename}: {self.documents_added} documents added "
            f"({self.documents_known} already present), {self.codings} codings applied"
            + (f", codebook version {self.codebook_version}" if self.codebook_version else "")
            + "."
        )


# --------------------------------------------------------------------------- export


def export_qdpx(
    session: Session,
    project: Project,
    out: str | PathLike[str] | IO[bytes],
    *,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the project as a .qdpx archive; return counts of documents and codings."""
    spec = codebooks.to_spec(session, project)
    coders = analysis.coders_in_project(session, project)
    users = [qdpx.QUser(qdpx.guid("user", u.username), u.display_name, u.username) for u in coders]
    user_guid = {u.id: qdpx.guid("user", u.username) for u in coders}
    usernames = {u.id: u.username for u in coders}
    codes = {c.id: c for c in codebooks.live_codes(session, project) if c.is_codable}
    labels = {s.value: s.label for s in codebooks.stance_scale(project)}
    counts = {"documents": 0, "codings": 0}
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    def doc_guid(doc_id: int) -> str:
        return qdpx.guid("document", project.slug, doc_id)

    def texts() -> Iterator[tuple[str, str]]:
        stmt = select(Document.id, Document.text).where(Document.project_id == project.id)
        for doc_id, text in session.execute(
            stmt.order_by(Document.id).execution_options(yield_per=20)
        ):
            yield doc_guid(doc_id), text

    def sources() -> Iterator[qdpx.QSource]:
        passages = _ByDocument(
            session.execute(
                select(
                    Passage.document_id,
                    Passage.id,
                    Passage.ordinal,
                    Passage.text,
                    Passage.start_offset,
                    Passage.end_offset,
                    Passage.speaker,
                    Passage.delegation,
                    Passage.language,
                    Passage.original_language,
                    Passage.turn,
                    Passage.codable,
                )
                .where(Passage.project_id == project.id)
                .order_by(Passage.document_id, Passage.ordinal)
                .execution_options(yield_per=2000)
            )
        )
        annotations = _ByDocument(
            session.execute(
                select(
                    Passage.document_id,
                    Annotation.id,
                    Annotation.passage_id,
                    Annotation.coder_id,
                    Annotation.code_id,
                    Annotation.stance,
                    Annotation.memo,
                    Annotation.span_start,
                    Annotation.span_end,
                    Annotation.created_at,
                )
                .join(Passage, Passage.id == Annotation.passage_id)
                .where(Annotation.project_id == project.id, Annotation.code_id.in_(list(codes)))
                .order_by(
                    Passage.document_id, Passage.ordinal, Annotation.coder_id, Annotation.code_id
                )
                .execution_options(yield_per=2000)
            )
        )
        states = _ByDocument(
            session.execute(
                select(Passage.document_id, PassageState.coder_id, Passage.ordinal)
                .join(Passage, Passage.id == PassageState.passage_id)
                .where(PassageState.project_id == project.id, PassageState.coded.is_(True))
                .order_by(Passage.document_id, Passage.ordinal)
            )
        )
        docs = session.execute(
            select(
                Document.id,
                Document.title,
                Document.filename,
                Document.language,
                Document.doc_type,
                Document.date,
                Document.meeting_symbol,
                Document.source,
                Document.segmentation,
                Document.extra,
                Document.created_at,
            )
            .where(Document.project_id == project.id)
            .order_by(Document.id)
        ).all()
        for doc in docs:
            mine = passages.take(doc.id)
            by_id = {p.id: p for p in mine}
            coded: dict[str, list[int]] = defaultdict(list)
            for _, coder_id, ordinal in states.take(doc.id):
                if coder_id in usernames:
                    coded[usernames[coder_id]].append(ordinal)
            selections = []
            for ann in annotations.take(doc.id):
                passage = by_id.get(ann.passage_id)
                if passage is None or ann.coder_id not in user_guid:
                    continue
                a = ann.span_start if ann.span_start is not None else 0
                b = ann.span_end if ann.span_end is not None else len(passage.text)
                selections.append(
                    qdpx.QSelection(
                        guid=qdpx.guid("annotation", project.slug, ann.id),
                        start=passage.start_offset + a,
                        end=passage.start_offset + b,
                        text=passage.text[a:b],
                        user_guid=user_guid[ann.coder_id],
                        code_guid=codes[ann.code_id].key,
                        created=_iso(ann.created_at),
                        description=_selection_note(ann, labels),
                    )
                )
            counts["documents"] += 1
            counts["codings"] += len(selections)
            if progress is not None:
                progress(len(selections) + 1)
            yield qdpx.QSource(
                guid=doc_guid(doc.id),
                name=doc.title,
                created=_iso(doc.created_at),
                user_guid=None,
                description=_document_note(doc, mine, coded),
                selections=selections,
            )

    qdpx.write_qdpx(
        out,
        qdpx.QHeader(project.name, f"workbench {__version__}", now),
        users,
        spec,
        texts,
        sources,
    )
    return counts


class _ByDocument:
    """Rows ordered by document id (first column), taken one document at a time."""

    def __init__(self, rows: Any) -> None:
        self._rows = iter(rows)
        self._head = next(self._rows, None)

    def take(self, doc_id: int) -> list[Any]:
        out = []
        while self._head is not None and self._head[0] <= doc_id:
            if self._head[0] == doc_id:
                out.append(self._head)
            self._head = next(self._rows, None)
        return out


def _iso(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _selection_note(ann: Any, labels: dict[int, str]) -> str:
    if ann.stance is None and not ann.memo:
        return ""
    lines = []
    if ann.stance is not None:
        lines.append(f"Stance: {ann.stance:+d} ({labels.get(ann.stance, '')})")
    if ann.memo:
        lines.append(f"Memo: {ann.memo}")
    lines.append(qdpx.data_line({"stance": ann.stance, "memo": ann.memo}))
    return "\n".join(lines)


def _document_note(doc: Any, passages: list[Any], coded: dict[str, list[int]]) -> str:
    data = {
        "title": doc.title,
        "filename": doc.filename,
        "language": doc.language,
        "doc_type": doc.doc_type,
        "date": doc.date,
        "meeting_symbol": doc.meeting_symbol,
        "source": doc.source,
        "segmentation": doc.segmentation,
        "extra": doc.extra or {},
        "passages": [
            [
                p.start_offset,
                p.end_offset,
                p.speaker,
                p.delegation,
                p.language,
                p.original_language,
                p.turn,
                p.codable,
            ]
            for p in passages
        ],
        "coded": dict(coded),
    }
    readable = ", ".join(
        str(v) for v in (doc.meeting_symbol, doc.date, doc.doc_type, doc.language) if v
    )
    return f"{readable}\n{qdpx.data_line(data)}".strip()


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
    return _import_refi(session, project, user, filename, found, create_coders, mode)


def _import_refi(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    found: RProject,
    create_coders: bool,
    mode: str,
) -> ExchangeReport:
    report = ExchangeReport(filename, warnings=list(found.warnings))
    if found.codebook.codes:
        spec = found.codebook
        if not _carries_scale(found):
            spec = CodebookSpec(spec.codes, codebooks.stance_scale(project))
        version = codebooks.install_spec(
            session, project, spec, user=user, note=f"Imported from {filename}"
        )
        report.codebook_version = version.number
    coders = _coders(session, project, user, found, create_coders, report)
    documents = [_parsed(source, mode, report) for source in found.sources]
    result = importing.store_documents(session, project, documents, user=user, mode=mode)
    report.documents_added, report.documents_known = result.documents, len(result.duplicates)
    session.flush()
    keys = {c.key: c for c in codebooks.live_codes(session, project)}
    version_number = codebooks.current_version(session, project)
    for source, parsed in zip(found.sources, documents, strict=True):
        doc_id = session.scalar(
            select(Document.id).where(
                Document.project_id == project.id, Document.content_hash == parsed.content_hash
            )
        )
        passages = list(
            session.scalars(
                select(Passage).where(Passage.document_id == doc_id).order_by(Passage.ordinal)
            )
        )
        _apply_source(
            session, project, user, source, passages, coders, keys, version_number, report
        )
    return report


def _carries_scale(found: RProject) -> bool:
    """Tell whether the codebook came with our data blocks (and so with its stance scale)."""
    return not any("no stance scale" in w for w in found.warnings)


def _coders(
    session: Session,
    project: Project,
    actor: User,
    found: RProject,
    create_coders: bool,
    report: ExchangeReport,
) -> dict[str | None, User]:
    used = {user for s in found.sources for sel in s.selections for _, user, _ in sel.codings}
    out: dict[str | None, User] = {}
    missing: list[str] = []
    for guid_ in sorted(used, key=lambda g: g or ""):
        if guid_ is None or guid_ not in found.users:
            if guid_ is not None:
                report.warnings.append(f"Codings by an unknown user {guid_} were attributed to you")
            else:
                report.warnings.append("Codings without a creatingUser were attributed to you")
            out[guid_] = actor
            continue
        name, ident = found.users[guid_]
        match = None
        for ref in (ident, name):
            if ref:
                match = session.scalar(
                    select(User).where(func.lower(User.username) == ref.strip().lower())
                ) or session.scalar(
                    select(User).where(func.lower(User.display_name) == ref.strip().lower())
                )
            if match is not None:
                break
        if match is None and create_coders:
            match = _create_coder(session, project, ident or name)
            report.created_coders.append(match.username)
        if match is None:
            missing.append(f"{name or ident} (id {ident or '-'})")
            continue
        out[guid_] = match
    if missing:
        raise ValidationError(
            "Nothing was imported: the file has codings by users who are not in the workbench. "
            "Add them, or choose 'create missing coders'.",
            missing,
        )
    return out


def _parsed(source: RSource, mode: str, report: ExchangeReport) -> ParsedDocument:
    data = source.data or {}
    text = source.text
    passages = _passages_from_block(data, text)
    if passages is None:
        if data.get("passages") is not None:
            report.warnings.append(
                f"{source.name}: stored passage boundaries were unusable; re-segmented"
            )
        passages = segment(text, mode="sentence" if mode == "sentence" else "paragraph")
    if not passages:
        raise ValidationError(f"Nothing was imported: the source '{source.name}' has no text.")
    meta = DocumentMeta(
        title=str(data.get("title") or source.name)[:500],
        date=data.get("date"),
        doc_type=data.get("doc_type"),
        meeting_symbol=data.get("meeting_symbol"),
        language=data.get("language") or detect_language(text),
        source=data.get("source"),
    )
    extra = data.get("extra") if isinstance(data.get("extra"), dict) else {}
    return ParsedDocument(
        filename=str(data.get("filename") or source.name)[:500],
        raw_text=source.raw_text,
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        meta=meta,
        passages=passages,
        extra=dict(extra or {}),
    )


def _passages_from_block(data: dict[str, Any], text: str) -> list[PassageSpec] | None:
    rows = data.get("passages")
    if not isinstance(rows, list) or not rows:
        return None
    out = []
    last = 0
    try:
        for ordinal, row in enumerate(rows):
            start, end, speaker, delegation, language, original, turn, codable = row
            if not (
                isinstance(start, int)
                and isinstance(end, int)
                and last <= start <= end <= len(text)
            ):
                return None
            out.append(
                PassageSpec(
                    ordinal,
                    text[start:end],
                    start,
                    end,
                    speaker,
                    delegation,
                    language,
                    original,
                    bool(codable),
                    turn,
                )
            )
            last = end
    except (TypeError, ValueError):
        return None
    return out


def _apply_source(
    session: Session,
    project: Project,
    actor: User,
    source: RSource,
    passages: list[Passage],
    coders: dict[str | None, User],
    keys: dict[str, Code],
    version: int,
    report: ExchangeReport,
) -> None:
    planned: dict[tuple[int, int, int], dict[str, Any]] = {}
    for sel in source.selections:
        pieces = _pieces(sel, passages)
        if not pieces:
            report.dropped_selections += 1
            continue
        if len(pieces) > 1:
            report.split_selections += 1
        readable, block = read_data_line(sel.description)
        stance = block.get("stance") if block else None
        memo = block.get("memo") if block else readable
        for key, user_guid, _created in sel.codings:
            code = keys.get(key)
            coder = coders.get(user_guid)
            if code is None or coder is None or not code.is_codable:
                report.dropped_selections += 1
                continue
            for passage, span in pieces:
                slot = (passage.id, coder.id, code.id)
                if slot in planned:
                    report.merged_selections += 1
                    planned[slot]["span"] = _hull(planned[slot]["span"], span, passage)
                    continue
                planned[slot] = {
                    "passage": passage,
                    "coder": coder,
                    "code": code,
                    "span": span,
                    "stance": stance if isinstance(stance, int) else None,
                    "memo": memo if isinstance(memo, str) else "",
                }
    allowed = {s.value for s in codebooks.stance_scale(project)}
    for item in planned.values():
        code, stance = item["code"], item["stance"]
        kwargs: dict[str, Any] = {"span": item["span"]}
        if code.takes_stance and stance in allowed:
            kwargs["stance"] = stance
        if item["memo"]:
            kwargs["memo"] = item["memo"][:20_000]
        coding.apply_code(
            session,
            project,
            item["coder"],
            item["passage"].id,
            code.id,
            codebook_version=version,
            **kwargs,
        )
        report.codings += 1
    coded = (source.data or {}).get("coded")
    if isinstance(coded, dict):
        by_ordinal = {p.ordinal: p for p in passages}
        for username, ordinals in coded.items():
            match = [u for u in coders.values() if u.username == username]
            try:
                coder = match[0] if match else accounts.user_by_name(session, str(username))
            except NotFound:  # a coder named in the block but absent is only a warning
                report.warnings.append(
                    f"{source.name}: coded passages of unknown coder {username} skipped"
                )
                continue
            for ordinal in ordinals if isinstance(ordinals, list) else []:
                done = by_ordinal.get(ordinal)
                if done is not None and done.codable:
                    coding.set_done(session, project, coder, done.id, True)
                    report.passages_done += 1


def _pieces(sel: RSelection, passages: list[Passage]) -> list[tuple[Passage, coding.Span | None]]:
    """The parts of a selection that fall in passages, as (passage, span or None for whole)."""
    out = []
    for p in passages:
        start, end = max(sel.start, p.start_offset), min(sel.end, p.start_offset + len(p.text))
        if start >= end or not p.codable:
            continue
        a, b = start - p.start_offset, end - p.start_offset
        out.append((p, None if (a, b) == (0, len(p.text)) else coding.Span(a, b)))
    return out


def _hull(
    first: coding.Span | None, second: coding.Span | None, passage: Passage
) -> coding.Span | None:
    if first is None or second is None:
        return None
    start, end = min(first.start, second.start), max(first.end, second.end)
    return None if (start, end) == (0, len(passage.text)) else coding.Span(start, end)


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
