"""Legacy long tables of codings coming in: one row per coding (or per coded passage).

Every row is validated first and every problem reported with its sheet, row and column. Nothing
is written while a problem remains, unless the user asks to apply only the valid rows (a row is
applied whole or not at all). Writing goes through the coding services (apply_code, set_done),
so the audit history and idempotency hold: importing the same file twice changes nothing the
second time. Coders are found as ``project_lookup`` says. ``created_at``/``updated_at`` columns,
when present, become the codings' own times. Anything that cannot be applied is reported item
by item; the caller rolls back unless partial imports were asked for. Our own exports come in
through ``workbook_import``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core import limits
from workbench.core.i18n import _
from workbench.formats import coding_sheet as cs
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.legacy import LegacyRow
from workbench.formats.legacy import TableFormatError
from workbench.formats.legacy import read_legacy
from workbench.formats.times import parse_utc
from workbench.formats.xmlsafe import ExchangeError
from workbench.interchange.consensus_import import Consensus
from workbench.interchange.consensus_import import apply_consensus
from workbench.interchange.import_report import ImportReport
from workbench.interchange.import_report import Upload
from workbench.interchange.import_report import failed_file
from workbench.interchange.project_lookup import ProjectLookup
from workbench.interchange.project_lookup import create_coder
from workbench.interchange.project_lookup import not_member_message
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User


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


def _find_passage(passages: list[Passage], ordinal: str, text: str) -> tuple[Passage | None, str]:
    if ordinal:
        # Numbered as every view shows passages: ¶1 is the first (stored ordinal 0).
        number = limits.counting_number(ordinal)
        if number is None or number < 1:
            return None, f"passage '{ordinal}' is not a passage number (¶1 is the first passage)"
        found = next((p for p in passages if p.ordinal == number - 1), None)
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
    lookup: ProjectLookup,
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
            when = parse_utc(raw)
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


def import_legacy(session: Session, project: Project, actor: User, upload: Upload) -> ImportReport:
    """Validate a long table of codings and, if valid (or partial imports allowed), apply it."""
    filename, data = upload.filename, upload.data
    apply_valid, create_coders, memo_limit = upload.settings()
    kind = "legacy codings"
    try:
        sheet, rows = read_legacy(data, filename)
    except (TableFormatError, ExchangeError) as exc:
        return failed_file(kind, filename, exc)
    report = ImportReport(kind, filename, rows=len(rows))
    lookup = ProjectLookup(session, project)
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
                        _(
                            "row %(value)s gives this coder's same code on this passage "
                            "differently",
                            value=earlier[0],
                        ),
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
    return report.settle(apply_valid)


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
                user = create_coder(session, project, item.coder[1:])
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
