"""Exports: the project's tables as an Excel workbook, CSV or JSON, within a scope.

The workbook holds, in order: About (what, when, scope, and a dictionary of every column),
Codebook and Stance scale (readable back by the codebook importer), Passages (one row per
passage; presence and stance per code for the chosen layer), Annotations (long), Coded (who
marked which passage coded), Documents (metadata and progress), Agreement and Methods,
Disagreements, Frequencies (with a native bar chart) and Cooccurrence. CSV has one file per
table (in a zip, or one table alone); JSON Lines has every table in one streamed file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from typing import IO
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.analysis import about_sheet
from workbench.analysis import agreement_sheets
from workbench.analysis import annotation_sheets
from workbench.analysis import catalog_sheets
from workbench.analysis import drift_sheet
from workbench.analysis import frequency_sheets
from workbench.analysis import keyword_sheet
from workbench.analysis import layers as analysis
from workbench.analysis import passages_sheet
from workbench.analysis import sheet_context
from workbench.analysis import translation_sheets
from workbench.analysis.summary import LayerSummary
from workbench.codebooks import codes as codebooks
from workbench.core import limits
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.formats import flat
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.formats.scope import ScopeError
from workbench.formats.tables import Table
from workbench.formats.workbook import ChartSpec
from workbench.formats.workbook import write_workbook
from workbench.models import Code
from workbench.models import Document
from workbench.models import Project

FORMATS = ("xlsx", "csv", "json", "qdpx")
MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
    "json": "application/jsonl; charset=utf-8",
    "qdpx": "application/zip",
}
Progress = Callable[[int], None]


@dataclass
class ExportResult:
    """What was written: rows per table, the download name and MIME type."""

    counts: dict[str, int]
    filename: str
    mimetype: str


def snapshot(session: Session) -> None:
    """Read the whole export from one snapshot (PostgreSQL: REPEATABLE READ, read only).

    Call it before the session's first query. SQLite reads inside one transaction already
    see a snapshot."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )


def _lazy(
    make: Callable[[], agreement_sheets.AgreementResult],
) -> Callable[[], agreement_sheets.AgreementResult]:
    cache: list[agreement_sheets.AgreementResult] = []

    def get() -> agreement_sheets.AgreementResult:
        if not cache:
            cache.append(make())
        return cache[0]

    return get


def check_scope(session: Session, project: Project, scope: ExportScope) -> None:
    """Refuse documents, coders, codes or a layer coder that are not in the project."""
    if scope.document_ids:
        found = set(
            session.scalars(
                select(Document.id).where(
                    Document.project_id == project.id, Document.id.in_(scope.document_ids)
                )
            )
        )
        missing = sorted(set(scope.document_ids) - found)
        if missing:
            raise NotFound(
                _("Documents not in this project: %(value)s.", value=", ".join(map(str, missing)))
            )
    known_coders = {u.id for u in analysis.coders_in_project(session, project)}
    missing = sorted(set(scope.coder_ids) - known_coders)
    if missing:
        raise NotFound(
            _("Coders not in this project: %(value)s.", value=", ".join(map(str, missing)))
        )
    if scope.code_ids:
        codable = {c.id for c in analysis.codable_codes(session, project)}
        missing = sorted(set(scope.code_ids) - codable)
        if missing:
            raise NotFound(
                _(
                    "Codes not codable in this project: %(value)s.",
                    value=", ".join(map(str, missing)),
                )
            )
    if scope.layer.kind == "coder":
        analysis.layer_coder_ids(session, project, scope)


def tables_for(
    session: Session, project: Project, scope: ExportScope, fmt: str
) -> tuple[list[Table], ChartSpec | None, int]:
    """The export's tables (lazy), its chart and the expected number of rows."""
    check_scope(session, project, scope)
    ctx = sheet_context.load_context(session, project, scope)
    estimates = sheet_context.row_estimates(ctx)
    agreement_ctx = agreement_sheets.agreement_context(ctx)
    agreement = _lazy(lambda: agreement_sheets.agreement(agreement_ctx))
    summary = LayerSummary(
        ctx.codes,
        analysis.document_labels(session, project),
        walk=lambda: sheet_context.grouped(ctx),
    )
    data = [
        *catalog_sheets.codebook_tables(ctx),
        passages_sheet.passages_table(ctx, estimates["passages"], summary),
        annotation_sheets.annotations_table(ctx, estimates["annotations"]),
        annotation_sheets.coded_table(ctx, estimates["coded"]),
        catalog_sheets.documents_table(ctx),
        agreement_sheets.agreement_table(agreement),
        agreement_sheets.methods_table_sheet(agreement),
        agreement_sheets.disagreements_table(agreement_ctx),
        *drift_sheet.drift_tables(ctx),
        frequency_sheets.frequencies_table(ctx, summary),
        frequency_sheets.cooccurrence_table(ctx, summary),
        *keyword_sheet.keyword_tables(ctx),
        *translation_sheets.translation_tables(ctx),
    ]
    extra = [("csv_guard", _("Text that could start a formula begins with an apostrophe (')"))]
    if fmt == "xlsx":
        tables = [about_sheet.about_sheet(ctx, data, []), *data]
    else:
        tables = [*about_sheet.about_tables(ctx, data, extra if fmt == "csv" else []), *data]
    chart = ChartSpec(
        "frequencies",
        _("Passages per code (%(layer)s)", layer=str(scope.layer)),
        category_column=4,
        value_column=5,
        rows=len(ctx.codes),
        colours=[c.colour for c in ctx.codes],
        y_title=_("passages"),
    )
    total = estimates["passages"] * 2 + estimates["annotations"] + estimates["coded"] + 100
    return tables, chart, total


def file_name(project: Project, fmt: str, table: str | None = None) -> str:
    """The download name: <slug>-export[-table].<ext> (JSON Lines: .jsonl)."""
    if fmt == "csv":
        return f"{project.slug}-{table}.csv" if table else f"{project.slug}-export-csv.zip"
    return f"{project.slug}-export.{'jsonl' if fmt == 'json' else fmt}"


def write_export(
    session: Session,
    project: Project,
    scope: ExportScope,
    fmt: str,
    out: str | PathLike[str] | IO[bytes],
    *,
    table: str | None = None,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the export in the chosen format to out (a path or a binary stream)."""
    if fmt not in FORMATS:
        raise ValidationError(
            _("Unknown format '%(fmt)s': use %(value)s.", fmt=fmt, value=", ".join(FORMATS))
        )
    if fmt == "qdpx":
        from workbench.interchange import project_exchange

        counts = project_exchange.export_qdpx(session, project, out, progress=progress)
        return ExportResult(counts, file_name(project, fmt), MIME["qdpx"])
    tables, chart, total = tables_for(session, project, scope, fmt)
    if on_total is not None:
        on_total(total)
    if fmt == "xlsx":
        counts = write_workbook(tables, out, chart=chart, progress=progress)
        return ExportResult(counts, file_name(project, fmt), MIME["xlsx"])
    if fmt == "json":
        counts = flat.write_jsonl(tables, out, progress=progress)
        return ExportResult(counts, file_name(project, fmt), MIME["json"])
    if table:
        # A single table still fills in what the About table reports on itself.
        rows = flat.write_csv(_chosen(tables, table), out, progress=progress)
        return ExportResult({table: rows}, file_name(project, fmt, table), MIME["csv"])
    counts = flat.write_csv_zip(tables, out, progress=progress)
    return ExportResult(counts, file_name(project, fmt), MIME["zip"])


def _chosen(tables: list[Table], table: str) -> Table:
    """The table a CSV export of one table names, or a message listing the ones there are."""
    for candidate in tables:
        if candidate.key == table:
            return candidate
    names = ", ".join(t.key for t in tables)
    raise ValidationError(
        _("Unknown table '%(table)s': use one of %(names)s.", table=table, names=names)
    )


def check_table(session: Session, project: Project, scope: ExportScope, table: str) -> None:
    """Refuse a CSV export of one table this project's export does not have, before any work."""
    # Which tables there are depends on the project (drift, keywords, translations).
    _chosen(tables_for(session, project, scope, "csv")[0], table)


def estimate(session: Session, project: Project, scope: ExportScope) -> int:
    """Rows the export will write from the big tables (decides background jobs)."""
    check_scope(session, project, scope)
    ctx = sheet_context.load_context(session, project, scope)
    found = sheet_context.row_estimates(ctx)
    return found["passages"] + found["annotations"]


def _ids(values: Sequence[str], lookup: Callable[[str], int | None], what: str) -> tuple[int, ...]:
    out: list[int] = []
    unknown: list[str] = []
    for value in values:
        found = lookup(value)
        if found is None:
            unknown.append(value)
        else:
            out.append(found)
    if unknown:
        raise NotFound(_("Unknown %(what)s: %(value)s.", what=what, value=", ".join(unknown)))
    return tuple(out)


def scope_from_names(
    session: Session,
    project: Project,
    *,
    documents: Sequence[str] = (),
    coders: Sequence[str] = (),
    codes: Sequence[str] = (),
    date_from: str = "",
    date_to: str = "",
    layer: str = "coders",
    bootstrap: int = 1000,
) -> ExportScope:
    """Build a scope from names as people type them (CLI): titles or ids, usernames, paths."""

    def document(ref: str) -> int | None:
        cond = Document.title == ref
        number = limits.counting_number(ref)
        if number is not None:
            cond = or_(cond, Document.id == number)
        return session.scalar(
            select(Document.id).where(Document.project_id == project.id, cond).limit(1)
        )

    def coder(ref: str) -> int | None:
        user = accounts.find_user(session, ref)
        return None if user is None else user.id

    paths = {
        re.sub(r"\s*>\s*", " > ", p.strip()).casefold(): i
        for i, p in codebooks.code_paths(codebooks.live_codes(session, project)).items()
    }
    names: dict[str, list[int]] = {}
    for c in session.scalars(
        select(Code).where(Code.project_id == project.id, Code.deleted_at.is_(None))
    ):
        names.setdefault(c.name.casefold(), []).append(c.id)

    def code(ref: str) -> int | None:
        key = re.sub(r"\s*>\s*", " > ", ref.strip()).casefold()
        if key in paths:
            return paths[key]
        found = names.get(key, [])
        return found[0] if len(found) == 1 else None

    try:
        return ExportScope(
            document_ids=_ids(documents, document, "documents"),
            coder_ids=_ids(coders, coder, "coders"),
            code_ids=_ids(codes, code, "codes (give the full path when a name is ambiguous)"),
            date_from=date_from,
            date_to=date_to,
            layer=Layer.parse(layer),
            bootstrap=bootstrap,
        )
    except ScopeError as exc:
        raise ValidationError(str(exc)) from None


def scope_from_form(values: Any) -> ExportScope:
    """Build a scope from the export form (a werkzeug MultiDict or a plain mapping of lists)."""

    def ints(name: str) -> tuple[int, ...]:
        raw = values.getlist(name) if hasattr(values, "getlist") else values.get(name, [])
        out = []
        for v in raw:
            if str(v).strip():
                number = limits.counting_number(str(v))
                if number is None:
                    raise ValidationError(
                        _("%(name)s: '%(value)s' is not an id.", name=name, value=str(v)[:40])
                    )
                out.append(number)
        return tuple(out)

    bootstrap = limits.counting_number(str(values.get("bootstrap") or "1000"))
    if bootstrap is None:
        raise ValidationError(_("bootstrap: give a whole number of replicates (0 for none)."))
    try:
        return ExportScope(
            document_ids=ints("documents"),
            coder_ids=ints("coders"),
            code_ids=ints("codes"),
            date_from=str(values.get("date_from") or "").strip(),
            date_to=str(values.get("date_to") or "").strip(),
            layer=Layer.parse(values.get("layer") or "coders"),
            bootstrap=min(bootstrap, 10_000),
        )
    except ScopeError as exc:
        raise ValidationError(str(exc)) from None
